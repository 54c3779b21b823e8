// The central store's ingest for the fleet simulator, as its own process so it can crash for real.
// Usage (forked): central-process.ts DATA_DIR MQTT_URL RECEIPT_KEY.pem CA.pem CERT.pem KEY.pem
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FsBlobStore } from '../../central-store/blob/fs.js';
import { openCentralDb } from '../../central-store/db.js';
import { startIngest } from '../../central-store/ingest.js';
import { createLogger } from '../../shared/log.js';
import { serveParent } from './child.js';

const [dataDir, mqttUrl, keyPath, caPath, certPath, mqttKeyPath] = process.argv.slice(2) as [string, string, string, string, string, string];
const log = createLogger('sim-central');
const db = openCentralDb(path.join(dataDir, 'central.db'));
const blobs = await FsBlobStore.open(path.join(dataDir, 'blobs'));
const parent = serveParent(async (cmd) => { throw new Error(`unknown op ${String(cmd.op)}`); });
const ingest = await startIngest({
  mqtt: { url: mqttUrl, tls: { ca: readFileSync(caPath), cert: readFileSync(certPath), key: readFileSync(mqttKeyPath) } }, db, blobs, receiptKey: createPrivateKey(readFileSync(keyPath)), storeId: 'central-sim', workerId: `w-${process.pid}`, log,
  onStored: (row) => parent.event({ event: 'stored', clipId: row.clip_id, deviceId: row.device_id, bytes: row.bytes }),
});
process.once('SIGTERM', () => void ingest.close().finally(() => { db.close(); process.exit(0); }));
parent.event({ event: 'ready' });
