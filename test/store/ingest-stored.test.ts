// The ingest's per-chunk "already stored?" check (central-store/ingest-stored.ts) on a real sqlite
// index with a hand-moved clock: the chunks of one clip ask the index once per ttl, not once each;
// a clip indexed by another worker is seen once the ttl ran out; this worker's own store at once; a
// failed ask is asked again; the memory stays bounded.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import type { Index, Unit } from '../../central-store/index/port.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { insertClip } from '../../central-store/index/tables/clips.js';
import { StoredClips } from '../../central-store/ingest-stored.js';

async function fixture(t: import('ava').ExecutionContext) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ingest-stored-'));
  const real = SqliteIndex.open(path.join(dir, 'central.db'));
  await real.migrate(MIGRATIONS);
  t.teardown(async () => { await real.close(); await rm(dir, { recursive: true, force: true }); });
  let units = 0;
  let fail = false;
  const ix: Index = {
    dialect: real.dialect, migrate: (l) => real.migrate(l), close: async () => undefined,
    tx: <T>(fn: (u: Unit) => Promise<T>) => { units++; return fail ? Promise.reject(new Error('index down')) : real.tx(fn); },
  };
  const clock = { now: 1_000_000 };
  const index = (clipId: string) => real.tx((u) => insertClip(u, {
    clip_id: clipId, device_id: 'cam-1', dock_id: 'dock-1', bytes: 1, sha256: '0'.repeat(64), epoch_id: 'e', clip_state: 'closed',
    started_at: '2026-01-01T00:00:00.000Z', stopped_at: null, received_at: '2026-01-01T00:00:01.000Z', blob_key: clipId, receipt_json: '{}', worker_id: 'w',
  }));
  return { ix, clock, index, units: () => units, failing: (on: boolean) => { fail = on; } };
}

test('the chunks of one clip ask the index once per ttl; a clip another worker indexed is seen after the ttl, one this worker stored at once', async (t) => {
  const f = await fixture(t);
  const s = new StoredClips(f.ix, 5000, 100, () => f.clock.now);
  const first = await Promise.all(Array.from({ length: 16 }, () => s.has('clip-a')));
  t.deepEqual(first, Array(16).fill(false));
  t.is(f.units(), 1, 'simultaneous chunks share one unit');
  await f.index('clip-a'); // another worker stores it
  f.clock.now += 4999;
  t.false(await s.has('clip-a'), 'within the ttl the earlier answer stands');
  t.is(f.units(), 1);
  f.clock.now += 1;
  t.true(await s.has('clip-a'), 'after the ttl the index is asked again');
  t.is(f.units(), 2);
  t.false(await s.has('clip-b'));
  s.stored('clip-b');
  t.true(await s.has('clip-b'), 'this worker stored it: known at once');
  t.is(f.units(), 3);
});

test('a failed ask is not remembered; the memory keeps at most `max` clips', async (t) => {
  const f = await fixture(t);
  const s = new StoredClips(f.ix, 5000, 3, () => f.clock.now);
  f.failing(true);
  await t.throwsAsync(s.has('clip-a'), { message: 'index down' });
  f.failing(false);
  t.false(await s.has('clip-a'));
  t.is(f.units(), 2, 'asked again after the failure');
  for (const c of ['clip-b', 'clip-c', 'clip-d']) await s.has(c);
  t.is(f.units(), 5);
  await s.has('clip-a');
  t.is(f.units(), 6, 'the oldest clip was forgotten');
  await s.has('clip-d');
  t.is(f.units(), 6);
});
