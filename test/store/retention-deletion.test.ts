// Retention with a controllable clock: expired clips are really gone (blob, row, sqlite bytes), held
// ones stay, every deletion has a verifying receipt; then the epoch key is destroyed, a kept copy of
// an expired clip is unreadable with every key the store still has, and a held clip still opens.
import test from 'ava';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { verifyDeletionReceipt, verifyKeyDestruction } from '../../central-store/evidence.js';
import { decryptBuffer } from '../../shared/clip/reader.js';
import { DAY, T0, addClip, code, epochAt, makeStore, readAll } from './store-helpers.js';
import { getHoldWrap } from '../../central-store/index/tables/holds.js';
import { clipIn, inIndex } from '../helpers/index-read.js';

test('15-day-old clip deleted for real, held clip kept; epoch key destroyed; held clip still opens', async (t) => {
  const f = await makeStore(t);
  const s = f.store;
  const e1 = await epochAt(f, T0);
  const e2 = await epochAt(f, T0 + 10 * DAY);
  const old = await addClip(f, { epoch: e1, startedAt: T0 + 3600_000 });
  const held = await addClip(f, { epoch: e1, startedAt: T0 + 7200_000 });
  const recent = await addClip(f, { epoch: e2, startedAt: T0 + 10 * DAY + 3600_000 });
  const kept = readFileSync(f.blobs.pathOf(old.clipId)); // a stray copy (backup, camera flash remnant)
  await s.placeHold(held.clipId, { reason: 'assault reported', caseNumber: 'POL-2026-0042', by: 'officer.hansen' });

  // Nothing is due at day 13.
  f.clock.now = T0 + 13 * DAY;
  t.deepEqual((await s.runRetention()).deleted, []);
  t.true(readFileSync(f.dbPath).includes(old.clipId), 'the index holds the clip id before deletion');

  f.clock.now = T0 + 15 * DAY + 3600_000;
  const r1 = await s.runRetention();
  t.deepEqual(r1.deleted.map((d) => d.clipId), [old.clipId]);
  t.deepEqual(r1.epochKeysDestroyed, [], 'the epoch key outlives its window by the stale grace + longest retention');
  t.false(existsSync(f.blobs.pathOf(old.clipId)), 'blob file gone');
  t.is(await s.get(old.clipId), undefined);
  t.is(await clipIn(f.db, old.clipId), undefined, 'index row gone');
  t.false(readFileSync(f.dbPath).includes(old.clipId), 'secure_delete: no trace of the clip id in the index file');
  t.false(readFileSync(f.dbPath).includes(Buffer.from(old.sha256)), 'nor its hash');
  const rec = r1.deleted[0]!;
  const body = verifyDeletionReceipt(rec.doc, f.signing.publicKey);
  t.like(body, { clipId: old.clipId, sha256: old.sha256, rule: 'retention:default:14d', by: 'retention-job', storeId: 'store-t' });
  t.is(body.deletedAt, new Date(f.clock.now).toISOString());
  t.deepEqual(Object.keys(body), ['v', 'kind', 'clipId', 'sha256', 'bytes', 'deletedAt', 'rule', 'by', 'storeId', 'steps']);
  t.deepEqual((await s.deletionReceipts()).map((d) => d.clipId), [old.clipId]);
  t.not(await s.get(held.clipId), undefined);
  t.is((await s.get(held.clipId))!.deleteAfter, null, 'no deletion date while on hold');
  t.not(await s.get(recent.clipId), undefined);

  // The same run again changes nothing.
  t.deepEqual(await s.runRetention(), { deleted: [], epochKeysDestroyed: [] });

  // Past epoch 1's end + 1 stale day + 14 days: its key goes, after the held clip is re-wrapped.
  f.clock.now = T0 + 16 * DAY + 3600_000;
  const r2 = await s.runRetention();
  t.deepEqual(r2.epochKeysDestroyed, [e1.epochId]);
  t.false(readdirSync(path.join(f.dir, 'keys')).some((n) => n.includes(e1.epochId)), 'epoch key file unlinked');
  t.regex(await code(() => s.keys.privateKey(e1.epochId)), /^key-destroyed/);
  const kd = (await s.keyDestructionReceipts()).map((d) => verifyKeyDestruction(d, f.signing.publicKey));
  t.deepEqual(kd.map((k) => [k.keyName, k.keyKind]), [[e1.epochId, 'epoch']]);

  // The stray copy: no key the store still holds (hold key, other epochs) opens it.
  const remaining = (await s.keys.list()).filter((k) => !k.destroyedAt);
  t.true(remaining.length >= 2);
  for (const k of remaining) { const key = await s.keys.privateKey(k.name); t.throws(() => decryptBuffer(kept, key), { message: /wrong-key/ }); }

  // The held clip of the destroyed epoch still opens (hold re-wrap), byte-exact.
  t.true((await readAll(await s.openPlaintext(held.clipId))).equals(held.plaintext));
  t.true((await readAll(await s.openPlaintext(recent.clipId))).equals(recent.plaintext));

  // Lift the hold: the next run deletes it (it is long expired), and its re-wrap row with it.
  await s.liftHold(held.clipId, { reason: 'case closed', by: 'officer.hansen' });
  const r3 = await s.runRetention();
  t.deepEqual(r3.deleted.map((d) => d.clipId), [held.clipId]);
  t.is(await inIndex(f.db, (u) => getHoldWrap(u, held.clipId)), undefined, 'its re-wrapped data key went with it');
  t.deepEqual((await s.holdHistory(held.clipId)).map((h) => [h.action, h.by, h.caseNumber]), [['place', 'officer.hansen', 'POL-2026-0042'], ['lift', 'officer.hansen', 'POL-2026-0042']]);
  t.is((await s.deletionReceipts()).length, 2);
  t.deepEqual((await s.deletionReceipts({ since: new Date(T0 + 16 * DAY).toISOString() })).map((d) => d.clipId), [held.clipId]);
});

