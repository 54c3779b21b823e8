// Helper process for the MQTT benches (not a bench itself): runs the central ingest, or a sink that
// only counts payload bytes (the broker-only baseline), in its own process like a real deployment.
//   central <mqttUrl> <dir> <privateKeyPemFile> [workerId all|shared|leases]  → prints {"ready":true}; when stdin closes
//     prints {"cpuS":n} (its own CPU core-seconds since ready, all threads) and exits. Its index and blobs:
//     sqlite + directory under <dir>, or PostgreSQL + S3 when BENCH_CENTRAL_BACKEND is set (JSON: pgUrl, s3);
//     'leases' (PostgreSQL only): one of several nodes, each dock handled by its lease holder, as main.ts does
//   sink <mqttUrl> <filter> <expectBytes> [warmBytes] → prints {"ready":true}, {"warm":true} once warmBytes arrived
//     (a warm-up before the measured bytes; expectBytes counts both), then {"done":true,"bytes":n,"cpuS":n}
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { mqttTlsOptions, type MqttTls } from '../../shared/mqtt/connect.js';
import { FsBlobStore } from '../../central-store/blob/fs.js';
import type { BlobPort } from '../../central-store/blob/port.js';
import { S3BlobStore, type S3BlobOptions } from '../../central-store/blob/s3.js';
import { PgIndex } from '../../central-store/index/pg.js';
import { openCentralDb } from '../../central-store/db.js';
import { startIngest } from '../../central-store/ingest.js';
import { DockLeases } from '../../central-store/ingest-leases.js';
import { createLogger } from '../../shared/log.js';

const [mode, url, a, b, workerId = 'w0', shared] = process.argv.slice(2);
/** TLS identity files from the parent: {caPath, certPath, keyPath} (see benchTlsEnv in mqtt-bench-lib.ts). */
const tlsFrom = (env: string): MqttTls => {
  const f = JSON.parse(process.env[env] ?? '{}') as { caPath: string; certPath: string; keyPath: string };
  return { ca: readFileSync(f.caPath), cert: readFileSync(f.certPath), key: readFileSync(f.keyPath) };
};
const say = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const cpuS = (since: NodeJS.CpuUsage) => { const u = process.cpuUsage(since); return Math.round((u.user + u.system) / 1e4) / 100; };

if (mode === 'central') {
  const db = openCentralDb(path.join(a, 'central.db'));
  const backend = process.env.BENCH_CENTRAL_BACKEND ? JSON.parse(process.env.BENCH_CENTRAL_BACKEND) as { pgUrl: string; s3: Omit<S3BlobOptions, 'workDir' | 'defaultRetainDays'> } : undefined;
  const index = backend ? await PgIndex.open(backend.pgUrl) : undefined;
  if (backend) mkdirSync(path.join(a, 'work'), { recursive: true, mode: 0o700 });
  const blobs: BlobPort = backend ? await S3BlobStore.open({ ...backend.s3, workDir: path.join(a, 'work'), defaultRetainDays: 14 }) : await FsBlobStore.open(path.join(a, 'store'));
  const leases = shared === 'leases' && index ? new DockLeases(index).start() : undefined;
  const ingest = await startIngest({ mqtt: { url, tls: tlsFrom('BENCH_MQTT_CENTRAL_TLS') }, db, ...(index ? { index } : {}), blobs, receiptKey: createPrivateKey(readFileSync(b)), storeId: 'bench', workerId, subscription: shared === 'shared' ? { mode: 'shared' } : { mode: 'all' }, leases, log: createLogger('ingest', 'warn') });
  say({ ready: true });
  const cpu0 = process.cpuUsage();
  process.stdin.resume();
  process.stdin.on('end', async () => { say({ cpuS: cpuS(cpu0) }); await ingest.close(); await leases?.close(); await index?.close(); db.close(); process.exit(0); });
} else if (mode === 'sink') {
  const expect = Number(b);
  const warm = Number(process.argv[6] ?? 0);
  let got = 0;
  let warmed = warm <= 0;
  const client = mqtt.connect(url, { protocolVersion: 4, clean: true, clientId: `sink-${process.pid}`, ...mqttTlsOptions(tlsFrom('BENCH_MQTT_SINK_TLS')) });
  client.on('message', (_t, payload) => {
    got += payload.length;
    if (!warmed && got >= warm) { warmed = true; say({ warm: true }); }
    if (got >= expect) { say({ done: true, bytes: got, cpuS: cpuS(cpu0) }); client.end(true, () => process.exit(0)); }
  });
  let cpu0 = process.cpuUsage();
  client.on('connect', () => client.subscribe(a, { qos: 1 }, () => { cpu0 = process.cpuUsage(); say({ ready: true }); }));
} else {
  process.stderr.write('usage: mqtt-bench-child central|sink ...\n');
  process.exit(2);
}
