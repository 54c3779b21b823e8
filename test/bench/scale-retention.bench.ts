// Issue 17: a retention sweep of N expired clips (default 100 000, small blobs) through the real job
// (EvidenceStore.runRetention: deletion markers, blob destroy, signed receipts, row deletes) on
// PostgreSQL + Ceph RGW with Object Lock vs sqlite + blob directory (the baseline), same run, same set.
// Reports wall seconds, clips/s, ms per clip and each process's core-seconds (this process, PostgreSQL,
// Ceph), and what filling each store cost (one blob put and one indexed row per clip, not part of the
// sweep). Flags: --clips N (100000), --blob-bytes B (256), --put-inflight N (32).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FsBlobStore } from '../../central-store/blob/fs.js';
import { EvidenceStore } from '../../central-store/evidence.js';
import { clipCount, insertClip } from '../../central-store/index/tables/clips.js';
import { signReceipt } from '../../central-store/storage-receipts.js';
import { createLogger } from '../../shared/log.js';
import { arg, pool, r2 } from './mqtt-bench-lib.js';
import { cpuByRole } from './proc-cpu.js';
import { pgBackend, sqliteBackend, startServers, type StoreBackend } from './scale-backends.js';
import { execFileSync } from 'node:child_process';

const N = arg('clips', 100_000);
const blobBytes = arg('blob-bytes', 256);
const putInflight = arg('put-inflight', 32);
const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const signing = generateKeyPairSync('ed25519');
const receipt = JSON.stringify(signReceipt(signing.privateKey, { clipId: 'x', deviceId: 'cam-1', sha256: '0'.repeat(64), bytes: blobBytes, storeId: 's' }));
const load = () => execFileSync('uptime').toString().trim().replace(/^.*load average/, 'load average');
const say = (s: string) => process.stderr.write(`scale-retention: ${s} (${load()})\n`);

/** N blobs through the blob port and N rows through the clips owner, 1000 per unit. */
async function populate(be: StoreBackend) {
  const data = randomBytes(blobBytes);
  const keys = Array.from({ length: N }, (_, i) => `${(i % 256).toString(16).padStart(2, '0')}clip-${i}`);
  const procs = cpuByRole();
  let t0 = performance.now();
  let done = 0;
  await pool(keys, putInflight, async (key) => {
    // The directory is filled where FsBlobStore keeps its blobs (its put fsyncs each one: minutes of fill
    // on a loaded machine, and the fill is not what is measured); S3 objects go through the port's put,
    // which sets their Object Lock retain-until as ingest does.
    if (be.blobs instanceof FsBlobStore) {
      const file = be.blobs.pathOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, data);
    } else await be.blobs.put(key, Readable.from([data]));
    if (++done % 10_000 === 0) say(`${be.name}: ${done} blobs put`);
  });
  const putS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    await be.index.tx(async (u) => {
      for (let j = i; j < Math.min(N, i + 1000); j++) {
        await insertClip(u, {
          clip_id: keys[j]!, device_id: `cam-${j % 50}`, dock_id: 'dock-1', bytes: blobBytes, sha256: '0'.repeat(64), epoch_id: 'epoch-2026-03-02',
          clip_state: 'closed', started_at: new Date(T0 + (j % 86_400) * 1000).toISOString(), stopped_at: null,
          received_at: new Date(T0 + 86_400_000).toISOString(), blob_key: keys[j]!, receipt_json: receipt, worker_id: 'w0', purpose: 'crime-prevention',
        });
      }
    });
  }
  const rowS = (performance.now() - t0) / 1000;
  return { putS: r2(putS), putsPerS: Math.round(N / putS), rowS: r2(rowS), rowsPerS: Math.round(N / rowS), coreS: procs.stop() };
}

async function sweep(be: StoreBackend, root: string) {
  say(`${be.name}: populating ${N} clips`);
  const fill = await populate(be);
  say(`${be.name}: populated ${JSON.stringify(fill)}; sweeping`);
  const store = await EvidenceStore.open({ dir: root, db: be.db, index: be.index, blobs: be.blobs, masterKey: randomBytes(32),
    signingKey: signing.privateKey, storeId: 's', now: () => T0 + 20 * 86_400_000, log: createLogger('evidence', 'warn') });
  const loadBefore = load();
  const procs = cpuByRole();
  const t0 = performance.now();
  const r = await store.runRetention();
  const s = (performance.now() - t0) / 1000;
  const coreS = procs.stop();
  const left = await be.index.tx(clipCount);
  store.close();
  if (r.deleted.length !== N || left !== 0) throw new Error(`${be.name}: sweep deleted ${r.deleted.length} of ${N}, ${left} rows left`);
  const total = Object.values(coreS).reduce((a, b) => a + b, 0);
  return {
    sweepS: r2(s), clipsPerS: Math.round(N / s), msPerClip: r2((s * 1000) / N), coreS, coreMsPerClip: r2((total * 1000) / N),
    load: { before: loadBefore, after: load() }, fill,
  };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'scale-retention-'));
let stopServers: (() => Promise<void>) | undefined;
try {
  const results: Record<string, unknown> = {};
  const base = await sqliteBackend(path.join(dir, 'sqlite'));
  results['sqlite+dir'] = await sweep(base, path.join(dir, 'sqlite'));
  await base.close();
  say(`sqlite+dir: ${JSON.stringify(results['sqlite+dir'])}`);

  const servers = await startServers();
  if ('skipped' in servers) results['pg+rgw'] = { skipped: servers.skipped };
  else {
    stopServers = () => servers.stop();
    const be = await pgBackend(path.join(dir, 'pg'), servers);
    results['pg+rgw'] = await sweep(be, path.join(dir, 'pg'));
    await be.close();
  }
  const a = results['sqlite+dir'] as { sweepS: number; coreMsPerClip: number };
  const b = results['pg+rgw'] as { sweepS?: number; coreMsPerClip?: number };
  process.stdout.write(JSON.stringify({
    bench: 'scale-retention', clips: N, blobBytes, results,
    baseline: 'sqlite+dir (the same job on the embedded store, same clips, same run)',
    ratioSweepTime: b.sweepS ? r2(b.sweepS / a.sweepS) : null, ratioCoreMsPerClip: b.coreMsPerClip ? r2(b.coreMsPerClip / a.coreMsPerClip) : null,
    note: 'PostgreSQL durable (fsync on); Ceph OSD on memstore (RAM); receipts in the index on PostgreSQL, in receipts.db beside central.db on sqlite',
  }) + '\n');
} finally {
  await stopServers?.();
  await rm(dir, { recursive: true, force: true });
}
