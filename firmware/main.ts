// Camera firmware entry (tsup → dist/firmware.js; systemd starts it through the launcher).
// Usage: firmware [config.json]   (default $BODYCAM_CONFIG or /etc/bodycam/firmware.json)
// Exit codes: 0 clean stop, 78 bad config (names the field), 70 trial health check failed, 1 anything else.
import { createLogger } from '../shared/log.js';
import { openSerialLine } from '../shared/serial-port.js';
import type { SerialLine } from '../shared/hal.js';
import { bootCamera, type Camera } from './boot.js';
import { ConfigError, loadConfig } from './config.js';
import { serveSimControl } from './sim-control.js';
import { afterBoot } from './update/health.js';

const log = createLogger('firmware');
const EX_CONFIG = 78;
const EX_HEALTH = 70;
const RESTART_GRACE_MS = Number(process.env.BODYCAM_RESTART_GRACE_MS ?? 3000);

/** On the board the gadget tty is always there: serve the dock protocol on it, reopening after errors. */
async function serveGadgetTty(camera: Camera, path: string, stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    let line: SerialLine | undefined;
    try {
      line = await openSerialLine(path);
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

async function main(): Promise<number> {
  const configPath = process.argv[2] ?? process.env.BODYCAM_CONFIG ?? '/etc/bodycam/firmware.json';
  const config = loadConfig(configPath);
  if (config.gps.policy === 'enabled') log.warn({ justification: config.gps.justification }, 'GPS enabled by explicit policy');
  const camera = await bootCamera(config, { logger: log });
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
  if (config.hal === 'sim') serveSimControl(camera, log);
  const dockTty = config.hal === 'sim' ? config.simDockTty : config.board!.dockTty;
  if (dockTty) void serveGadgetTty(camera, dockTty, () => stopping);
  log.info({ deviceId: config.deviceId, hal: config.hal, epoch: camera.evidenceKey() }, 'camera ready');
  process.send?.({ event: 'ready', status: camera.status() });
  return new Promise<number>(() => undefined); // runs until a signal
}

main().catch((err: Error) => {
  const code = err instanceof ConfigError ? EX_CONFIG : 1;
  log.fatal({ err: err.message }, 'firmware failed to start');
  process.stderr.write(`firmware: ${err.message}\n`);
  process.exit(code);
});
