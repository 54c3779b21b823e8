// Dock agent entry (tsup → dist/dock-agent.js): real USB hotplug, serial sessions over the cameras'
// CDC-ACM ttys, MQTT delivery to the central store. Usage: dock-agent [config.json]
// (default $DOCK_AGENT_CONFIG or /etc/bodycam/dock-agent.json).
import { startFailureCode } from '../shared/config.js';
import { createLogger } from '../shared/log.js';
import { assembleDock } from './assemble.js';
import { loadDockConfig } from './config.js';
import { redactedUrl } from '../shared/mqtt/connect.js';
import { serialportOpener } from '../shared/serial-port.js';
import { UsbWatch } from './usb-watch.js';

const log = createLogger('dock-agent');
const configPath = process.argv[2] ?? process.env.DOCK_AGENT_CONFIG ?? '/etc/bodycam/dock-agent.json';

async function main(): Promise<void> {
  let config;
  let dock;
  try {
    config = loadDockConfig(configPath);
    // assembleDock names the config field whose file is missing or wrong (ConfigError).
    dock = assembleDock(config, { hotplug: new UsbWatch({ vendorId: config.usb.vendorId, productId: config.usb.productId }), serial: serialportOpener, log });
  } catch (err) {
    process.stderr.write(`dock-agent: ${(err as Error).message}\n`);
    process.exit(startFailureCode(err));
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
