// One camera end to end, on the fleet runner's real parts: the firmware in its own process with a clip
// recorded on its flash → socat pty → dock agent process → mosquitto → central ingest process (blob
// fsync'd, indexed, receipt signed and back at the dock). Against the raw pty (64 KiB writes, no framing)
// measured in the same run on a fresh pty pair with the same bytes, before and after each offload.
// e2eRatio = raw pty seconds / (first READ of the clip → its receipt at the dock), median over --reps;
// dockedRatio counts from the docking (handshake, clock, epochs, clip list included).
// Flags: --mb N (default 32), --reps N (default 3), --speed X (camera clock, default 4).
import { runScenario } from '../../hardware-sim/fleet/runner.js';
import { parseScenario } from '../../hardware-sim/fleet/scenario.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { openSerialLine } from '../../shared/serial-port.js';
import { cpuByRole, machineIdle } from './proc-cpu.js';
import { rawPtySeconds } from './pty-baseline.js';

// `--name N` or `--name=N` (npm run bench passes only arguments that start with '-').
const arg = (name: string, d: number) => {
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return Number(eq.slice(name.length + 3));
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const mb = arg('mb', 32);
const reps = arg('reps', 3);
const speed = arg('speed', 4);
const bitrate = 8_000_000;

/** Seconds, and CPU seconds of the bench process (writer and reader) and socat while it ran. */
async function rawPty(bytes: number): Promise<{ sec: number; cpuSec: number }> {
  const pair = await startPtyPair();
  const [dock, cam] = await Promise.all([openSerialLine(pair.a), openSerialLine(pair.b)]);
  const cpu = cpuByRole();
  try {
    const sec = await rawPtySeconds(cam, dock, bytes);
    const c = cpu.stop();
    return { sec, cpuSec: (c.bench ?? 0) + (c.socat ?? 0) };
  } finally {
    await Promise.all([dock.closeLine(), cam.closeLine()]);
    await pair.stop();
  }
}

async function offload(seed: number) {
  const at: Record<string, number> = {};
  let bytes = 0;
  const sc = parseScenario({
    name: 'e2e one camera', seed, cameras: 1, bays: 8, prerecordSeconds: 0, incidentsPerCamera: 1,
    incidentSeconds: [(mb * 1e6 * 8) / bitrate, (mb * 1e6 * 8) / bitrate], gapSeconds: [0, 0], bitrate,
    // The cameras keep capturing while docked, and the simulator's synthetic source makes bitrate x speed
    // bytes a second: at 10x it took as much CPU as serving the pull (a real camera captures at 1x, in
    // hardware). --speed (default 4) trades that against the time it takes to record the clip.
    speed, broker: 'mosquitto',
  });
  let cpu: ReturnType<typeof cpuByRole> | undefined;
  let cpuSec: Record<string, number> = {};
  let waitSec: Record<string, number> = {};
  let idle: ReturnType<typeof machineIdle> | undefined;
  let idleSec = 0;
  const r = await runScenario(sc, {
    timeoutMs: 300_000,
    progress: {
      add() { /* no bars */ }, stop() { /* no bars */ },
      tick(_d, what) { if (what === 'docked') { at.docked ??= performance.now(); cpu ??= cpuByRole(); idle ??= machineIdle(); } },
    },
    onDockEvent: (e) => {
      if (e.type === 'pull-started') at.pullStarted ??= performance.now();
      if (e.type === 'pulled') at.pulled ??= performance.now();
      if (e.type === 'receipted') { at.receipted ??= performance.now(); if (cpu) { cpuSec = cpu.stop(); waitSec = cpu.waitSec(); idleSec = idle!.stop(); } }
    },
  });
  if (!r.ok) throw new Error(`offload broke an invariant: ${JSON.stringify(r.invariants.filter((i) => !i.ok))}`);
  if (r.totals.delivered !== 1) throw new Error(`delivered ${r.totals.delivered} clips, expected 1`);
  bytes = r.totals.bytes;
  return { bytes, transferSec: (at.receipted! - at.pullStarted!) / 1000, dockedSec: (at.receipted! - at.docked!) / 1000, pullSec: (at.pulled! - at.pullStarted!) / 1000, cpuSec, waitSec, idleSec };
}

const runs: { rawSec: number; rawCpuSec: number; bytes: number; transferSec: number; dockedSec: number; pullSec: number; cpuSec: Record<string, number>; waitSec: Record<string, number>; idleSec: number }[] = [];
for (let i = 0; i < reps; i++) {
  const o = await offload(300 + i);
  // The raw pty with the same byte count, just before and after this offload's measurement window.
  const [x, y] = [await rawPty(o.bytes), await rawPty(o.bytes)];
  runs.push({ rawSec: (x.sec + y.sec) / 2, rawCpuSec: (x.cpuSec + y.cpuSec) / 2, ...o });
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const r2 = (x: number) => Math.round(x * 1000) / 1000;
const mbps = (bytes: number, s: number) => r2(bytes / 1e6 / s);
process.stdout.write(`${JSON.stringify({
  bench: 'e2e-offload', reps, speed, clipMB: r2(runs[0]!.bytes / 1e6),
  rawPtyMBps: mbps(runs[0]!.bytes, median(runs.map((r) => r.rawSec))),
  e2eMBps: mbps(runs[0]!.bytes, median(runs.map((r) => r.transferSec))),
  pullMBps: mbps(runs[0]!.bytes, median(runs.map((r) => r.pullSec))),
  e2eRatio: r2(median(runs.map((r) => r.rawSec / r.transferSec))),
  e2eRatioEach: runs.map((r) => r2(r.rawSec / r.transferSec)),
  dockedRatio: r2(median(runs.map((r) => r.rawSec / r.dockedSec))),
  receiptAfterPullSec: runs.map((r) => r2(r.transferSec - r.pullSec)),
  cpuSecDockedToReceipt: runs.map((r) => r.cpuSec),
  // Cores the run's processes got, docking to receipt (CPU seconds / wall seconds; the machine has 2).
  coresUsedEach: runs.map((r) => r2(Object.values(r.cpuSec).reduce((a, b) => a + b, 0) / r.dockedSec)),
  // Plus the seconds they were runnable but waited for a CPU held by other work (schedstat), over the wall time.
  coresWantedEach: runs.map((r) => r2(Object.values(r.cpuSec).concat(Object.values(r.waitSec)).reduce((a, b) => a + b, 0) / r.dockedSec)),
  runqueueWaitSecEach: runs.map((r) => r.waitSec),
  // The machine's idle cores over the same window (near 0: no core was free for the offload to use).
  machineIdleCoresEach: runs.map((r) => r2(r.idleSec / r.dockedSec)),
  // CPU ms per MB: the raw pty (bench process + socat) against every process of the offload. On a busy
  // machine both get a share of the cores, and e2eRatio tends to rawCpuMsPerMb / e2eCpuMsPerMb (the
  // offload's processes only: the bench's own sampling is left out).
  rawCpuMsPerMb: runs.map((r) => r2(r.rawCpuSec / (r.bytes / 1e6) * 1000)),
  e2eCpuMsPerMb: runs.map((r) => r2(Object.entries(r.cpuSec).filter(([k]) => k !== 'bench' && k !== 'other').reduce((a, [, b]) => a + b, 0) / (r.bytes / 1e6) * 1000)),
})}\n`);
process.exit(0);
