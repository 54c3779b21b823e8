// A run's fixed parts, each its own process or server: the broker (aedes in this process, or
// mosquitto), the central store's ingest and the dock agent; crashing and restarting them is the
// offload's faults' business (offload.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startAedes } from '../aedes.js';
import { startMosquitto } from '../mosquitto.js';
import { startChild, scriptPath, type Child } from './child.js';
import type { FleetPki } from './pki.js';
import type { Scenario } from './scenario.js';

export interface Services {
  centralDir: string;
  dockDir: string;
  readonly dock: Child;
  /** SIGKILL of the dock agent (then `killed`) and a fresh one on the same journal (nothing docked in it yet). */
  crashDock(killed: () => void): Promise<void>;
  /** SIGKILL of the central ingest (then `killed`), a moment's pause, a fresh one on the same store. */
  crashCentral(killed: () => void): Promise<void>;
  restartBroker(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts broker, central and dock; their stops go on `cleanups` (run in reverse). */
export async function startServices(sc: Scenario, root: string, keys: string, pki: FleetPki, onDockEvent: (e: Record<string, unknown>) => void,
  cleanups: (() => Promise<unknown>)[]): Promise<Services> {
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

  const dockDir = path.join(root, 'dock');
  const dockConfig = {
    dockId: 'dock-1', mqttUrl: broker.url, centralPublicKeyPath: path.join(keys, 'receipt.pub.pem'),
    spoolDir: path.join(dockDir, 'spool'), journalPath: path.join(dockDir, 'journal.db'), epochsDir: path.join(keys, 'epochs'),
    chunkSize: 128 * 1024, statusTimeoutMs: 1000, backoff: { initialMs: 200, maxMs: 2000 }, bays: sc.bays,
    usb: { vendorId: 0x1d6b, productId: 0x0104 },
    auth: { certPath: path.join(keys, 'dock.cert.pem'), keyPath: path.join(keys, 'dock.key.pem'), caCertPath: path.join(keys, 'ca.pem') },
  };
  await mkdir(dockDir, { recursive: true });
  await writeFile(path.join(dockDir, 'config.json'), JSON.stringify(dockConfig, null, 2));
  const startDock = () => startChild('dock', scriptPath('./dock-process.ts', import.meta.url), [path.join(dockDir, 'config.json')], onDockEvent);
  let dock: Child = await startDock();
  cleanups.push(() => dock.stop());

  return {
    centralDir,
    dockDir,
    get dock() { return dock; },
    async crashDock(killed) {
      await dock.kill9();
      killed();
      dock = await startDock();
    },
    async crashCentral(killed) {
      await central.kill9();
      killed();
      await sleep(300);
      central = await startCentral();
    },
    restartBroker: () => broker.restart(),
  };
}
