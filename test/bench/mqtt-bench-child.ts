// Helper process for the MQTT benches (not a bench itself): runs the central ingest, or a sink that
// only counts payload bytes (the broker-only baseline), in its own process like a real deployment.
//   central <mqttUrl> <dir> <privateKeyPemFile> [workerId shared]  → prints {"ready":true}; exits when stdin closes
//   sink <mqttUrl> <filter> <expectBytes>          → prints {"ready":true}, then {"done":true,"bytes":n}
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { LocalBlobStore } from '../../central-store/blob-store.js';
import { openCentralDb } from '../../central-store/db.js';
import { startIngest } from '../../central-store/ingest.js';
import { createLogger } from '../../shared/log.js';

const [mode, url, a, b, workerId = 'w0', shared] = process.argv.slice(2);
const say = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

if (mode === 'central') {
  const db = openCentralDb(path.join(a, 'central.db'));
  const blobs = await LocalBlobStore.open(path.join(a, 'store'));
  const ingest = await startIngest({ mqttUrl: url, db, blobs, receiptKey: createPrivateKey(readFileSync(b)), storeId: 'bench', workerId, subscription: shared === 'shared' ? { mode: 'shared' } : { mode: 'all' }, log: createLogger('ingest', 'warn') });
  say({ ready: true });
  process.stdin.resume();
  process.stdin.on('end', async () => { await ingest.close(); db.close(); process.exit(0); });
} else if (mode === 'sink') {
  const expect = Number(b);
  let got = 0;
  const client = mqtt.connect(url, { protocolVersion: 4, clean: true, clientId: `sink-${process.pid}` });
  client.on('message', (_t, payload) => {
    got += payload.length;
    if (got >= expect) { say({ done: true, bytes: got }); client.end(true, () => process.exit(0)); }
  });
  client.on('connect', () => client.subscribe(a, { qos: 1 }, () => say({ ready: true })));
} else {
  process.stderr.write('usage: mqtt-bench-child central|sink ...\n');
  process.exit(2);
}
