// `npm run chaos -- --runs N --seed S`: a fault campaign. Each run is a seeded shift with power cuts,
// a dock crash, a broker restart, a central crash, a USB detach, a camera with a nearly full flash, a
// camera with a skewed clock and a noisy serial line; the summary
// counts what survived and the campaign fails (exit 1) if any invariant broke in any run.
// `--large` is the campaign recorded in docs/reliability.md: 50 runs of 4 cameras with 4 power cuts,
// a dock crash and a central crash each (>= 200 power cuts, >= 100 dock/central kills) at BER 1e-4.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runScenario } from './fleet/runner.js';
import { parseScenario, type Scenario } from './fleet/scenario.js';
import type { RunReport } from './fleet/checks.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' }, seed: { type: 'string', default: '1' }, cameras: { type: 'string' },
    cuts: { type: 'string' }, ber: { type: 'string' }, speed: { type: 'string' }, large: { type: 'boolean' }, broker: { type: 'string' }, keep: { type: 'string' },
    'summary-file': { type: 'string' },
  },
});
const large = values.large === true;
const runs = Number(large && values.runs === '3' ? 50 : values.runs);
const seed = Number(values.seed);

export function chaosScenario(runSeed: number, o: { cameras?: number; cuts?: number; ber?: number; broker?: string; speed?: number } = {}): Scenario {
  const cameras = o.cameras ?? 3;
  return parseScenario({
    name: `chaos seed ${runSeed}`, seed: runSeed, cameras, prerecordSeconds: 10, incidentsPerCamera: 2,
    incidentSeconds: [8, 30], gapSeconds: [2, 10], bitrate: 1_000_000, speed: o.speed ?? 20, broker: o.broker ?? 'aedes',
    serial: { bitErrorRate: o.ber ?? 1e-5, dropRate: 0.01 },
    faults: [
      { kind: 'camera-power-cut', count: o.cuts ?? 2 }, { kind: 'dock-crash', count: 1 }, { kind: 'broker-restart', count: 1 },
      { kind: 'central-crash', count: 1 }, { kind: 'usb-detach', count: 1 },
      { kind: 'flash-nearly-full', count: 1, freeSeconds: 30 }, { kind: 'clock-skew', count: 1 },
    ],
  });
}

const opts = {
  cameras: values.cameras ? Number(values.cameras) : large ? 4 : undefined,
  cuts: values.cuts ? Number(values.cuts) : large ? 4 : undefined,
  ber: values.ber ? Number(values.ber) : large ? 1e-4 : undefined, broker: values.broker,
  // The power-cut bound (1 s + 1 GOP of video) is 75 ms of real time at 20x: a busy 2-core machine
  // starves the camera's write queue for longer than that, so the long campaign runs the shift at 5x.
  speed: values.speed ? Number(values.speed) : large ? 5 : undefined,
};
const reports: RunReport[] = [];
const started = Date.now();
const sum = (f: (r: RunReport) => number) => reports.reduce((n, r) => n + f(r), 0);
const lossMax = () => reports.map((r) => r.secondsLostPerPowerCut.max).filter((x): x is number => x !== null);
const summarize = () => ({
  command: `npm run chaos -- --runs ${runs} --seed ${seed}${large ? ' --large' : ''}`,
  runs, seed, failedRuns: reports.filter((r) => !r.ok).map((r) => r.seed),
  powerCuts: sum((r) => r.faults.powerCuts),
  kills: sum((r) => r.faults.powerCuts + r.faults.dockCrashes + r.faults.centralCrashes),
  componentKills: sum((r) => r.faults.dockCrashes + r.faults.centralCrashes),
  cameras: opts.cameras ?? 3, bitErrorRate: opts.ber ?? 1e-5, speed: opts.speed ?? 20,
  dockCrashes: sum((r) => r.faults.dockCrashes), centralCrashes: sum((r) => r.faults.centralCrashes),
  brokerRestarts: sum((r) => r.faults.brokerRestarts), usbDetaches: sum((r) => r.faults.usbDetaches),
  flashNearlyFull: sum((r) => r.faults.flashNearlyFull), clockSkews: sum((r) => r.faults.clockSkews),
  clipsRecorded: sum((r) => r.totals.recorded), clipsDeliveredHashExact: sum((r) => r.totals.delivered),
  clipsStillOnCamera: sum((r) => r.totals.onCamera), clipsLost: sum((r) => r.totals.lost),
  clipsWipedWithoutReceipt: sum((r) => r.totals.wipedWithoutReceipt), duplicateClipsAtCentral: sum((r) => r.totals.duplicates),
  unreadableClips: sum((r) => r.totals.unreadable), truncatedClipsDelivered: sum((r) => r.totals.truncatedAtCentral),
  secondsLostPerPowerCutMax: lossMax().length ? Number(Math.max(...lossMax()).toFixed(2)) : null,
  plaintextFindingsOnFlash: sum((r) => r.totals.plaintextFindings),
  minutes: Number(((Date.now() - started) / 60000).toFixed(1)),
  runsCompleted: reports.length,
});
for (let i = 0; i < runs; i++) {
  const sc = chaosScenario(seed + i, opts);
  const r = await runScenario(sc, { keepDir: values.keep ? `${values.keep}/run-${seed + i}` : undefined });
  reports.push(r);
  process.stderr.write(`run ${i + 1}/${runs} seed ${sc.seed}: ${r.ok ? 'ok' : 'FAILED'} recorded ${r.totals.recorded} delivered ${r.totals.delivered} lost ${r.totals.lost} cuts ${r.faults.powerCuts}\n`);
  // The running totals after every run, so a campaign stopped early still has a summary to report.
  if (values['summary-file']) writeFileSync(values['summary-file'], `${JSON.stringify(summarize())}\n`);
  if (!r.ok) process.stderr.write(`${JSON.stringify(r.invariants.filter((x) => !x.ok))}\n${(r.events ?? []).join('\n')}\n`);
}
const summary = summarize();
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exit(summary.failedRuns.length === 0 ? 0 : 1);
