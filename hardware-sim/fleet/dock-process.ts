// A dock for the fleet simulator: the real dock agent (config, journal, serial sessions, uploader)
// with the simulator's bays as its USB hotplug and its lines (ptys or socket lines) as serial ports. Usage (forked): dock-process.ts CONFIG.json
import { assembleDock } from '../../dock-agent/assemble.js';
import { loadDockConfig } from '../../dock-agent/config.js';
import { createLogger } from '../../shared/log.js';
import { simLineOpener } from '../socket-line.js';
import { SimUsbHotplug } from '../usb.js';
import { serveParent } from './child.js';

const log = createLogger('sim-dock');
const config = loadDockConfig(process.argv[2]!);
const hotplug = new SimUsbHotplug();
const parent = serveParent(async (cmd) => {
  if (cmd.op === 'dock') return void hotplug.dock(Number(cmd.bay), String(cmd.deviceId), String(cmd.tty));
  if (cmd.op === 'undock') return void hotplug.undock(Number(cmd.bay));
  if (cmd.op === 'idle') return dock.agent.idle();
  throw new Error(`unknown op ${String(cmd.op)}`);
});
const dock = assembleDock(config, { hotplug, serial: simLineOpener, log, onEvent: (e) => parent.event({ event: 'agent', ...e }) });
await dock.agent.start();
process.once('SIGTERM', () => void dock.stop().finally(() => process.exit(0)));
parent.event({ event: 'ready' });
