// A run's cameras: which of them get a nearly full flash or a skewed clock (seeded), and booting each
// as the firmware in its own process on the sim HAL, provisioned like a real one.
import path from 'node:path';
import { startCameraProcess, type CameraProcess } from '../camera-process.js';
import type { LinePair } from '../socket-line.js';
import { provisionCamera, type FleetPki } from './pki.js';
import type { Progress } from './progress.js';
import type { Scenario } from './scenario.js';

export interface Cam {
  deviceId: string;
  dir: string;
  config: Record<string, unknown>;
  proc: CameraProcess;
  bay: number;
  pty?: LinePair;
}

export interface CameraFaults {
  /** Flash kept free for the device log and index. */
  reserveBytes: number;
  /** Camera index → flash size, for the cameras whose flash is nearly full. */
  flashBytes: Map<number, number>;
  /** Camera index → board clock offset. */
  skewMs: Map<number, number>;
}

export function faultCount(sc: Scenario, kind: Scenario['faults'][number]['kind']): number {
  return sc.faults.filter((f) => f.kind === kind).reduce((n, f) => n + f.count, 0);
}

/** Cameras with a nearly full flash or a skewed clock (no random draws when the scenario has none). */
export function planCameraFaults(sc: Scenario, rand: () => number): CameraFaults {
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
  return { reserveBytes, flashBytes, skewMs };
}

/** Every camera booted and on duty, a bay each (in turn when there are more cameras than bays). */
export function bootCameras(sc: Scenario, root: string, pki: FleetPki, faults: CameraFaults, simEpochMs: number, progress?: Progress): Promise<Cam[]> {
  return Promise.all(Array.from({ length: sc.cameras }, async (_, i) => {
    const deviceId = `cam-${String(i + 1).padStart(2, '0')}`;
    const dir = path.join(root, 'cameras', deviceId);
    provisionCamera(pki, path.join(dir, 'trust'), deviceId, { epochs: 2 });
    const fps = 10;
    const config = {
      deviceId, purpose: 'guarding', hal: 'sim', prerecordSeconds: sc.prerecordSeconds, longPressMs: 1500, flashReserveBytes: faults.reserveBytes,
      ...(faults.flashBytes.has(i) ? { simFlashBytes: faults.flashBytes.get(i) } : {}), ...(faults.skewMs.has(i) ? { simClockSkewMs: faults.skewMs.get(i) } : {}),
      paths: { flashDir: path.join(dir, 'flash'), trustDir: path.join(dir, 'trust') },
      simSpeed: sc.speed, ...(sc.speed !== 1 ? { simEpochMs } : {}),
      camera: { synthetic: sc.source === 'synthetic', fps, gop: fps / 2, bitrateKbps: Math.round(sc.bitrate / 1000) },
    };
    const proc = await startCameraProcess(dir, config);
    progress?.add(deviceId, sc.incidentsPerCamera);
    return { deviceId, dir, config, proc, bay: i % sc.bays };
  }));
}
