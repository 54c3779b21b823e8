import test from 'ava';
import { AccessLog, ACCESS_LOG_GENESIS, accessEntryHash } from '../../central-store/access-log.js';
import { entriesSince } from '../../central-store/index/tables/access-log.js';
import { deleteLogRow, editLogRow, tryDeleteLogRow, tryEditLogRow } from '../helpers/tamper.js';
import { DAY, TestClock, tempDb } from './helpers.js';

const add = (log: AccessLog, i: number) => log.append({ user: `u${i % 3}`, action: 'search', criterion: JSON.stringify({ deviceId: `cam-${i}` }), outcome: 'ok' });

test('entries chain from genesis; the hash is SHA-256 over the documented array', async (t) => {
  const { db, ix } = await tempDb(t);
  const log = new AccessLog(ix, { now: new TestClock().now });
  const a = await add(log, 1);
  const b = await log.append({ user: 'ann', action: 'view', criterion: '["c1"]', outcome: 'denied', reason: 'no view permission' });
  t.is(a.seq, 1); t.is(a.prevHash, ACCESS_LOG_GENESIS); t.is(b.prevHash, a.hash);
  const { createHash } = await import('node:crypto');
  const bytes = JSON.stringify([1, 2, b.at, 'ann', 'view', '["c1"]', 'denied', 'no view permission', a.hash]);
  t.is(b.hash, createHash('sha256').update(bytes).digest('hex'));
  t.is(accessEntryHash(b), b.hash);
  t.deepEqual(await log.verify(), { ok: true, entries: 2, firstSeq: 1, lastSeq: 2, anchor: null });
});

test('UPDATE and DELETE are refused by the table itself', async (t) => {
  const { db, ix } = await tempDb(t);
  const log = new AccessLog(ix);
  await add(log, 1);
  t.throws(() => tryEditLogRow(db, 1), { any: true, message: /append-only/ });
  t.throws(() => tryDeleteLogRow(db, 1), { any: true, message: /purge job/ });
  t.is((await log.entries()).length, 1);
});

for (const [name, tamper, why] of [
  ['edited criterion', 'EDIT', /hash does not match/],
  ['edited user and rehashed', 'REHASH', /prevHash does not match the hash of seq 4/],
  ['deleted row', 'DELETE', /seq 5 follows 3/],
] as const) {
  test(`tampering (${name}) with triggers dropped fails verify, naming the seq`, async (t) => {
    const { db, ix } = await tempDb(t);
    const log = new AccessLog(ix);
    for (let i = 1; i <= 6; i++) await add(log, i);
    if (tamper === 'REHASH') {
      const e = (await log.entries()).find((x) => x.seq === 4)!;
      const forged = { ...e, user: 'someone-else' };
      editLogRow(db, 4, { user: forged.user, hash: accessEntryHash(forged) });
    } else if (tamper === 'EDIT') editLogRow(db, 4, { criterion: '{"deviceId":"cam-x"}' });
    else deleteLogRow(db, 4);
    const v = await log.verify();
    t.false(v.ok);
    t.is(v.badSeq, tamper === 'EDIT' ? 4 : 5);
    t.regex(v.reason!, why);
  });
}

test('purge at 6 months: older prefix removed, anchor kept, chain still verifies, purge logs itself', async (t) => {
  const { db, ix } = await tempDb(t);
  const clock = new TestClock(Date.parse('2026-01-01T00:00:00Z'));
  const log = new AccessLog(ix, { now: clock.now });
  for (let i = 1; i <= 5; i++) { await add(log, i); clock.advance(30 * DAY); } // Jan 1 .. May 1
  // Now 2026-06-01 + 3 months = 2026-09-01: cut-off 2026-03-01 → Jan 1, Jan 31 go; Mar 2 stays.
  clock.t = Date.parse('2026-09-01T00:00:00Z');
  const before = await log.entries();
  const r = await log.purge('admin');
  t.is(r.cutoff, '2026-03-01T00:00:00.000Z');
  t.is(r.deleted, 2);
  t.is(r.throughSeq, 2);
  const after = await log.entries();
  t.deepEqual(after.map((e) => e.seq), [3, 4, 5, 6]);
  t.deepEqual(after.slice(0, 3), before.slice(2));
  t.is(r.entry.seq, 6); t.is(r.entry.action, 'log-purge'); t.is(r.entry.user, 'admin');
  t.deepEqual(JSON.parse(r.entry.criterion), { olderThan: '2026-03-01T00:00:00.000Z', deleted: 2, throughSeq: 2 });
  const v = await log.verify();
  t.true(v.ok, v.reason);
  t.deepEqual(v.anchor, { seq: 2, hash: before[1].hash });
  t.is(v.firstSeq, 3);
  // Deleted rows are gone from the file's live rows; secure_delete zeroes their cells.
  t.deepEqual((await ix.tx((u) => entriesSince(u, 0))).filter((e) => e.seq <= 2), []);
  // Purging everything, then appending, still chains from the anchor.
  clock.advance(400 * DAY);
  t.is((await log.purge('admin')).deleted, 4);
  await add(log, 9);
  t.true((await log.verify()).ok);
  t.deepEqual((await log.entries()).map((e) => e.seq), [7, 8]);
  // Removing the first kept entry without moving the anchor is caught.
  deleteLogRow(db, 7);
  t.is((await log.verify()).badSeq, 8);
});

test('a purged entry is not left in the database file (secure_delete)', async (t) => {
  const { db, dir, ix } = await tempDb(t);
  const clock = new TestClock();
  const log = new AccessLog(ix, { now: clock.now });
  await log.append({ user: 'ann', action: 'search', criterion: 'MARKER-7f3a9c-criterion', outcome: 'ok' });
  clock.advance(200 * DAY);
  await log.purge('admin');
  const { readFileSync } = await import('node:fs');
  t.false(readFileSync(`${dir}/central.db`).includes('MARKER-7f3a9c'));
});

test('the purge age comes from the configuration (accessLogMonths); only an administrator may purge', async (t) => {
  const { Operations } = await import('../../central-store/operations.js');
  const { Users } = await import('../../central-store/users.js');
  const { FAST_SCRYPT, PW } = await import('./helpers.js');
  const { db, ix } = await tempDb(t);
  const clock = new TestClock(Date.parse('2026-01-01T00:00:00Z'));
  const users = new Users(ix, { now: clock.now, scrypt: FAST_SCRYPT });
  const log = new AccessLog(ix, { now: clock.now });
  const ops = new Operations({ db, users, log, evidence: async () => { throw new Error('not used'); }, now: clock.now, logMonths: 1 });
  await ops.bootstrapAdmin('root', PW);
  await ops.createUser('root', { username: 'aud', role: 'auditor', password: PW });
  clock.advance(40 * DAY);
  await t.throwsAsync(ops.purgeLog('aud'), { message: /role auditor lacks the admin permission/ });
  const r = await ops.purgeLog('root');
  t.is(r.cutoff, '2026-01-10T00:00:00.000Z');
  t.is(r.deleted, 2); // bootstrap and user-create; the refusal (day 40) stays
  t.deepEqual((await log.entries()).map((e) => `${e.user}:${e.action}:${e.outcome}`), ['aud:log-purge:denied', 'root:log-purge:ok']);
  t.true((await log.verify()).ok);
});
