// The two store backends the scale benches compare (issue 17), each on a fresh data directory: sqlite +
// blob directory (the embedded default, the baseline) and PostgreSQL + Ceph RGW with Object Lock. The
// bench starts its own PostgreSQL (durable: fsync and synchronous commit on, as in production) and Ceph
// (one memstore OSD: RAM, so the S3 side is faster than on disks) as its children, so their CPU is
// counted per process (proc-cpu.ts roles 'postgres', 'ceph'); absent binaries: that half is skipped.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { FsBlobStore } from '../../central-store/blob/fs.js';
import type { BlobPort } from '../../central-store/blob/port.js';
import { S3BlobStore } from '../../central-store/blob/s3.js';
import { openCentralDb, type Db } from '../../central-store/db.js';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import { PgIndex } from '../../central-store/index/pg.js';
import type { Index } from '../../central-store/index/port.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { cephMissing, startCeph, type TestCeph } from '../helpers/backends/ceph.js';
import { postgresMissing, startPostgres, type TestPostgres } from '../helpers/backends/postgres.js';

export interface StoreBackend {
  name: 'sqlite+dir' | 'pg+rgw';
  /** The store's sqlite connection (its receipts and not-yet-moved tables; the index itself on sqlite+dir). */
  db: Db;
  index: Index;
  blobs: BlobPort;
  close(): Promise<void>;
}

export async function sqliteBackend(root: string): Promise<StoreBackend> {
  mkdirSync(root, { recursive: true });
  const db = openCentralDb(path.join(root, 'central.db'));
  const blobs = await FsBlobStore.open(path.join(root, 'store'));
  const index = SqliteIndex.for(db);
  await index.migrate(MIGRATIONS);
  return { name: 'sqlite+dir', db, index, blobs, async close() { await index.close(); db.close(); } };
}

export interface Servers { pg: TestPostgres; ceph: TestCeph; stop(): Promise<void> }

/** PostgreSQL and Ceph started in parallel in a temp dir of their own, or why not (the bench then skips that half). */
export async function startServers(o: { memstoreBytes?: number } = {}): Promise<Servers | { skipped: string }> {
  const why = postgresMissing() ?? cephMissing();
  if (why) return { skipped: why };
  // Its own temp dir: startPostgres opens the parent to the postgres user (0711), not the bench's private one.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-servers-'));
  const [p, c] = await Promise.allSettled([startPostgres(path.join(dir, 'pg'), { durable: true }), startCeph(path.join(dir, 'ceph'), o)]);
  const stop = async () => {
    await Promise.allSettled([p, c].map((x) => x.status === 'fulfilled' ? x.value.stop() : undefined));
    rmSync(dir, { recursive: true, force: true });
  };
  // Interrupted (Ctrl-C, kill): the servers go with the bench, by their PIDs.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { void stop().finally(() => process.exit(130)); });
  if (p.status === 'rejected' || c.status === 'rejected') {
    await stop();
    return { skipped: `could not start: ${[p, c].filter((x) => x.status === 'rejected').map((x) => String((x as PromiseRejectedResult).reason)).join('; ')}` };
  }
  return { pg: p.value, ceph: c.value, stop };
}

let n = 0;
/** A fresh database on the PostgreSQL server and a fresh Object Lock bucket on the RGW. */
export async function pgBackend(root: string, s: Servers, o: { poolMax?: number } = {}): Promise<StoreBackend> {
  mkdirSync(path.join(root, 'work'), { recursive: true });
  const name = `bench_${process.pid}_${n++}`;
  const admin = new pg.Client({ connectionString: s.pg.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(s.pg.url);
  u.pathname = `/${name}`;
  const index = await PgIndex.open(u.toString(), { max: o.poolMax ?? 10 });
  await index.migrate(MIGRATIONS);
  const blobs = await S3BlobStore.open({ endpoint: s.ceph.endpoint, region: s.ceph.region, bucket: `bench-${process.pid}-${n}`, credentials: s.ceph.service,
    workDir: path.join(root, 'work'), defaultRetainDays: 14 });
  const db = openCentralDb(path.join(root, 'central.db'));
  return { name: 'pg+rgw', db, index, blobs, async close() { await index.close(); blobs.close(); db.close(); } };
}
