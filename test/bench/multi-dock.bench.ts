// 8 cameras docked at once vs one camera, in the same run, on the fleet runner's real parts: each
// camera is the firmware in its own process with clips recorded on its flash, a socat pty pair per bay,
// one dock agent process, real mosquitto and the central ingest process. MB/s = clip bytes at central
// / (last bay done - docking), i.e. pull, upload, receipt, wipe and device log included.
// ratio = aggregate MB/s with N cameras / MB/s with one camera (ideal: N while the dock has cores left).
// Flags: --cameras N (default 8), --mb-per-camera M (default 10), --rounds R (default 1).
import { runScenario } from '../../hardware-sim/fleet/runner.js';
import { parseScenario } from '../../hardware-sim/fleet/scenario.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const cameras = arg('cameras', 8);
const mbPerCamera = arg('mb-per-camera', 10);
const rounds = arg('rounds', 1);
const bitrate = 4_000_000;
// One clip per camera of mbPerCamera MB (MB = 1e6 bytes, the unit of the runner's MB/s).
const seconds = Math.max(2, Math.round((mbPerCamera * 1e6 * 8) / bitrate));

async function offload(n: number, seed: number) {
  const sc = parseScenario({
    name: `multi-dock ${n}`, seed, cameras: n, bays: 8, prerecordSeconds: 0, incidentsPerCamera: 1,
    incidentSeconds: [seconds, seconds], gapSeconds: [0, 0], bitrate, speed: 40, broker: 'mosquitto',
  });
  const r = await runScenario(sc, { timeoutMs: 900_000 });
  if (!r.ok) throw new Error(`run with ${n} cameras broke an invariant: ${JSON.stringify(r.invariants.filter((i) => !i.ok))}`);
  if (r.totals.delivered !== n) throw new Error(`run with ${n} cameras delivered ${r.totals.delivered} of ${n} clips`);
  return { mbps: r.timing.mbPerSec, mb: r.totals.bytes / 1e6, seconds: r.timing.offloadSeconds };
}

const one: number[] = [];
const many: number[] = [];
let sizes = { one: 0, many: 0 };
for (let i = 0; i < rounds; i++) {
  // Alternate the order so a warmer cache or a busier machine does not always favour one side.
  const a = i % 2 === 0 ? await offload(1, 100 + i) : undefined;
  const b = await offload(cameras, 200 + i);
  const c = a ?? (await offload(1, 100 + i));
  one.push(c.mbps);
  many.push(b.mbps);
  sizes = { one: c.mb, many: b.mb };
}
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const r2 = (x: number) => Math.round(x * 100) / 100;
process.stdout.write(`${JSON.stringify({
  bench: 'multi-dock', cameras, rounds, mbPerCameraTarget: mbPerCamera, mbOneRun: r2(sizes.one), mbManyRun: r2(sizes.many),
  oneCameraMBps: r2(mean(one)), aggregateMBps: r2(mean(many)), ratio: r2(mean(many) / mean(one)),
  perCameraShare: r2(mean(many) / mean(one) / cameras),
})}\n`);
process.exit(0);
