// `npm run demo`: a short simulated shift on embedded defaults (aedes in process, local central
// store, one dock, three cameras over socat pty pairs, ffmpeg test pictures when ffmpeg is there).
// Live progress on stderr; the last stdout line is the JSON summary. Options: --keep DIR, --cameras N,
// --scenario FILE (a fleet scenario, see docs/fleet-sim.md).
import { parseArgs } from 'node:util';
import { ffmpegAvailable } from './camera.js';
import { createProgress } from './fleet/progress.js';
import { runScenario } from './fleet/runner.js';
import { demoScenario, loadScenario, parseScenario } from './fleet/scenario.js';

const { values } = parseArgs({ options: { keep: { type: 'string' }, cameras: { type: 'string' }, scenario: { type: 'string' } } });
let scenario = values.scenario ? loadScenario(values.scenario) : demoScenario(ffmpegAvailable());
if (values.cameras) scenario = parseScenario({ ...scenario, cameras: Number(values.cameras) });
if (process.env.LOG_LEVEL === undefined) process.env.LOG_LEVEL = 'warn';
process.stderr.write(`demo: ${scenario.name}: ${scenario.cameras} cameras, ${scenario.incidentsPerCamera} incidents each, ${scenario.source} pictures, ${scenario.speed}x time, broker ${scenario.broker}\n`);
const progress = createProgress();
const report = await runScenario(scenario, { keepDir: values.keep, progress }).finally(() => progress.stop());
const summary = {
  ok: report.ok,
  cameras: report.cameras.map((c) => ({ deviceId: c.deviceId, recorded: c.recorded, delivered: c.delivered, receipted: c.receipted, wiped: c.wiped, bytes: c.bytes })),
  totals: report.totals,
  mbPerSec: Number(report.timing.mbPerSec.toFixed(2)),
  shiftSeconds: Number(report.timing.shiftSeconds.toFixed(1)),
  offloadSeconds: Number(report.timing.offloadSeconds.toFixed(1)),
  invariants: report.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail ?? ''}`),
  ...(values.keep ? { keptIn: values.keep } : {}),
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exit(report.ok ? 0 : 1);
