// The camera as a long-running process, shared by the board's entry (firmware/main.ts) and the
// simulator's (hardware-sim/camera-main.ts): boot, trial health checks, restart into a switched slot,
// signals, the dock tty, and the exit codes.
// Exit codes: 0 clean stop, 78 bad config (names the field), 70 trial health check failed, 1 anything else.
import type { Logger } from 'pino';
import type { Clock } from '../shared/clock.js';
import type { SerialLine, SerialOpener } from '../shared/hal.js';
import { bootCamera, type BootOptions, type Camera } from './boot.js';
import { startFailureCode } from '../shared/config.js';
import type { FirmwareConfig } from './config.js';
import { afterBoot } from './update/health.js';

const EX_HEALTH = 70;
const RESTART_GRACE_MS = Number(process.env.BODYCAM_RESTART_GRACE_MS ?? 3000);

/** On the board the gadget tty is always there: serve the dock protocol on it, reopening after errors. */
async function serveGadgetTty(camera: Camera, serial: SerialOpener, path: string, stopped: () => boolean, log: Logger): Promise<void> {
  while (!stopped()) {
    let line: SerialLine | undefined;
    try {
      line = await serial.open(path, 115200);
      const link = camera.attachDock(line);
      await new Promise<void>((resolve) => line!.once('close', () => resolve()));
      link.detach();
    } catch (err) {
      log.warn({ err: String(err), path }, 'dock tty unavailable; retrying');
    }
    await line?.closeLine().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export interface RunOptions {
  config: FirmwareConfig;
  log: Logger;
  /** Base clock and hardware (default: system clock, real drivers from config). */
  clock?: Clock;
  hardware?: BootOptions['hardware'];
  /** The tty the dock is on, served for as long as the camera runs (absent: none), and how to open it. */
  dock?: { tty: string; serial: SerialOpener };
  /** Runs once the camera is up, before it reports ready. */
  onReady?(camera: Camera): void;
}

/** Boot and run until a signal or a slot switch; never resolves (the process exits). */
export async function runCamera(o: RunOptions): Promise<never> {
  const { config, log } = o;
  if (config.gps.policy === 'enabled') log.warn({ justification: config.gps.justification }, 'GPS enabled by explicit policy');
  const camera = await bootCamera(config, { logger: log, clock: o.clock, hardware: o.hardware });
  // A/B trial boot (paths.slotsDir): health checks, then mark good or exit so the launcher counts it.
  if (!(await afterBoot(camera, log))) {
    await camera.stop('health check failed');
    process.exit(EX_HEALTH);
  }
  let stopping = false;
  const stop = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    try {
      await camera.stop(reason);
    } finally {
      process.exit(code);
    }
  };
  // A switched slot takes effect on restart: exit cleanly (the launcher, under systemd Restart=always,
  // starts the new slot on trial). The grace lets the dock read the install result first; a recording
  // or offload begun meanwhile holds the restart until it ends (update lock).
  camera.onFirmwareSwitched(() => {
    camera.deviceLog.append('fw-restart', { reason: 'slot switched', inMs: RESTART_GRACE_MS });
    let waitingFor: string | null = null;
    const restartWhenIdle = () => {
      const busy = camera.busy();
      if (!busy) return void stop('firmware switched', 0);
      if (busy !== waitingFor) camera.deviceLog.append('fw-restart', { reason: 'slot switched', waitingFor: busy });
      waitingFor = busy;
      setTimeout(restartWhenIdle, 250);
    };
    setTimeout(restartWhenIdle, RESTART_GRACE_MS);
  });
  process.once('SIGTERM', () => void stop('SIGTERM', 0));
  process.once('SIGINT', () => void stop('SIGINT', 0));
  o.onReady?.(camera);
  if (o.dock) void serveGadgetTty(camera, o.dock.serial, o.dock.tty, () => stopping, log);
  log.info({ deviceId: config.deviceId, hal: config.hal, epoch: camera.evidenceKey() }, 'camera ready');
  process.send?.({ event: 'ready', status: camera.status() });
  return new Promise<never>(() => undefined); // runs until a signal
}

/** Exit for an error before or during boot: 78 for a bad config, 1 otherwise. */
export function exitOnStartFailure(name: string, log: Logger, err: Error): never {
  const code = startFailureCode(err);
  log.fatal({ err: err.message }, `${name} failed to start`);
  process.stderr.write(`${name}: ${err.message}\n`);
  process.exit(code);
}
