// The ingest's dock leases (central-store/ingest-leases.ts) on a real index, with a hand-moved clock:
// two nodes asking for the same dock, one acts on it and the other drops its messages without asking the
// index again until the lease could have run out; renewal keeps a dock in use and lets an idle one go; a
// node that stopped renewing (died) loses its docks to the next node that hears from them; close gives
// every lease back at once.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import type { Index, Unit } from '../../central-store/index/port.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { dockLeaseHolder } from '../../central-store/index/tables/dock-leases.js';
import { DockLeases } from '../../central-store/ingest-leases.js';

async function fixture(t: import('ava').ExecutionContext) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dock-leases-'));
  const real = SqliteIndex.open(path.join(dir, 'central.db'));
  await real.migrate(MIGRATIONS);
  t.teardown(async () => { await real.close(); await rm(dir, { recursive: true, force: true }); });
  let units = 0;
  // Counts the units each node begins: a node that knows who holds a dock must not ask per message.
  const counted = (): Index & { units: () => number } => {
    let mine = 0;
    return {
      dialect: real.dialect, migrate: (l) => real.migrate(l), close: async () => undefined,
      tx: <T>(fn: (u: Unit) => Promise<T>) => { mine++; units++; return real.tx(fn); },
      units: () => mine,
    };
  };
  const clock = { now: 1_000_000 };
  const node = (holder: string, relookMs?: number) => {
    const ix = counted();
    return { ix, l: new DockLeases(ix, { holder, ttlMs: 15_000, idleMs: 60_000, relookMs, now: () => clock.now }) };
  };
  return { real, clock, node, units: () => units };
}

test('one node of two acts on a dock; the other drops its messages and asks the index again only once the lease could have run out', async (t) => {
  const f = await fixture(t);
  const a = f.node('node-a'), b = f.node('node-b');
  const [ya, yb] = await Promise.all([a.l.owns('dock-1'), b.l.owns('dock-1')]);
  t.true(ya !== yb, 'exactly one node acts on the dock');
  const [owner, other] = ya ? [a, b] : [b, a];
  const before = [owner.ix.units(), other.ix.units()];
  for (let i = 0; i < 50; i++) { t.true(await owner.l.owns('dock-1')); t.false(await other.l.owns('dock-1')); }
  t.deepEqual([owner.ix.units(), other.ix.units()], before, '100 messages, no index round trip');
  // Simultaneous first messages on one node ask the index once.
  const c = f.node('node-c');
  await Promise.all(Array.from({ length: 20 }, () => c.l.owns('dock-2')));
  t.is(c.ix.units(), 1);
  t.deepEqual(owner.l.held(), ['dock-1']);
});

test('renewal keeps a dock in use past its lease; an idle dock (heartbeats only) is let go; a node that stops renewing loses the dock to the next node that hears from it', async (t) => {
  const f = await fixture(t);
  const a = f.node('node-a'), b = f.node('node-b');
  t.true(await a.l.owns('dock-busy'));
  t.true(await a.l.owns('dock-quiet'));
  t.false(await b.l.owns('dock-busy'));
  for (let s = 5; s <= 60; s += 5) {
    f.clock.now += 5_000;
    t.true(await a.l.owns('dock-quiet', false), 'a heartbeat is handled by the holder');
    t.true(await a.l.owns('dock-busy'), `busy dock still node-a's after ${s} s`);
    await a.l.renew();
    t.false(await b.l.owns('dock-busy'), `and not node-b's after ${s} s`);
  }
  t.is(await f.real.tx((u) => dockLeaseHolder(u, 'dock-quiet')), undefined, 'the dock that only sent heartbeats for idleMs was released');
  t.deepEqual(a.l.held(), ['dock-busy']);
  t.true(await b.l.owns('dock-quiet'), 'and the next node that hears from it takes it');
  // node-a dies (no more renewals): node-b gets the busy dock once the lease ran out, not before.
  f.clock.now += 14_000;
  t.false(await b.l.owns('dock-busy'));
  f.clock.now += 1_000;
  t.true(await b.l.owns('dock-busy'), 'taken over when the lease ran out');
  t.false(await a.l.owns('dock-busy'), 'node-a, back, does not act on it (its own deadline passed, the index says node-b)');
  await a.l.renew();
  t.deepEqual(a.l.held(), []);
  t.is((await f.real.tx((u) => dockLeaseHolder(u, 'dock-busy')))!.holder, 'node-b');
});

