// Clip put claims (which central node puts a clip's blob) on every index backend: two nodes asking at once
// for the same clip, one gets it; the holder renews and keeps it, asking again keeps it; a claim that ran
// out (its node died mid-put) is taken over by exactly one other node, and the old holder's renewal then
// fails; released, the clip is free at once, and claims that ran out long ago go with any release.
import type { ExecutionContext, TestFn } from 'ava';
import { MIGRATIONS } from '../../../central-store/index/migrations.js';
import type { Index } from '../../../central-store/index/port.js';
import { clipPutClaimHolder, releaseClipPutClaim, renewClipPutClaim, takeClipPutClaim } from '../../../central-store/index/tables/clip-put-claims.js';

export function clipPutClaimsContract(test: TestFn, name: string, ready: (t: ExecutionContext) => Promise<Index>, again: (t: ExecutionContext, ix: Index) => Promise<Index>): void {
  test(`${name}: clip put claims: one node of two gets a clip; renewed it stays; run out it is taken over once; released it is free`, async (t) => {
    const a = await ready(t);
    await a.migrate(MIGRATIONS);
    const b = await again(t, a);
    // Ten clips, both nodes asking for each at once: every clip has exactly one holder, the one told yes.
    const clips = Array.from({ length: 10 }, (_, i) => `clip-${i}`);
    const answers = await Promise.all(clips.flatMap((c) => [a.tx((u) => takeClipPutClaim(u, c, 'node-a/w0', 1_000, 61_000)), b.tx((u) => takeClipPutClaim(u, c, 'node-b/w0', 1_000, 61_000))]));
    for (const [i, c] of clips.entries()) {
      const [ya, yb] = [answers[2 * i]!, answers[2 * i + 1]!];
      t.true(ya !== yb, `${c}: exactly one node got it`);
      t.deepEqual(await a.tx((u) => clipPutClaimHolder(u, c)), { holder: ya ? 'node-a/w0' : 'node-b/w0', untilMs: 61_000 });
    }
    // Live: nobody else gets it, however often asked; the holder asking again keeps it (a retried meta).
    const [c0] = clips;
    const holder = answers[0] ? 'node-a/w0' : 'node-b/w0';
    const other = answers[0] ? 'node-b/w0' : 'node-a/w0';
    t.false(await b.tx((u) => takeClipPutClaim(u, c0!, other, 60_999, 120_000)), 'held until 61 000');
    t.false(await b.tx((u) => takeClipPutClaim(u, c0!, 'node-a/w1', 30_000, 90_000)), 'another worker of the same node is another holder');
    t.true(await a.tx((u) => takeClipPutClaim(u, c0!, holder, 30_000, 90_000)), 'the holder asking again keeps it');
    // Renewed only by its holder.
    t.true(await a.tx((u) => renewClipPutClaim(u, c0!, holder, 100_000)));
    t.false(await a.tx((u) => renewClipPutClaim(u, c0!, other, 200_000)));
    t.deepEqual(await b.tx((u) => clipPutClaimHolder(u, c0!)), { holder, untilMs: 100_000 });
    // The holder stalls past its claim: at its end two others ask at once; one takes it; the old holder cannot renew it back.
    const c = await again(t, a);
    const [x, y] = await Promise.all([a.tx((u) => takeClipPutClaim(u, c0!, 'node-c/w0', 100_000, 160_000)), c.tx((u) => takeClipPutClaim(u, c0!, 'node-d/w0', 100_000, 160_000))]);
    t.is([x, y].filter(Boolean).length, 1, 'exactly one node takes a claim that ran out');
    const winner = x ? 'node-c/w0' : 'node-d/w0';
    t.false(await b.tx((u) => renewClipPutClaim(u, c0!, holder, 300_000)), 'the old holder does not renew a claim taken over');
    t.deepEqual(await b.tx((u) => clipPutClaimHolder(u, c0!)), { holder: winner, untilMs: 160_000 });
    // Released by another than the holder: stays. By the holder: free at once.
    await a.tx((u) => releaseClipPutClaim(u, c0!, holder, 0));
    t.is((await a.tx((u) => clipPutClaimHolder(u, c0!)))!.holder, winner, 'only the holder releases');
    await c.tx((u) => releaseClipPutClaim(u, c0!, winner, 0));
    t.is(await a.tx((u) => clipPutClaimHolder(u, c0!)), undefined, 'released');
    t.true(await b.tx((u) => takeClipPutClaim(u, c0!, other, 170_000, 230_000)), 'a released clip is taken at once');
    // Claims that ran out before the stale mark (nodes that died mid-put) go with any release; live ones stay.
    t.true(await a.tx((u) => takeClipPutClaim(u, 'clip-live', 'node-a/w0', 170_000, 500_000)));
    await b.tx((u) => releaseClipPutClaim(u, c0!, other, 62_000));
    for (const k of clips.slice(1)) t.is(await a.tx((u) => clipPutClaimHolder(u, k)), undefined, `${k}: ran out at 61 000, dropped`);
    t.is((await a.tx((u) => clipPutClaimHolder(u, 'clip-live')))!.holder, 'node-a/w0', 'a live claim stays');
  });
}
