// Runs a scenario (hardware-sim/fleet/scenario.ts) on real parts: each camera is the firmware in its
// own process on the sim HAL, the dock agent and the central ingest are processes too (so crashes are
// SIGKILLs), the serial links are socat pty pairs (or Unix sockets relayed here: socket-line.ts) and the
// broker is aedes or mosquitto. Faults fire at seeded points; afterwards checks.ts counts what survived.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startAedes } from '../aedes.js';
import { startCameraProcess, type CameraProcess } from '../camera-process.js';
import { startMosquitto } from '../mosquitto.js';
import { startPtyPair } from '../serial.js';
import { startSocketLinePair, type LinePair } from '../socket-line.js';
import { startChild, scriptPath, type Child } from './child.js';
import { collectReport, type RunReport, type PowerCut } from './checks.js';
import { createFleetPki, type FleetPki } from './pki.js';
import { pick, prng } from './prng.js';
import type { Scenario } from './scenario.js';
import { provisionCamera } from './pki.js';
import type { Progress } from './progress.js';

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
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pem = (k: { export(o: object): string | Buffer }, type: 'spki' | 'pkcs8') => k.export({ type, format: 'pem' }) as string;

interface Cam {
  deviceId: string;
  dir: string;
  config: Record<string, unknown>;
  proc: CameraProcess;
  bay: number;
  pty?: LinePair;
}