test('per-purpose retention: a 3-day purpose goes at day 3, the default at day 14', async (t) => {
  const f = await makeStore(t, { retention: { perPurpose: { 'work-environment': 3 } } });
  const e = await epochAt(f, T0);
  const we = await addClip(f, { epoch: e, startedAt: T0, purpose: 'work-environment' });
  const cp = await addClip(f, { epoch: e, startedAt: T0, purpose: 'crime-prevention' });
  const none = await addClip(f, { epoch: e, startedAt: T0, purpose: null });
  t.is((await f.store.get(we.clipId))!.purpose, 'work-environment', 'purpose indexed from the clip header');
  t.is((await f.store.get(none.clipId))!.purpose, null);
  t.is((await f.store.get(we.clipId))!.deleteAfter, new Date(T0 + 3 * DAY).toISOString());
  f.clock.now = T0 + 3 * DAY - 1;
  t.deepEqual((await f.store.runRetention()).deleted, []);
  f.clock.now = T0 + 3 * DAY;
  const r = await f.store.runRetention();
  t.deepEqual(r.deleted.map((d) => [d.clipId, d.rule]), [[we.clipId, 'retention:work-environment:3d']]);
  f.clock.now = T0 + 14 * DAY;
  t.deepEqual((await f.store.runRetention()).deleted.map((d) => d.clipId).sort(), [cp.clipId, none.clipId].sort());
});

test('retention config: more than 30 days or a bad value is refused naming the field', async (t) => {
  const f = await makeStore(t);
  t.regex(await code(f.open({ retention: { perPurpose: { 'police-report': 90 } } })), /^bad-input: retention\.perPurpose\.police-report: at most 30 days/);
  t.regex(await code(f.open({ retention: { defaultDays: 0 } })), /^bad-input: retention\.defaultDays/);
  t.regex(await code(f.open({ retention: { defaultDay: 14 } as never })), /^bad-input: retention/);
});

test('a camera clock running ahead does not stretch retention: days count from receipt at the latest', async (t) => {
  const f = await makeStore(t);
  const e = await epochAt(f, T0);
  // The camera signed a start 300 days ahead; central received the clip at T0 + 1 h.
  const c = await addClip(f, { epoch: e, startedAt: T0 + 300 * DAY, receivedAt: T0 + 3600_000 });
  t.is((await f.store.get(c.clipId))!.deleteAfter, new Date(T0 + 3600_000 + 14 * DAY).toISOString());
  f.clock.now = T0 + 3600_000 + 14 * DAY - 1;
  t.deepEqual((await f.store.runRetention()).deleted, []);
  f.clock.now += 1;
  t.deepEqual((await f.store.runRetention()).deleted.map((d) => [d.clipId, d.rule]), [[c.clipId, 'retention:default:14d']]);
  t.false(existsSync(f.blobs.pathOf(c.clipId)));
});
