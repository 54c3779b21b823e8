// 8 cameras docked at once vs one camera, in the same run, on the fleet runner's real parts: each
// camera is the firmware in its own process with clips recorded on its flash, a socat pty pair per bay,
// one dock agent process, real mosquitto and the central ingest process. MB/s = clip bytes at central
// / (last bay done - docking), i.e. pull, upload, receipt, wipe and device log included.
// ratio = aggregate MB/s with N cameras / MB/s with one camera (ideal: N while the dock has cores left).
// Flags: --cameras N (default 8), --mb-per-camera M (default 10), --rounds R (default 1), --speed X (camera clock, default 2).
import os from 'node:os';
import { runScenario } from '../../hardware-sim/fleet/runner.js';
import { parseScenario } from '../../hardware-sim/fleet/scenario.js';
import { cpuByRole, machineIdle } from './proc-cpu.js';

// `--name N` or `--name=N` (npm run bench passes only arguments that start with '-').
const arg = (name: string, d: number) => {
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return Number(eq.slice(name.length + 3));
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const cameras = arg('cameras', 8);
const mbPerCamera = arg('mb-per-camera', 10);
const rounds = arg('rounds', 1);
const speed = arg('speed', 2);
const bitrate = 4_000_000;
// One clip per camera of mbPerCamera MB (MB = 1e6 bytes, the unit of the runner's MB/s).
const seconds = Math.max(2, Math.round((mbPerCamera * 1e6 * 8) / bitrate));

async function offload(n: number, seed: number) {
  const sc = parseScenario({
    name: `multi-dock ${n}`, seed, cameras: n, bays: 8, prerecordSeconds: 0, incidentsPerCamera: 1,
    incidentSeconds: [seconds, seconds], gapSeconds: [0, 0], bitrate,
    // The cameras keep capturing while docked, and the simulator's synthetic source makes bitrate x speed
    // bytes a second: at 10x it took as much CPU as serving the pull (a real camera captures at 1x, in
    // hardware). --speed (default 2) trades that against the time it takes to record the clip.
    speed, broker: 'mosquitto',
  });
  // From the first docking to the last receipt at the dock: CPU seconds of every process by role, and the time.
  let cpu: ReturnType<typeof cpuByRole> | undefined;
  let cpuSec: Record<string, number> = {};
  let waitSec: Record<string, number> = {};
  let idle: ReturnType<typeof machineIdle> | undefined;
  let idleSec = 0;
  let docked = 0;
  let lastReceipt = 0;
  let receipts = 0;
  const phases: Record<string, { start?: number; pulled?: number; receipted?: number }> = {};
  const r = await runScenario(sc, {
    timeoutMs: 900_000,
    progress: { add() { /* no bars */ }, stop() { /* no bars */ }, tick(_d, what) { if (what === 'docked' && !cpu) { docked = performance.now(); cpu = cpuByRole(); idle = machineIdle(); } } },
    onDockEvent: (e) => {
      const t = performance.now();
      if (e.type === 'pull-started') (phases[String(e.clipId)] ??= {}).start = t;
      if (e.type === 'pulled') (phases[String(e.clipId)] ??= {}).pulled = t;
      if (e.type === 'receipted') (phases[String(e.clipId)] ??= {}).receipted = t;
      if (e.type === 'receipted' && ++receipts === n) { lastReceipt = t; cpuSec = cpu!.stop(); waitSec = cpu!.waitSec(); idleSec = idle!.stop(); }
    },
  });
  // Where the time went: docking → first pull, the pulls (span, slowest), the last receipt after its pull.
  const ph = Object.values(phases);
  const first = Math.min(...ph.map((p) => p.start ?? Infinity));
  const phasesSec = {
    dockedToFirstPull: r3((first - docked) / 1000),
    pullSpan: r3((Math.max(...ph.map((p) => p.pulled ?? 0)) - first) / 1000),
    slowestPull: r3(Math.max(...ph.map((p) => (p.pulled ?? 0) - (p.start ?? 0))) / 1000),
    receiptAfterPullMax: r3(Math.max(...ph.map((p) => (p.receipted ?? 0) - (p.pulled ?? 0))) / 1000),
  };
  if (!r.ok) throw new Error(`run with ${n} cameras broke an invariant: ${JSON.stringify(r.invariants.filter((i) => !i.ok))}`);
  if (r.totals.delivered !== n) throw new Error(`run with ${n} cameras delivered ${r.totals.delivered} of ${n} clips`);
  const mb = r.totals.bytes / 1e6;
  const receiptSec = (lastReceipt - docked) / 1000;
  const cpuTotal = Object.values(cpuSec).reduce((a, b) => a + b, 0);
  const waitTotal = Object.values(waitSec).reduce((a, b) => a + b, 0);
  return {
    mbps: r.timing.mbPerSec, mb, seconds: r.timing.offloadSeconds, receiptMbps: mb / receiptSec, cpuSec, waitSec, phasesSec, cpuPerMb: cpuTotal / mb,
    coresUsed: cpuTotal / receiptSec, coresWanted: (cpuTotal + waitTotal) / receiptSec, coresIdle: idleSec / receiptSec,
  };
}

const runs: { one: Awaited<ReturnType<typeof offload>>; many: Awaited<ReturnType<typeof offload>> }[] = [];
for (let i = 0; i < rounds; i++) {
  // Alternate the order so a warmer cache or a busier machine does not always favour one side.
  const a = i % 2 === 0 ? await offload(1, 100 + i) : undefined;
  const many = await offload(cameras, 200 + i);
  const one = a ?? (await offload(1, 100 + i));
  runs.push({ one, many });
}
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const r2 = (x: number) => Math.round(x * 100) / 100;
const cores = os.cpus().length;
const oneMBps = mean(runs.map((r) => r.one.mbps));
const manyMBps = mean(runs.map((r) => r.many.mbps));
const oneRcpt = mean(runs.map((r) => r.one.receiptMbps));
const manyRcpt = mean(runs.map((r) => r.many.receiptMbps));
// What the cores allow: every process's CPU seconds per MB in the 8-camera run, all cores busy.
const cpuPerMbMany = mean(runs.map((r) => r.many.cpuPerMb));
const cpuBoundMBps = cores / cpuPerMbMany;
process.stdout.write(`${JSON.stringify({
  bench: 'multi-dock', cameras, rounds, speed, mbPerCameraTarget: mbPerCamera, mbOneRun: r2(runs[0]!.one.mb), mbManyRun: r2(runs[0]!.many.mb),
  // Docking to the last bay done (pull, upload, receipt, wipe, device log), as the runner times it.
  oneCameraMBps: r2(oneMBps), aggregateMBps: r2(manyMBps), ratio: r2(manyMBps / oneMBps),
  // Docking to the last receipt at the dock (central fsync'd and receipted).
  oneReceiptMBps: r2(oneRcpt), aggregateReceiptMBps: r2(manyRcpt), aggregateOverOne: r2(manyRcpt / oneRcpt),
  cores, cpuSecPerMbOne: r2(mean(runs.map((r) => r.one.cpuPerMb)) * 1000) / 1000, cpuSecPerMbMany: r2(cpuPerMbMany * 1000) / 1000,
  cpuBoundMBps: r2(cpuBoundMBps), aggregateOverCpuBound: r2(manyRcpt / cpuBoundMBps),
  // How much of the cores the run's processes got (CPU seconds / wall seconds): below `cores`, the machine's
  // other work held the rest, and aggregateOverCpuBound is a floor.
  coresUsedMany: r2(mean(runs.map((r) => r.many.coresUsed))),
  // Cores they would have used had no other work held a CPU: CPU seconds plus the seconds they were runnable
  // but waited for a CPU (schedstat), over the wall time. At or above `cores`, the run was CPU-bound on this
  // machine and any shortfall of coresUsedMany is the machine's other work, not the offload waiting on itself.
  coresWantedMany: r2(mean(runs.map((r) => r.many.coresWanted))), coresWantedOne: r2(mean(runs.map((r) => r.one.coresWanted))),
  // The machine's idle cores over the same window: near 0, no core was left for the offload to use, whatever it waited on.
  machineIdleCoresMany: r2(mean(runs.map((r) => r.many.coresIdle))), machineIdleCoresOne: r2(mean(runs.map((r) => r.one.coresIdle))),
  runqueueWaitSecByRoleMany: runs[0]!.many.waitSec,
  cpuSecByRoleOne: runs[0]!.one.cpuSec, cpuSecByRoleMany: runs[0]!.many.cpuSec, phasesSecOne: runs[0]!.one.phasesSec, phasesSecMany: runs[0]!.many.phasesSec,
})}\n`);
process.exit(0);
