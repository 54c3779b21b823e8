// Dock agent entry (tsup → dist/dock-agent.js): real USB hotplug, serial sessions over the cameras'
// CDC-ACM ttys, MQTT delivery to the central store. Usage: dock-agent [config.json]
// (default $DOCK_AGENT_CONFIG or /etc/bodycam/dock-agent.json).
import { createLogger } from '../shared/log.js';
import { assembleDock } from './assemble.js';
import { loadDockConfig } from './config.js';
import { redactedUrl } from '../shared/mqtt/connect.js';
import { UsbWatch } from './usb-watch.js';

const log = createLogger('dock-agent');
const EX_CONFIG = 78;
const configPath = process.argv[2] ?? process.env.DOCK_AGENT_CONFIG ?? '/etc/bodycam/dock-agent.json';

async function main(): Promise<void> {
  let config;
  try { config = loadDockConfig(configPath); } catch (err) {
    process.stderr.write(`dock-agent: ${(err as Error).message}\n`);
    process.exit(EX_CONFIG);
  }
  let dock;
  try { dock = assembleDock(config, { hotplug: new UsbWatch({ vendorId: config.usb.vendorId, productId: config.usb.productId }), log }); } catch (err) {
    // assembleDock names the config field whose file is missing or wrong.
    const msg = (err as Error).message;
    process.stderr.write(`dock-agent: ${msg}\n`);
    process.exit(msg.startsWith('config.') ? EX_CONFIG : 1);
  }
  await dock.agent.start();
  log.info({ dockId: config.dockId, broker: redactedUrl(config.mqttUrl) }, 'dock agent running');
  const shutdown = async () => {
    await dock.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((err) => {
  log.fatal({ err: String(err) }, 'dock agent failed to start');
  process.stderr.write(`dock-agent: ${(err as Error).message}\n`);
  process.exit(1);
});
