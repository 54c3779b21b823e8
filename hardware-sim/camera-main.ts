// The simulated camera's entry: the real firmware (firmware/run.ts, as firmware/main.ts runs it on the
// board) booted on the simulator's twins, with the sim-only config fields and the IPC control channel.
// Usage: camera-main config.json   — same exit codes as the firmware (78 names the bad field).
import { createLogger } from '../shared/log.js';
import { exitOnStartFailure, runCamera } from '../firmware/run.js';
import { simBoard, type SimBoard } from './board.js';
import { loadSimConfig, simClock } from './sim-config.js';
import { serveSimControl } from './sim-control.js';
import { simLineOpener } from './socket-line.js';

const log = createLogger('firmware');

async function main(): Promise<never> {
  const configPath = process.argv[2] ?? process.env.BODYCAM_CONFIG;
  if (!configPath) throw new Error('usage: camera-main config.json');
  const { firmware: config, sim } = loadSimConfig(configPath);
  let board: SimBoard | undefined;
  return runCamera({
    config, log, clock: simClock(sim),
    hardware: (clock) => (board = simBoard(config, sim, clock)),
    dock: sim.simDockTty ? { tty: sim.simDockTty, serial: simLineOpener } : undefined,
    onReady: (camera) => serveSimControl(camera, board!, log),
  });
}

main().catch((err: Error) => exitOnStartFailure('firmware', log, err));
