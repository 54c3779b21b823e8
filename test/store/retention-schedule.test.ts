// The retention job on its schedule (runs at start), and a held clip whose epoch key is gone still
// opens and exports after a restart (hold key re-wrap, hold key file under the master key).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DeletionReceipt } from '../../central-store/evidence.js';
import { DAY, T0, addClip, code, epochAt, makeStore, readAll } from './store-helpers.js';

test('the scheduled job runs at start and deletes what is due', async (t) => {
  const f = await makeStore(t);
  const e = await epochAt(f, T0);
  const c = await addClip(f, { epoch: e, startedAt: T0 });
  f.clock.now = T0 + 14 * DAY;
  const first = await new Promise<{ deleted: DeletionReceipt[] } | Error>((resolve) => f.store.startRetentionSchedule(3_600_000, resolve));
  t.false(first instanceof Error);
  t.deepEqual((first as { deleted: DeletionReceipt[] }).deleted.map((d) => d.clipId), [c.clipId]);
  t.false(existsSync(f.blobs.pathOf(c.clipId)));
});

test('after a restart, a held clip of a destroyed epoch opens and exports; an unheld one is key-destroyed', async (t) => {
  const f = await makeStore(t, { retention: { defaultDays: 14, perPurpose: { 'work-environment': 3 } } });
  const e = await epochAt(f, T0);
  const held = await addClip(f, { epoch: e, startedAt: T0 + 1000 });
  await f.store.placeHold(held.clipId, { reason: 'court case', caseNumber: 'RET-1', by: 'u' });
  f.clock.now = T0 + 16 * DAY;
  t.deepEqual((await f.store.runRetention()).epochKeysDestroyed, [e.epochId]);
  f.store.close();
  const s = await f.open();
  t.true((await readAll(await s.openPlaintext(held.clipId))).equals(held.plaintext));
  const out = path.join(f.dir, 'held.zip');
  const r = await s.exportForPolice([held.clipId], { journalNumber: 'J-9', recipient: 'Politi', by: 'u', outPath: out });
  const x = path.join(f.dir, 'x');
  t.is(spawnSync('7z', ['x', '-y', `-p${r.password}`, `-o${x}`, out], { stdio: 'ignore' }).status, 0);
  t.true(readFileSync(path.join(x, `${held.clipId}.ts`)).equals(held.plaintext));
  // A clip of that epoch arriving late (not held): stored, but nothing can open it.
  const late = await addClip(f, { epoch: e, startedAt: T0 + 2000 });
  t.regex(await code(s.openPlaintext(late.clipId)), /^key-destroyed/);
  t.regex(await code(s.exportForPolice([late.clipId], { journalNumber: 'J', recipient: 'R', by: 'u', outPath: path.join(f.dir, 'late.zip') })), /^key-destroyed/);
  t.false(existsSync(path.join(f.dir, 'late.zip')));
});

test('a held clip that cannot be re-wrapped keeps its epoch key; other epochs still go', async (t) => {
  const f = await makeStore(t);
  const e1 = await epochAt(f, T0);
  const e2 = await epochAt(f, T0 + DAY);
  const bad = await addClip(f, { epoch: e1, startedAt: T0 + 1000 });
  await f.store.placeHold(bad.clipId, { reason: 'r', caseNumber: 'K-1', by: 'u' });
  const blob = f.blobs.pathOf(bad.clipId);
  const bytes = readFileSync(blob);
  bytes[30] ^= 1; // inside the wrapped data key
  writeFileSync(blob, bytes);
  f.clock.now = T0 + 17 * DAY + 1000;
  t.deepEqual((await f.store.runRetention()).epochKeysDestroyed, [e2.epochId]);
  t.truthy(await f.store.keys.privateKey(e1.epochId), 'kept');
  t.not(await f.store.get(bad.clipId), undefined);
});
