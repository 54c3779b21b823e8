// Dock leases (which central node handles a dock) on every index backend: two nodes asking at once for
// the same dock, one gets it; the holder renews in one statement and keeps it; a lease that ran out (its
// node died) is taken over by exactly one other node, and the old holder's renewal then fails.
import type { ExecutionContext, TestFn } from 'ava';
import { MIGRATIONS } from '../../../central-store/index/migrations.js';
import type { Index } from '../../../central-store/index/port.js';
import { dockLeaseCounts, dockLeaseHolder, releaseDockLeases, renewDockLeases, takeDockLease } from '../../../central-store/index/tables/dock-leases.js';

export function dockLeasesContract(test: TestFn, name: string, ready: (t: ExecutionContext) => Promise<Index>, again: (t: ExecutionContext, ix: Index) => Promise<Index>): void {
  test(`${name}: dock leases: one node of two gets a dock; renewed it stays; run out it is taken over once; released it is free`, async (t) => {
    const a = await ready(t);
    await a.migrate(MIGRATIONS);
    const b = await again(t, a);
    // Ten docks, both nodes asking for each at once: every dock has exactly one holder, the one that was told yes.
    const docks = Array.from({ length: 10 }, (_, i) => `dock-${i}`);
    const answers = await Promise.all(docks.flatMap((d) => [a.tx((u) => takeDockLease(u, d, 'node-a', 1_000, 16_000)), b.tx((u) => takeDockLease(u, d, 'node-b', 1_000, 16_000))]));
    for (const [i, d] of docks.entries()) {
      const [ya, yb] = [answers[2 * i]!, answers[2 * i + 1]!];
      t.true(ya !== yb, `${d}: exactly one node got it`);
      t.deepEqual(await a.tx((u) => dockLeaseHolder(u, d)), { holder: ya ? 'node-a' : 'node-b', untilMs: 16_000 });
    }
    const ofA = docks.filter((_, i) => answers[2 * i]);
    const ofB = docks.filter((_, i) => answers[2 * i + 1]);
    // Renewal touches only the holder's leases, in one statement, and says which it still has.
    t.deepEqual((await a.tx((u) => renewDockLeases(u, 'node-a', docks, 30_000))).sort(), [...ofA].sort());
    for (const d of ofB) t.is((await b.tx((u) => dockLeaseHolder(u, d)))!.untilMs, 16_000, `${d}: node-b's lease untouched by node-a's renewal`);
    t.deepEqual(await a.tx((u) => renewDockLeases(u, 'node-a', [], 30_000)), []);
    t.deepEqual(Object.fromEntries(await a.tx((u) => dockLeaseCounts(u, 20_000))), { ...ofA.length ? { 'node-a': ofA.length } : {} }, 'only live leases count');
    t.deepEqual(Object.fromEntries(await b.tx((u) => dockLeaseCounts(u, 15_999))), { ...ofA.length ? { 'node-a': ofA.length } : {}, ...ofB.length ? { 'node-b': ofB.length } : {} });
    // Held and not run out: nobody else gets it; the holder asking again keeps it.
    t.true(await b.tx((u) => takeDockLease(u, 'dock-x', 'node-b', 1_000, 2_000)));
    t.false(await a.tx((u) => takeDockLease(u, 'dock-x', 'node-a', 1_500, 3_000)));
    t.false(await a.tx((u) => takeDockLease(u, 'dock-x', 'node-a', 1_999, 3_000)), 'held by node-b until 2000');
    t.true(await b.tx((u) => takeDockLease(u, 'dock-x', 'node-b', 1_999, 4_000)), 'the holder renews by asking again');
    // node-b dies: at its lease's end node-a and node-c ask at once; one takes it; node-b cannot renew it back.
    const c = await again(t, a);
    const [x, y] = await Promise.all([a.tx((u) => takeDockLease(u, 'dock-x', 'node-a', 4_000, 19_000)), c.tx((u) => takeDockLease(u, 'dock-x', 'node-c', 4_000, 19_000))]);
    t.is([x, y].filter(Boolean).length, 1, 'exactly one node takes a lease that ran out');
    const winner = x ? 'node-a' : 'node-c';
    t.deepEqual(await b.tx((u) => renewDockLeases(u, 'node-b', ['dock-x'], 50_000)), [], 'the old holder does not renew a lease taken over');
    t.deepEqual(await b.tx((u) => dockLeaseHolder(u, 'dock-x')), { holder: winner, untilMs: 19_000 });
    // Released (a clean stop): free for the next node at once; only the holder's rows go.
    await b.tx((u) => releaseDockLeases(u, 'node-b'));
    for (const d of ofB) t.is(await a.tx((u) => dockLeaseHolder(u, d)), undefined, `${d}: released`);
    t.is((await a.tx((u) => dockLeaseHolder(u, 'dock-x')))!.holder, winner, 'another holder\'s lease stays');
    if (ofB[0]) t.true(await a.tx((u) => takeDockLease(u, ofB[0]!, 'node-a', 5_000, 20_000)), 'a released dock is taken at once');
    await a.tx((u) => releaseDockLeases(u, 'node-a', ofA.slice(0, 1)));
    if (ofA[0]) t.is(await a.tx((u) => dockLeaseHolder(u, ofA[0]!)), undefined);
    if (ofA[1]) t.is((await a.tx((u) => dockLeaseHolder(u, ofA[1]!)))!.holder, 'node-a', 'only the named docks are released');
  });
}
