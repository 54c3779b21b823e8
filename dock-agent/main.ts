// Dock agent entry (tsup → dist/dock-agent.js): real USB hotplug, serial sessions over the cameras'
// CDC-ACM ttys, MQTT delivery to the central store. Usage: dock-agent [config.json]
// (default $DOCK_AGENT_CONFIG or /etc/bodycam/dock-agent.json).
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLogger } from '../shared/log.js';
import { DockAgent } from './agent.js';
import { loadDockConfig, loadEpochsDir } from './config.js';
import { Journal } from './journal.js';
import { openSerialLine } from './serial/opener.js';
import { openCameraSession } from './serial/session.js';
import type { CameraSession } from './types.js';
import { Uploader } from './uploader.js';
import { UsbWatch } from './usb-watch.js';

const log = createLogger('dock-agent');
const configPath = process.argv[2] ?? process.env.DOCK_AGENT_CONFIG ?? '/etc/bodycam/dock-agent.json';

async function main(): Promise<void> {
  const config = loadDockConfig(configPath);
  const read = (field: string, file: string) => {
    try { return readFileSync(file, 'utf8'); } catch (err) { throw new Error(`config.${field}: cannot read ${file} (${(err as Error).message})`); }
  };
  const centralPublicKey = createPublicKey(read('centralPublicKeyPath', config.centralPublicKeyPath));
  const identity = { keyPem: read('auth.keyPath', config.auth.keyPath), certPem: read('auth.certPath', config.auth.certPath) };
  const caCertPem = read('auth.caCertPath', config.auth.caCertPath);

  const journal = Journal.open(config.journalPath);
  const uploader = new Uploader({ mqttUrl: config.mqttUrl, dockId: config.dockId, centralPublicKey, chunkSize: config.chunkSize,
    inflight: config.inflight, statusTimeoutMs: config.statusTimeoutMs, maxBackoffMs: config.backoff.maxMs, log });
  const agent = new DockAgent({
    spoolDir: config.spoolDir, journal, uploader, centralPublicKey, backoff: config.backoff, parallelUploads: config.parallelUploads, bays: config.bays, log,
    hotplug: new UsbWatch({ vendorId: config.usb.vendorId, productId: config.usb.productId }),
    loadEpochs: () => loadEpochsDir(config.epochsDir),
    async openSession(dev): Promise<CameraSession> {
      const line = await openSerialLine(dev.ttyPath, config.serial.baudRate);
      try {
        const session = await openCameraSession({
          line, identity, caCertPem,
          onEvent: (type, data) => log.warn({ type, tty: dev.ttyPath, ...data }, 'camera not trusted'),
        });
        const close = session.close.bind(session);
        return Object.assign(session, { close: async () => { await close(); await line.closeLine(); } });
      } catch (err) {
        await line.closeLine();
        throw err;
      }
    },
    onEvent: (e) => log.info(e, e.type),
  });
  await agent.start();
  log.info({ dockId: config.dockId, mqttUrl: config.mqttUrl }, 'dock agent running');
  const shutdown = async () => {
    await agent.stop();
    await uploader.close();
    journal.close();
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