test('a node stops acting on its docks a third of the lease early when its renewals fail (room for clock skew), and close gives every lease back', async (t) => {
  const f = await fixture(t);
  const a = f.node('node-a'), b = f.node('node-b');
  for (const d of ['d1', 'd2', 'd3']) t.true(await a.l.owns(d));
  f.clock.now += 9_999;
  t.true(await a.l.owns('d1'));
  f.clock.now += 1;
  // The row still says node-a until +15 s; node-a does not act past +10 s without a renewal.
  t.deepEqual(a.l.held(), []);
  t.false(await b.l.owns('d1'), 'nor does node-b before the row ran out');
  t.true(await a.l.owns('d1'), 'node-a asking again renews its own lease');
  await a.l.close();
  for (const d of ['d1', 'd2', 'd3']) t.is(await f.real.tx((u) => dockLeaseHolder(u, d)), undefined, `${d} released at close`);
  t.false(await a.l.owns('d2'), 'a closed node acts on nothing');
  f.clock.now += 1;
  t.true(await b.l.owns('d2'), 'another node takes a released dock at its next message');
});

test('a free dock goes to the less loaded node: the node holding more live leases declines, unless the other\'s leases ran out (a dead node stops counting)', async (t) => {
  const f = await fixture(t);
  const a = f.node('node-a'), b = f.node('node-b');
  t.true(await a.l.owns('d1'));
  t.true(await a.l.owns('d2'));
  t.true(await b.l.owns('d3'));
  // Both hear d4 first: node-a (2 docks) declines, node-b (1) takes it, in either order of asking.
  t.false(await a.l.owns('d4'));
  t.true(await b.l.owns('d4'));
  // Level (2 and 2): whoever asks first.
  t.true(await a.l.owns('d5'));
  t.false(await b.l.owns('d5'));
  // node-b dies; once its leases ran out node-a takes every dock it hears from, however many it holds.
  f.clock.now += 5_000; await a.l.renew();
  f.clock.now += 5_000; await a.l.renew();
  t.false(await a.l.owns('d6'), 'node-b still counts (its leases live)');
  f.clock.now += 5_001; await a.l.renew();
  for (const d of ['d3', 'd4', 'd6', 'd7']) t.true(await a.l.owns(d), `${d} taken by node-a`);
  t.deepEqual(a.l.held().sort(), ['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7']);
});

/** Two nodes that look again every 20 ms; node-a holds d1 and d2, node-b d3. */
async function aTwoBOne(t: import('ava').ExecutionContext) {
  const f = await fixture(t);
  const a = f.node('node-a', 20), b = f.node('node-b', 20);
  t.teardown(async () => { await a.l.close(); await b.l.close(); });
  t.true(await a.l.owns('d1'));
  t.true(await a.l.owns('d2'));
  t.true(await b.l.owns('d3'));
  return { f, a, b };
}

/** The dock's lease holder once a node has taken it on a later look (polled, at most ~10 s). */
async function firstHolder(f: Awaited<ReturnType<typeof fixture>>, dockId: string) {
  const holder = () => f.real.tx((u) => dockLeaseHolder(u, dockId));
  for (let i = 0; i < 1000 && !(await holder()); i++) await new Promise((r) => setTimeout(r, 10));
  return holder();
}

test('a node that declined a free dock asks again within a second: the less loaded node may have gone (or declined too) meanwhile', async (t) => {
  const f = await fixture(t);
  const a = f.node('node-a'), b = f.node('node-b');
  t.true(await a.l.owns('d1'));
  t.true(await b.l.owns('d2'));
  t.true(await b.l.owns('d3'));
  t.true(await a.l.owns('d4'), 'level: node-a takes it');
  t.true(await a.l.owns('d5'), 'level again');
  t.false(await a.l.owns('d6'), 'node-a holds more: it declines');
  await b.l.close();
  f.clock.now += 1_001;
  t.true(await a.l.owns('d6'), 'a second later node-a asks again and, alone now, takes it');
});

test('two nodes that both declined a free dock a moment apart: the less loaded one takes it when it looks again, without another message from the dock', async (t) => {
  const { f, a, b } = await aTwoBOne(t);
  t.false(await a.l.owns('d9'), 'node-a holds 2, node-b 1: node-a declines');
  // Before d9's message reaches node-b, node-b takes two other docks: now it holds more and declines too.
  t.false(await a.l.owns('d4'));
  t.true(await b.l.owns('d4'));
  t.true(await b.l.owns('d5'));
  t.false(await b.l.owns('d9'), 'node-b holds 3, node-a 2: node-b declines');
  // The dock's next message would come only after its back-off (seconds): a node takes it before that.
  t.is((await firstHolder(f, 'd9'))?.holder, 'node-a', 'node-a, now the less loaded, took it on its second look');
  t.true(await a.l.owns('d9'));
  f.clock.now += 1_001;
  t.false(await b.l.owns('d9'), 'node-b sees node-a holds it');
});

test('a dock only a more loaded node hears from (the other node never gets its messages) is taken on the third look', async (t) => {
  const { f, a, b } = await aTwoBOne(t);
  t.false(await a.l.owns('d9'), 'node-b holds fewer: node-a declines');
  t.is((await firstHolder(f, 'd9'))?.holder, 'node-a');
  t.deepEqual(a.l.held().sort(), ['d1', 'd2', 'd9']);
});
