// Camera firmware entry (tsup → dist/firmware.js; systemd starts it through the launcher).
// Usage: firmware [config.json]   (default $BODYCAM_CONFIG or /etc/bodycam/firmware.json)
// Exit codes: 0 clean stop, 78 bad config (names the field), 70 trial health check failed, 1 anything else.
// The real board only: the simulator boots the same firmware from hardware-sim/camera-main.ts.
import { createLogger } from '../shared/log.js';
import { ConfigError, loadConfig } from '../shared/config.js';
import { serialportOpener } from '../shared/serial-port.js';
import { configSchema } from './config.js';
import { exitOnStartFailure, runCamera } from './run.js';

const log = createLogger('firmware');

async function main(): Promise<never> {
  const configPath = process.argv[2] ?? process.env.BODYCAM_CONFIG ?? '/etc/bodycam/firmware.json';
  const config = loadConfig(configSchema, configPath);
  if (config.hal !== 'real') throw new ConfigError(`config.hal: '${config.hal}' is the simulator's; this build drives the real board only`);
  if (!config.board) throw new ConfigError("config.board: required when hal is 'real' (GPIO pins and ttys)");
  return runCamera({ config, log, dock: { tty: config.board.dockTty, serial: serialportOpener } });
}

main().catch((err: Error) => exitOnStartFailure('firmware', log, err));
