// `npm run demo`: a short simulated shift on embedded defaults (local central store, one dock, three
// cameras). Real parts where installed (ffmpeg pictures, socat pty pairs, mosquitto), stand-ins where
// not (real-parts.ts); the first stderr line says which. Live progress on stderr; the last stdout line
// is the JSON summary. Options: --keep DIR, --cameras N, --scenario FILE (a fleet scenario, see
// docs/fleet-sim.md). After the shift the evidence office works on the central data through the
// store's HTTP API (hardware-sim/evidence-office.ts); --no-office skips it. A failure is one line, never
// a stack trace.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runEvidenceOffice, USERS, type OfficeReport } from './evidence-office.js';
import { createProgress } from './fleet/progress.js';
import { runScenario } from './fleet/runner.js';
import { demoScenario, loadScenario, parseScenario } from './fleet/scenario.js';
import { describeParts, findRealParts, fitToParts } from './real-parts.js';

const fail = (err: unknown) => {
  process.stderr.write(`\ndemo: failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

try {
  await main();
} catch (err) {
  fail(err);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { keep: { type: 'string' }, cameras: { type: 'string' }, scenario: { type: 'string' }, 'no-office': { type: 'boolean' } } });
  const parts = findRealParts();
  let scenario = fitToParts(values.scenario ? loadScenario(values.scenario) : demoScenario(parts), parts);
  if (values.cameras) scenario = parseScenario({ ...scenario, cameras: Number(values.cameras) });
  if (process.env.LOG_LEVEL === undefined) process.env.LOG_LEVEL = 'warn';
  process.stderr.write(`${describeParts(parts, scenario)}\n`);
  process.stderr.write(`demo: scenario '${scenario.name}': ${scenario.cameras} cameras, ${scenario.incidentsPerCamera} incidents each, ${scenario.source} pictures, ${scenario.speed}x time, broker ${scenario.broker}, serial ${scenario.line === 'pty' ? 'socat ptys' : 'socket relay'}\n`);
  const progress = createProgress();
  let stopped = false;
  const stopProgress = () => { if (!stopped) progress.stop(); stopped = true; };
  let office: OfficeReport | undefined;
  let officeSeconds = 0;
  const report = await runScenario(scenario, {
    keepDir: values.keep, progress,
    afterChecks: values['no-office'] ? undefined : async ({ root, centralDir, pki, report: r }) => {
      stopProgress();
      const t0 = Date.now();
      office = await runEvidenceOffice({
        centralDir, pki, deviceIds: r.cameras.map((c) => c.deviceId), realVideo: scenario.source === 'ffmpeg',
        say: (line) => void process.stderr.write(`${line}\n`), keepDir: values.keep ? root : undefined,
      });
      officeSeconds = (Date.now() - t0) / 1000;
    },
  }).finally(stopProgress);
  const summary = {
    ok: report.ok,
    cameras: report.cameras.map((c) => ({ deviceId: c.deviceId, recorded: c.recorded, delivered: c.delivered, receipted: c.receipted, wiped: c.wiped, bytes: c.bytes })),
    totals: report.totals,
    mbPerSec: Number(report.timing.mbPerSec.toFixed(2)),
    shiftSeconds: Number(report.timing.shiftSeconds.toFixed(1)),
    offloadSeconds: Number(report.timing.offloadSeconds.toFixed(1)),
    invariants: report.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail ?? ''}`),
    ...(office ? { office: {
      ok: office.ok, clipsFound: office.clipsFound, viewedBytes: office.viewedBytes, held: office.held, exported: office.exported,
      retention: office.retention, accessLog: office.accessLog, seconds: Number(officeSeconds.toFixed(1)), ...(office.failures.length ? { failures: office.failures } : {}),
    } } : {}),
    ...(values.keep ? { keptIn: values.keep } : {}),
  };
  if (values.keep && office?.held) {
    const dir = path.resolve(values.keep);
    process.stderr.write(`demo: kept in ${dir}; open the held clip with:\n  BODYCAM_PASSWORD="$(cat ${dir}/keys/${USERS.officer}.password)" npx bodycam store view ${office.held} --config ${dir}/central-store.json --user ${USERS.officer} -o clip.ts\n`);
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exit(report.ok && (office?.ok ?? true) ? 0 : 1);
}
