// Issue 17: 50 simulated docks delivering at once through one real mosquitto to one central ingest
// worker (its own process), stored on PostgreSQL + Ceph RGW vs sqlite + blob directory (the baseline),
// same clips, same run: aggregate MB/s and core-seconds per 200 MB of each process (the central worker,
// PostgreSQL, Ceph, mosquitto, the docks' uploaders in this process). Each phase ends when every dock
// holds its signed receipt (the clip is indexed and its blob stored).
// Flags: --docks N (50), --per-dock-mb N (4), --chunk-kib K (256), --inflight N (4).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Uploader } from '../../dock-agent/uploader.js';
import { createLogger } from '../../shared/log.js';
import { dockAuthFor } from '../helpers/pki.js';
import { MB, arg, child, r2, startBenchMosquitto, writeClip } from './mqtt-bench-lib.js';
import { cpuByRole } from './proc-cpu.js';
import { startServers, type Servers } from './scale-backends.js';

const docks = arg('docks', 50);
const perDock = arg('per-dock-mb', 4) * MB;
const chunkSize = arg('chunk-kib', 256) * 1024;
const inflight = arg('inflight', 4);
const load = () => execFileSync('uptime').toString().trim().replace(/^.*load average/, 'load average');
const say = (s: string) => process.stderr.write(`scale-ingest: ${s} (${load()})\n`);

const dir = await mkdtemp(path.join(os.tmpdir(), 'scale-ingest-'));
const mosq = await startBenchMosquitto(Array.from({ length: docks }, (_, d) => `dock-${d}`));
let servers: Servers | { skipped: string } | undefined;
try {
  const clips: Awaited<ReturnType<typeof writeClip>>[] = [];
  for (let d = 0; d < docks; d++) clips.push(await writeClip(dir, randomUUID(), perDock));
  const total = docks * perDock;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = path.join(dir, 'central.key.pem');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const log = createLogger('up', 'warn');

  /** One phase: a fresh central worker on `backend` (undefined: sqlite + directory), every dock uploads its clip once. */
  async function phase(name: string, backend?: object) {
    const store = path.join(dir, name);
    await mkdir(store);
    if (backend) process.env.BENCH_CENTRAL_BACKEND = JSON.stringify(backend); else delete process.env.BENCH_CENTRAL_BACKEND;
    const central = await child(['central', mosq.url, store, keyFile, 'w0', 'all']);
    const ups = clips.map((_, d) => new Uploader({ ...dockAuthFor(`dock-${d}`), mqtt: mosq.endpoint(`dock-${d}`), dockId: `dock-${d}`, centralPublicKey: publicKey, chunkSize, inflight, log }));
    await Promise.all(ups.map((u) => u.ready()));
    const loadBefore = load();
    const procs = cpuByRole();
    const t0 = performance.now();
    await Promise.all(clips.map((c, d) => ups[d]!.upload(c.clip, c.file)));
    const s = (performance.now() - t0) / 1000;
    const coreS = procs.stop();
    await Promise.all(ups.map((u) => u.close()));
    central.proc.stdin!.end();
    await new Promise((r) => central.proc.once('exit', r));
    const per200 = Object.fromEntries(Object.entries(coreS).filter(([, v]) => v > 0).map(([k, v]) => [k, r2((v * 200 * MB) / total)]));
    const r = {
      seconds: r2(s), MBps: r2(total / MB / s), coreSecPer200MB: per200,
      // What the store side costs (central worker + its database and object store), the docks and the broker aside.
      storeCoreSecPer200MB: r2(['central', 'postgres', 'ceph'].reduce((a, k) => a + (per200[k] ?? 0), 0)),
      wholePhaseCoreSecPer200MB: r2(Object.values(per200).reduce((a, b) => a + b, 0)),
      load: { before: loadBefore, after: load() },
    };
    say(`${name}: ${JSON.stringify(r)}`);
    return r;
  }

  const results: Record<string, unknown> = {};
  results['sqlite+dir'] = await phase('sqlite');
  servers = await startServers();
  if ('skipped' in servers) results['pg+rgw'] = { skipped: servers.skipped };
  else {
    const admin = new pg.Client({ connectionString: servers.pg.url });
    await admin.connect();
    await admin.query('CREATE DATABASE bench_ingest');
    await admin.end();
    const u = new URL(servers.pg.url);
    u.pathname = '/bench_ingest';
    results['pg+rgw'] = await phase('pg', { pgUrl: u.toString(), s3: { endpoint: servers.ceph.endpoint, region: servers.ceph.region, bucket: 'bench-ingest', credentials: servers.ceph.service } });
  }
  const a = results['sqlite+dir'] as { MBps: number; storeCoreSecPer200MB: number };
  const b = results['pg+rgw'] as { MBps?: number; storeCoreSecPer200MB?: number };
  process.stdout.write(JSON.stringify({
    bench: 'scale-ingest', docks, totalMB: r2(total / MB), chunkKiB: chunkSize / 1024, inflightPerDock: inflight, results,
    baseline: 'sqlite+dir (the same 50 docks, clips and broker, same run)',
    ratioMBps: b.MBps ? r2(b.MBps / a.MBps) : null, ratioStoreCoreSec: b.storeCoreSecPer200MB ? r2(b.storeCoreSecPer200MB / a.storeCoreSecPer200MB) : null,
    note: 'one central worker; PostgreSQL durable (fsync on); Ceph OSD on memstore (RAM); 2 cores shared with the docks, broker and other work',
  }) + '\n');
} finally {
  if (servers && !('skipped' in servers)) await servers.stop();
  await mosq.stop();
  await rm(dir, { recursive: true, force: true });
}
