// Retention sweep over N indexed clips (default 100 000, small blobs), all expired: the real job
// (pending markers, blob overwrite + fsync + unlink + dir fsync, signed receipts, secure_delete row
// deletes in batches) vs a baseline in the same run on an identical set: bare unlink of each blob
// and each row deleted by the clips owner in one unit (no marker, receipt or overwrite).
// Flags: --clips N (100000), --blob-bytes B (256).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsBlobStore } from '../../central-store/blob/fs.js';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { clipCount, deleteClipRow, insertClip } from '../../central-store/index/tables/clips.js';
import { openCentralDb, type Db } from '../../central-store/db.js';
import { EvidenceStore } from '../../central-store/evidence.js';
import { signReceipt } from '../../central-store/storage-receipts.js';
import { createLogger } from '../../shared/log.js';
import { arg, r2 } from './mqtt-bench-lib.js';

const N = arg('clips', 100_000);
const blobBytes = arg('blob-bytes', 256);
const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const signing = generateKeyPairSync('ed25519');
const receipt = JSON.stringify(signReceipt(signing.privateKey, { clipId: 'x', deviceId: 'cam-1', sha256: '0'.repeat(64), bytes: blobBytes, storeId: 's' }));

/** N blobs on disk and N rows indexed as ingest does (not timed). */
async function populate(root: string): Promise<{ db: Db; blobs: FsBlobStore; keys: string[] }> {
  mkdirSync(root, { recursive: true });
  const db = openCentralDb(path.join(root, 'central.db'));
  const blobs = await FsBlobStore.open(path.join(root, 'store'));
  const ix = SqliteIndex.for(db);
  await ix.migrate(MIGRATIONS);
  const data = randomBytes(blobBytes);
  const keys: string[] = [];
  await ix.tx(async (u) => {
    for (let i = 0; i < N; i++) {
      const key = `${(i % 256).toString(16).padStart(2, '0')}clip-${i}`;
      keys.push(key);
      const file = blobs.pathOf(key);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, data);
      await insertClip(u, {
        clip_id: key, device_id: `cam-${i % 50}`, dock_id: 'dock-1', bytes: blobBytes, sha256: '0'.repeat(64), epoch_id: 'epoch-2026-03-02',
        clip_state: 'closed', started_at: new Date(T0 + (i % 86_400) * 1000).toISOString(), stopped_at: null,
        received_at: new Date(T0 + 86_400_000).toISOString(), blob_key: key, receipt_json: receipt, worker_id: 'w0', purpose: 'crime-prevention',
      });
    }
  });
  return { db, blobs, keys };
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => { while (i < items.length) await fn(items[i++]!); }));
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'retention-bench-'));
try {
  process.stderr.write(`retention bench: populating 2 × ${N} clips\n`);
  const base = await populate(path.join(dir, 'baseline'));
  let t0 = performance.now();
  await pool(base.keys, 8, (k) => unlink(base.blobs.pathOf(k)));
  await SqliteIndex.for(base.db).tx(async (u) => { for (const k of base.keys) await deleteClipRow(u, k); });
  const baselineS = (performance.now() - t0) / 1000;
  base.db.close();

  const real = await populate(path.join(dir, 'real'));
  const store = await EvidenceStore.open({ dir: path.join(dir, 'real'), db: real.db, blobs: real.blobs, masterKey: randomBytes(32),
    signingKey: signing.privateKey, storeId: 's', now: () => T0 + 20 * 86_400_000, log: createLogger('evidence', 'warn') });
  t0 = performance.now();
  const r = await store.runRetention();
  const sweepS = (performance.now() - t0) / 1000;
  const left = await SqliteIndex.for(real.db).tx(clipCount);
  store.close();
  real.db.close();
  if (r.deleted.length !== N || left !== 0) throw new Error(`sweep deleted ${r.deleted.length} of ${N}, ${left} rows left`);

  process.stdout.write(JSON.stringify({
    bench: 'retention', clips: N, blobBytes, sweepS: r2(sweepS), clipsPerS: Math.round(N / sweepS), baselineS: r2(baselineS),
    baseline: 'bare unlink of each blob (8 in flight) + each row deleted by the clips owner in one unit', ratioVsBaseline: r2(sweepS / baselineS),
    perClip: 'overwrite+fsync+unlink+dir fsync, signed receipt, secure_delete row delete',
  }) + '\n');
} finally {
  await rm(dir, { recursive: true, force: true });
}