export async function runScenario(sc: Scenario, o: RunOptions = {}): Promise<RunReport> {
  const root = o.keepDir ?? (await mkdtemp(path.join(os.tmpdir(), 'fleet-')));
  await mkdir(root, { recursive: true });
  const rand = prng(sc.seed);
  const between = ([a, b]: readonly [number, number]) => a + (b - a) * rand();
  const realMs = (simSeconds: number) => (simSeconds * 1000) / sc.speed;
  const progress = o.progress;
  const started = Date.now();
  const cleanups: (() => Promise<unknown>)[] = [];
  const counts = { powerCuts: 0, dockCrashes: 0, brokerRestarts: 0, centralCrashes: 0, usbDetaches: 0, flashNearlyFull: 0, clockSkews: 0 };
  const powerCuts: PowerCut[] = [];
  const events: string[] = [];

  // Keys and trust, as provisioning would lay them out.
  const pki = createFleetPki();
  const keys = path.join(root, 'keys');
  await mkdir(path.join(keys, 'epochs'), { recursive: true });
  await writeFile(path.join(keys, 'receipt.key.pem'), pem(pki.receiptKey.privateKey, 'pkcs8'), { mode: 0o600 });
  await writeFile(path.join(keys, 'receipt.pub.pem'), pem(pki.receiptKey.publicKey, 'spki'));
  await writeFile(path.join(keys, 'dock.key.pem'), pki.dock.keyPem, { mode: 0o600 });
  await writeFile(path.join(keys, 'dock.cert.pem'), pki.dock.certPem);
  await writeFile(path.join(keys, 'ca.pem'), pki.ca.certPem);
  for (const e of pki.epochs) await writeFile(path.join(keys, 'epochs', `${e.epochId}.json`), JSON.stringify(e.doc));

  try {
    // The broker trusts the fleet's CA: the dock's identity is its MQTT client certificate.
    const broker = sc.broker === 'mosquitto' ? await startMosquitto({ ca: pki.ca, docks: ['dock-1'], centrals: ['central-sim'] }) : await startAedes(0, { ca: pki.ca });
    const centralTls = broker.files('central-sim', 'central');
    cleanups.push(() => broker.stop());
    const centralDir = path.join(root, 'central');
    await mkdir(centralDir, { recursive: true });
    const startCentral = () => startChild('central', scriptPath('./central-process.ts', import.meta.url),
      [centralDir, broker.url, path.join(keys, 'receipt.key.pem'), centralTls.caPath, centralTls.certPath, centralTls.keyPath], () => undefined);
    let central: Child = await startCentral();
    cleanups.push(() => central.stop());

    const dockConfig = {
      dockId: 'dock-1', mqttUrl: broker.url, centralPublicKeyPath: path.join(keys, 'receipt.pub.pem'),
      spoolDir: path.join(root, 'dock', 'spool'), journalPath: path.join(root, 'dock', 'journal.db'), epochsDir: path.join(keys, 'epochs'),
      chunkSize: 128 * 1024, statusTimeoutMs: 1000, backoff: { initialMs: 200, maxMs: 2000 }, bays: sc.bays,
      usb: { vendorId: 0x1d6b, productId: 0x0104 },
      auth: { certPath: path.join(keys, 'dock.cert.pem'), keyPath: path.join(keys, 'dock.key.pem'), caCertPath: path.join(keys, 'ca.pem') },
    };
    await mkdir(path.join(root, 'dock'), { recursive: true });
    await writeFile(path.join(root, 'dock', 'config.json'), JSON.stringify(dockConfig, null, 2));
    let pulled = 0;
    const bayDone = new Set<string>();
    const onDockEvent = (e: Record<string, unknown>) => {
      if (e.type === 'bay-done') bayDone.add(String(e.ttyPath));
      events.push(`${String(e.type)} ${String(e.deviceId ?? e.ttyPath ?? '')}`);
      if (process.env.FLEET_DEBUG) process.stderr.write(`dock event ${JSON.stringify(e)}\n`);
      if (e.type === 'pulled') { pulled++; void fireOffloadFaults(); }
      if (e.type === 'wiped') progress?.tick(String(e.deviceId), 'wiped');
    };
    const startDock = () => startChild('dock', scriptPath('./dock-process.ts', import.meta.url), [path.join(root, 'dock', 'config.json')], onDockEvent);
    let dock: Child = await startDock();
    cleanups.push(() => dock.stop());

    // Cameras with a nearly full flash or a skewed clock (no random draws when the scenario has none).
    const affected = (kind: 'flash-nearly-full' | 'clock-skew') => {
      const picked = new Set<number>();
      while (picked.size < Math.min(faultCount(sc, kind), sc.cameras)) picked.add(Math.floor(rand() * sc.cameras));
      return [...picked];
    };
    const faultOf = (kind: string) => sc.faults.find((f) => f.kind === kind);
    const reserveBytes = 256 * 1024;
    const flashBytes = new Map(affected('flash-nearly-full').map((i) => [i,
      512 * 1024 + reserveBytes + Math.round(((faultOf('flash-nearly-full')?.freeSeconds ?? 20) * sc.bitrate) / 8)]));
    const skewMs = new Map(affected('clock-skew').map((i) => {
      const given = faultOf('clock-skew')?.skewSeconds;
      return [i, Math.round((given ?? (rand() < 0.5 ? -1 : 1) * (300 + rand() * 10_500)) * 1000)];
    }));
    counts.flashNearlyFull = flashBytes.size;
    counts.clockSkews = skewMs.size;

    // Cameras boot and go on duty.
    const simEpochMs = Date.now();
    const cams: Cam[] = await Promise.all(Array.from({ length: sc.cameras }, async (_, i) => {
      const deviceId = `cam-${String(i + 1).padStart(2, '0')}`;
      const dir = path.join(root, 'cameras', deviceId);
      provisionCamera(pki, path.join(dir, 'trust'), deviceId, { epochs: 2 });
      const fps = 10;
      const config = {
        deviceId, purpose: 'guarding', hal: 'sim', prerecordSeconds: sc.prerecordSeconds, longPressMs: 1500, flashReserveBytes: reserveBytes,
        ...(flashBytes.has(i) ? { simFlashBytes: flashBytes.get(i) } : {}), ...(skewMs.has(i) ? { simClockSkewMs: skewMs.get(i) } : {}),
        paths: { flashDir: path.join(dir, 'flash'), trustDir: path.join(dir, 'trust') },
        simSpeed: sc.speed, ...(sc.speed !== 1 ? { simEpochMs } : {}),
        camera: { synthetic: sc.source === 'synthetic', fps, gop: fps / 2, bitrateKbps: Math.round(sc.bitrate / 1000) },
      };
      const proc = await startCameraProcess(dir, config);
      progress?.add(deviceId, sc.incidentsPerCamera);
      return { deviceId, dir, config, proc, bay: i % sc.bays };
    }));
    cleanups.push(() => Promise.all(cams.map((c) => c.proc.stop())));

    // Power cuts: which (camera, incident) pairs lose power mid-incident.
    const cutPlan = new Set<string>();
    const cutTarget = Math.min(faultCount(sc, 'camera-power-cut'), sc.cameras * sc.incidentsPerCamera);
    while (cutPlan.size < cutTarget) cutPlan.add(`${Math.floor(rand() * sc.cameras)}:${Math.floor(rand() * sc.incidentsPerCamera)}`);

    // The shift: every camera lives through its incidents in parallel.
    const plans = cams.map((_, i) => ({
      warmup: sc.prerecordSeconds + between(sc.gapSeconds),
      incidents: Array.from({ length: sc.incidentsPerCamera }, () => ({ seconds: between(sc.incidentSeconds), gap: between(sc.gapSeconds), cutAt: rand() })),
      i,
    }));
    await Promise.all(plans.map(async (plan) => {
      const cam = cams[plan.i]!;
      await sleep(realMs(plan.warmup));
      for (const [k, inc] of plan.incidents.entries()) {
        await cam.proc.send({ op: 'press' });
        progress?.tick(cam.deviceId, 'recording');
        if (cutPlan.has(`${plan.i}:${k}`)) {
          await sleep(realMs(inc.seconds * (0.2 + 0.7 * inc.cutAt)));
          const asked = Date.now();
          const st = await cam.proc.send({ op: 'status' });
          const answered = Date.now();
          const killing = cam.proc.kill9();
          // Camera time at the SIGKILL: the end of the newest segment it had captured when it answered
          // (taken as mid round trip) plus the time since, scaled. Not its clock: on a loaded machine the
          // simulated capture lags the clock, and video never captured is not lost to the cut. Not after the
          // exit is reaped either: under load that wait, x speed, would read as loss.
          const capturedMs = Number(st.lastSegmentEndMs) > 0 ? Number(st.lastSegmentEndMs) : (st.now as number);
          const cutAtMs = capturedMs + ((answered - asked) / 2 + (Date.now() - answered)) * sc.speed;
          await killing;
          const ids = st.clipIds as string[];
          // A camera that had stopped itself (flash full) loses no video to the cut: nothing to measure.
          if (st.recorder === 'recording') {
            powerCuts.push({ deviceId: cam.deviceId, clipId: ids[ids.length - 1]!, cutAtMs, uncertaintyMs: ((answered - asked) / 2) * sc.speed, flashDir: path.join(cam.dir, 'flash') });
          }
          counts.powerCuts++;
          cam.proc = await startCameraProcess(cam.dir, cam.config);
        } else {
          await sleep(realMs(inc.seconds));
          await cam.proc.send({ op: 'long-press' });
        }
        progress?.tick(cam.deviceId, 'recorded');
        await sleep(realMs(inc.gap));
      }
    }));
    const shiftEnd = Date.now();

    // Offload faults fire at seeded numbers of pulled clips, one at a time. Counted from the clips really
    // on the cameras (a power cut can cost an incident; a fault planned past the last pull would never fire).
    const onFlash = await Promise.all(cams.map((c) => c.proc.send({ op: 'status' }).then((st) => Number(st.clipsOnFlash) || 0, () => 0)));
    const expected = Math.max(1, Math.min(sc.cameras * sc.incidentsPerCamera, onFlash.reduce((a, b) => a + b, 0)));
    const offloadFaults = (['dock-crash', 'broker-restart', 'central-crash', 'usb-detach'] as const).flatMap((kind) =>
      Array.from({ length: faultCount(sc, kind) }, () => ({ kind, at: 1 + Math.floor(rand() * expected), done: false })));
    let faultChain: Promise<void> = Promise.resolve();
    const docked = new Set<Cam>();
    const dockCam = async (cam: Cam) => {
      cam.pty = sc.line === 'socket' ? await startSocketLinePair() : await startPtyPair();
      bayDone.delete(cam.pty.a);
      const faults = sc.serial.bitErrorRate > 0 || sc.serial.dropRate > 0 ? { ber: sc.serial.bitErrorRate, dropRate: sc.serial.dropRate, seed: Math.floor(rand() * 2 ** 31) } : undefined;
      await cam.proc.send({ op: 'dock', tty: cam.pty.b, faults });
      await dock.request({ op: 'dock', bay: cam.bay, deviceId: cam.deviceId, tty: cam.pty.a });
      docked.add(cam);
    };
    const undockCam = async (cam: Cam) => {
      docked.delete(cam);
      await dock.request({ op: 'undock', bay: cam.bay }).catch(() => undefined);
      await cam.proc.send({ op: 'undock' }).catch(() => undefined);
      await cam.pty?.stop();
      cam.pty = undefined;
    };
    async function fireOffloadFaults(): Promise<void> {
      for (const f of offloadFaults) {
        if (f.done || pulled < f.at) continue;
        f.done = true;
        faultChain = faultChain.then(async () => {
          if (f.kind === 'dock-crash') {
            await dock.kill9();
            counts.dockCrashes++;
            dock = await startDock();
            // The new dock process enumerates the bays that are occupied, as USB does at start.
            for (const cam of docked) await dock.request({ op: 'dock', bay: cam.bay, deviceId: cam.deviceId, tty: cam.pty!.a });
          } else if (f.kind === 'broker-restart') {
            await broker.restart();
            counts.brokerRestarts++;
          } else if (f.kind === 'central-crash') {
            await central.kill9();
            counts.centralCrashes++;
            await sleep(300);
            central = await startCentral();
          } else {
            const cam = pick(rand, [...docked]);
            if (!cam) return;
            await undockCam(cam);
            counts.usbDetaches++;
            await sleep(500);
            await dockCam(cam);
          }
        }).catch((err: Error) => void events.push(`fault ${f.kind} failed: ${err.message}`));
      }
      await faultChain;
    }

    // End of shift: into the dock, a bay each (in waves when there are more cameras than bays).
    let logsNotCollected = 0;
    const deadline = Date.now() + (o.timeoutMs ?? 240_000);
    for (let w = 0; w < cams.length; w += sc.bays) {
      const wave = cams.slice(w, w + sc.bays);
      for (const cam of wave) { await dockCam(cam); progress?.tick(cam.deviceId, 'docked'); }
      // Every camera of the wave is watched at once, so one camera's grace does not wait on another's.
      await Promise.all(wave.map(async (cam) => {
        let emptySince: number | undefined;
        while (Date.now() < deadline) {
          const st = await cam.proc.send({ op: 'status' }).catch(() => ({ clipsOnFlash: -1 }));
          // Done when the flash is empty and the dock has finished the bay (wipe answers, device log).
          if (st.clipsOnFlash === 0 && cam.pty && bayDone.has(cam.pty.a)) break;
          emptySince = st.clipsOnFlash === 0 ? (emptySince ?? Date.now()) : undefined;
          if (emptySince !== undefined && o.logGraceMs !== undefined && Date.now() - emptySince > o.logGraceMs) break;
          await sleep(300);
        }
        if (!cam.pty || !bayDone.has(cam.pty.a)) logsNotCollected++;
      }));
      await faultChain;
      for (const cam of wave) await undockCam(cam);
    }
    const offloadEnd = Date.now();
    // Let the central store take the last wipe certificates and device logs.
    await dock.request({ op: 'idle' }, 30_000).catch(() => undefined);
    await sleep(500);
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    await o.beforeChecks?.({ root, centralDir, cameraFlashDirs: cams.map((c) => path.join(c.dir, 'flash')) });
    const report = await collectReport({
      sc, root, pki, counts, powerCuts, events, logsNotCollected,
      cameras: cams.map((c) => ({ deviceId: c.deviceId, flashDir: path.join(c.dir, 'flash') })),
      centralDir, dockDir: path.join(root, 'dock'),
      expect: {
        // Clip bytes past which the camera must have hit its reserve (the index and log take room too).
        flashNearlyFull: new Map([...flashBytes].map(([i, bytes]) => [cams[i]!.deviceId, bytes - reserveBytes])),
        clockSkewMs: new Map([...skewMs].map(([i, ms]) => [cams[i]!.deviceId, ms])), simEpochMs, speed: sc.speed,
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

function faultCount(sc: Scenario, kind: Scenario['faults'][number]['kind']): number {
  return sc.faults.filter((f) => f.kind === kind).reduce((n, f) => n + f.count, 0);
}
