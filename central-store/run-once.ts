// Jobs that must run once across central nodes run under a lease in the index (index/tables/job-leases.ts),
// never by "start it on one node only". The lease is renewed while the job runs, so a long sweep keeps
// it; a node that dies stops renewing and another node takes the job over when the lease runs out.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Index } from './index/port.js';
import { leaseHolder, releaseLease, takeLease } from './index/tables/job-leases.js';

/** This process's name in the lease table. */
export const NODE_ID = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

export type OnceResult<T> = { ran: true; result: T } | { ran: false; heldBy: string };

/**
 * Run `fn` if this node gets the lease on `job`; otherwise report who holds it. The lease lasts `ttlMs`
 * and is renewed every ttlMs/3 while `fn` runs; it is released when `fn` ends (either way).
 */
export async function runOnce<T>(index: Index, job: string, fn: () => Promise<T>, o: { holder?: string; ttlMs?: number; now?: () => number } = {}): Promise<OnceResult<T>> {
  const holder = o.holder ?? NODE_ID;
  const ttl = o.ttlMs ?? 10 * 60_000;
  const now = o.now ?? Date.now;
  const take = () => { const t = now(); return index.tx((u) => takeLease(u, job, holder, t, t + ttl)); };
  if (!await take()) return { ran: false, heldBy: (await index.tx((u) => leaseHolder(u, job)))?.holder ?? 'another node' };
  const renew = setInterval(() => { take().catch(() => undefined); }, Math.max(1000, Math.floor(ttl / 3)));
  renew.unref();
  try {
    return { ran: true, result: await fn() };
  } finally {
    clearInterval(renew);
    await index.tx((u) => releaseLease(u, job, holder)).catch(() => undefined);
  }
}
