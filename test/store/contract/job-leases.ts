// Jobs that must run once (runOnce over job_leases) on every index backend: two nodes starting the same
// job at once run it once; a lease that ran out (its node died) is taken over; a long job keeps its lease.
import type { ExecutionContext, TestFn } from 'ava';
import { MIGRATIONS } from '../../../central-store/index/migrations.js';
import type { Index } from '../../../central-store/index/port.js';
import { leaseHolder, takeLease } from '../../../central-store/index/tables/job-leases.js';
import { runOnce } from '../../../central-store/run-once.js';

export function jobLeasesContract(test: TestFn, name: string, ready: (t: ExecutionContext) => Promise<Index>, again: (t: ExecutionContext, ix: Index) => Promise<Index>): void {
  test(`${name}: job leases: two nodes start the same job at once and it runs once; a dead node's lease is taken over`, async (t) => {
    const a = await ready(t);
    await a.migrate(MIGRATIONS);
    const b = await again(t, a);
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const job = async () => { runs++; await gate; return 'swept'; };
    const first = runOnce(a, 'retention', job, { holder: 'node-a' });
    // node-b asks while node-a's sweep is running.
    while (!(await a.tx((u) => leaseHolder(u, 'retention')))) await new Promise((r) => setImmediate(r));
    const second = await runOnce(b, 'retention', job, { holder: 'node-b' });
    t.deepEqual(second, { ran: false, heldBy: 'node-a' });
    release();
    t.deepEqual(await first, { ran: true, result: 'swept' });
    t.is(runs, 1);
    t.is(await a.tx((u) => leaseHolder(u, 'retention')), undefined, 'released when done');
    t.deepEqual(await runOnce(b, 'retention', async () => 'again', { holder: 'node-b' }), { ran: true, result: 'again' }, 'the next run may be on any node');
    // A node that died holding the lease: nobody else runs the job until the lease runs out, then one does.
    t.true(await a.tx((u) => takeLease(u, 'purge', 'node-dead', 1_000, 61_000)));
    t.false(await b.tx((u) => takeLease(u, 'purge', 'node-b', 60_999, 120_000)));
    const [x, y] = await Promise.all([a.tx((u) => takeLease(u, 'purge', 'node-a', 61_000, 121_000)), b.tx((u) => takeLease(u, 'purge', 'node-b', 61_000, 121_000))]);
    t.deepEqual([x, y].filter(Boolean).length, 1, 'exactly one node takes an expired lease over');
    t.true(await a.tx((u) => takeLease(u, 'purge', x ? 'node-a' : 'node-b', 62_000, 122_000)), 'the holder renews');
  });
}
