// Access-log table owner on every index backend: the chain, the table's own refusals, the purge, and
// one chain from concurrent writers on two connections (two central nodes). Registered by index-contract.ts.
import type { ExecutionContext, TestFn } from 'ava';
import { AccessLog, accessEntryHash, ACCESS_LOG_GENESIS } from '../../../central-store/access-log.js';
import { MIGRATIONS } from '../../../central-store/index/migrations.js';
import type { Index } from '../../../central-store/index/port.js';

const DAY = 86_400_000;
type Ready = (t: ExecutionContext) => Promise<Index>;
type Again = (t: ExecutionContext, ix: Index) => Promise<Index>;

export function accessLogContract(test: TestFn, name: string, ready: Ready, again: Again): void {
  const entry = (i: number) => ({ user: `u${i % 3}`, action: 'search', criterion: JSON.stringify({ deviceId: `cam-${i}` }), outcome: 'ok' as const });

  test(`${name}: access log: entries chain from genesis; verify names the first bad seq`, async (t) => {
    const ix = await ready(t);
    await ix.migrate(MIGRATIONS);
    let now = Date.parse('2026-01-10T08:00:00Z');
    const log = new AccessLog(ix, { now: () => now });
    const a = await log.append(entry(1));
    const b = await log.append({ user: 'ann', action: 'view', criterion: '["c1"]', outcome: 'denied', reason: 'no view permission' });
    t.is(a.seq, 1); t.is(a.prevHash, ACCESS_LOG_GENESIS); t.is(b.prevHash, a.hash); t.is(accessEntryHash(b), b.hash);
    for (let i = 3; i <= 6; i++) { now += 1000; await log.append(entry(i)); }
    t.deepEqual(await log.verify(), { ok: true, entries: 6, firstSeq: 1, lastSeq: 6, anchor: null });
    t.deepEqual((await log.entries({ sinceSeq: 4 })).map((e) => e.seq), [5, 6]);
    t.deepEqual((await log.mentioning('"cam-4"')).map((e) => e.seq), [4]);
    t.deepEqual((await log.query({ user: 'ann', limit: 10 })).map((e) => e.seq), [2]);
    t.deepEqual((await log.query({ clipId: 'x', limit: 10 })), []);
    t.deepEqual((await log.entries()).map((e) => e.seq), [1, 2, 3, 4, 5, 6]);
    // The table refuses UPDATE and DELETE itself.
    await t.throwsAsync(ix.tx((u) => u.run('UPDATE access_log SET criterion = ? WHERE seq = 1', ['x'])), { any: true, message: /append-only/ });
    await t.throwsAsync(ix.tx((u) => u.run('DELETE FROM access_log WHERE seq = 1')), { any: true, message: /purge job/ });
    // Someone who can drop the triggers edits an entry: verify names it.
    await ix.tx(async (u) => {
      await u.run('DROP TRIGGER access_log_no_update' + (u.dialect === 'pg' ? ' ON access_log' : ''));
      await u.run('UPDATE access_log SET criterion = ? WHERE seq = 4', ['{"deviceId":"cam-x"}']);
    });
    const v = await log.verify();
    t.false(v.ok); t.is(v.badSeq, 4); t.regex(v.reason!, /seq 4: hash does not match its content/);
  });

  test(`${name}: access log: purge keeps an anchor, the rest still verifies, the purge logs itself`, async (t) => {
    const ix = await ready(t);
    await ix.migrate(MIGRATIONS);
    let now = Date.parse('2026-01-01T00:00:00Z');
    const log = new AccessLog(ix, { now: () => now });
    for (let i = 1; i <= 5; i++) { await log.append(entry(i)); now += 30 * DAY; }
    now = Date.parse('2026-09-01T00:00:00Z');
    const before = await log.entries();
    const r = await log.purge('admin');
    t.deepEqual([r.cutoff, r.deleted, r.throughSeq, r.entry.seq, r.entry.action], ['2026-03-01T00:00:00.000Z', 2, 2, 6, 'log-purge']);
    const v = await log.verify();
    t.true(v.ok, v.reason);
    t.deepEqual(v.anchor, { seq: 2, hash: before[1].hash });
    t.is(v.firstSeq, 3);
    now += 400 * DAY;
    t.is((await log.purge('admin')).deleted, 4);
    await log.append(entry(9));
    t.true((await log.verify()).ok);
    t.deepEqual((await log.entries()).map((e) => e.seq), [7, 8]);
  });

  test(`${name}: access log: two connections appending at once (20 appends) extend one chain (serialized in the database)`, async (t) => {
    const a = await ready(t);
    await a.migrate(MIGRATIONS);
    const b = await again(t, a);
    const la = new AccessLog(a), lb = new AccessLog(b);
    const N = 20;
    await Promise.all(Array.from({ length: N }, (_, i) => (i % 2 ? lb : la).append({ ...entry(i), user: i % 2 ? 'node-b' : 'node-a' })));
    const all = await la.entries();
    t.is(all.length, N);
    t.deepEqual(all.map((e) => e.seq), Array.from({ length: N }, (_, i) => i + 1));
    t.is(all.filter((e) => e.user === 'node-b').length, N / 2);
    t.deepEqual(await lb.verify(), { ok: true, entries: N, firstSeq: 1, lastSeq: N, anchor: null });
    // A purge on one node while the other appends: still one chain.
    const nowLater = () => Date.now() + 400 * DAY;
    await Promise.all([new AccessLog(a, { now: nowLater }).purge('system'), ...Array.from({ length: 10 }, (_, i) => lb.append(entry(i)))]);
    const v = await la.verify();
    t.true(v.ok, v.reason);
  });
}
