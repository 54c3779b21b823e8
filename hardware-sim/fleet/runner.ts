// Runs a scenario (hardware-sim/fleet/scenario.ts) on real parts: each camera is the firmware in its
// own process on the sim HAL (cameras.ts), the dock agent and the central ingest are processes too, so
// crashes are SIGKILLs (services.ts), the serial links are socat pty pairs (or Unix sockets relayed here:
// socket-line.ts) and the broker is aedes or mosquitto. The shift (shift.ts) and the offload
// (offload.ts) fire their faults at seeded points; afterwards checks.ts counts what survived.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bootCameras, planCameraFaults } from './cameras.js';
import { collectReport, type RunReport } from './checks.js';
import { Offload } from './offload.js';
import { createFleetPki, writeRunKeys, type FleetPki } from './pki.js';
import { prng } from './prng.js';
import type { Progress } from './progress.js';
import type { Scenario } from './scenario.js';
import { startServices } from './services.js';
import { runShift } from './shift.js';

export interface RunOptions {
  /** Keep the run's files here (default: a temp dir, removed afterwards). */
  keepDir?: string;
  progress?: Progress;
  /** Give up waiting for the offload after this long (default 240 s); what is left counts as on-camera. */
  timeoutMs?: number;
  /** Once a camera's flash is empty, wait at most this long for the dock to finish its bay (device log);
   *  then move on and count the log as not collected (default: wait until timeoutMs). */
  logGraceMs?: number;
  /** Called with the run's directories after every process has stopped and before the checks
   *  (tests plant damage here to show the checks catch it). */
  beforeChecks?: (dirs: { root: string; centralDir: string; cameraFlashDirs: string[] }) => Promise<void>;
  /** Called after the checks, before the run's files are removed (the demo's evidence office works on centralDir). */
  afterChecks?: (run: { root: string; centralDir: string; pki: FleetPki; report: RunReport }) => Promise<void>;
  /** Every dock agent event as it arrives (benches time pulls and receipts with it). */
  onDockEvent?: (e: Record<string, unknown>) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runScenario(sc: Scenario, o: RunOptions = {}): Promise<RunReport> {
  const root = o.keepDir ?? (await mkdtemp(path.join(os.tmpdir(), 'fleet-')));
  await mkdir(root, { recursive: true });
  // One seeded sequence for the whole run: cameras' faults, the shift, then the offload draw from it in turn.
  const rand = prng(sc.seed);
  const progress = o.progress;
  const started = Date.now();
  const cleanups: (() => Promise<unknown>)[] = [];
  const counts = { powerCuts: 0, dockCrashes: 0, brokerRestarts: 0, centralCrashes: 0, usbDetaches: 0, flashNearlyFull: 0, clockSkews: 0 };
  const events: string[] = [];

  const pki = createFleetPki();
  const keys = await writeRunKeys(root, pki);

  try {
    const offload = new Offload(sc, rand, { counts, events, progress });
    const services = await startServices(sc, root, keys, pki, (e) => { offload.dockEvent(e); o.onDockEvent?.(e); }, cleanups);

    const faults = planCameraFaults(sc, rand);
    counts.flashNearlyFull = faults.flashBytes.size;
    counts.clockSkews = faults.skewMs.size;
    const simEpochMs = Date.now();
    const cams = await bootCameras(sc, root, pki, faults, simEpochMs, progress);
    cleanups.push(() => Promise.all(cams.map((c) => c.proc.stop())));

    const shift = await runShift(sc, cams, rand, progress);
    counts.powerCuts = shift.cuts;
    const shiftEnd = Date.now();

    const logsNotCollected = await offload.run(cams, services, { timeoutMs: o.timeoutMs ?? 240_000, logGraceMs: o.logGraceMs });
    const offloadEnd = Date.now();
    // Let the central store take the last wipe certificates and device logs.
    await services.dock.request({ op: 'idle' }, 30_000).catch(() => undefined);
    await sleep(500);
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    const { centralDir } = services;
    await o.beforeChecks?.({ root, centralDir, cameraFlashDirs: cams.map((c) => path.join(c.dir, 'flash')) });
    const report = await collectReport({
      sc, root, pki, counts, powerCuts: shift.powerCuts, events, logsNotCollected,
      cameras: cams.map((c) => ({ deviceId: c.deviceId, flashDir: path.join(c.dir, 'flash') })),
      centralDir, dockDir: services.dockDir,
      expect: {
        // Clip bytes past which the camera must have hit its reserve (the index and log take room too).
        flashNearlyFull: new Map([...faults.flashBytes].map(([i, bytes]) => [cams[i]!.deviceId, bytes - faults.reserveBytes])),
        clockSkewMs: new Map([...faults.skewMs].map(([i, ms]) => [cams[i]!.deviceId, ms])), simEpochMs, speed: sc.speed,
      },
      timing: { startedMs: started, shiftEndMs: shiftEnd, offloadEndMs: offloadEnd },
    });
    await o.afterChecks?.({ root, centralDir, pki, report });
    return report;
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (!o.keepDir) await rm(root, { recursive: true, force: true });
  }
}
