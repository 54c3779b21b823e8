// Owner of `job_leases`: which node runs a job that must run once across central nodes (retention
// sweep, record deadlines, access-log purge, epoch keys), and until when. A lease is taken in one
// statement (insert, or take over one that has run out or is already ours), so two nodes asking at once
// cannot both get it; a node that dies mid-job loses it when it runs out.
import type { Migration, Unit } from '../port.js';

const TABLE = (big: string) => `CREATE TABLE job_leases (job TEXT PRIMARY KEY, holder TEXT NOT NULL, until_ms ${big} NOT NULL, taken_at TEXT NOT NULL)`;
export const JOB_LEASES_MIGRATIONS: Migration[] = [{ name: 'job-leases-1', sqlite: TABLE('INTEGER'), pg: TABLE('BIGINT') }];

/** Take or renew the lease on `job` until `untilMs`; true when `holder` has it now. */
export async function takeLease(u: Unit, job: string, holder: string, nowMs: number, untilMs: number): Promise<boolean> {
  return (await u.run(`INSERT INTO job_leases (job, holder, until_ms, taken_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms, taken_at = excluded.taken_at
    WHERE job_leases.until_ms <= ? OR job_leases.holder = excluded.holder`, [job, holder, untilMs, new Date(nowMs).toISOString(), nowMs])).changes === 1;
}

/** Give the lease back (only the holder can). */
export async function releaseLease(u: Unit, job: string, holder: string): Promise<void> {
  await u.run('DELETE FROM job_leases WHERE job = ? AND holder = ?', [job, holder]);
}

export async function leaseHolder(u: Unit, job: string): Promise<{ holder: string; untilMs: number } | undefined> {
  const r = await u.get<{ holder: string; until_ms: number | string }>('SELECT holder, until_ms FROM job_leases WHERE job = ?', [job]);
  return r && { holder: r.holder, untilMs: Number(r.until_ms) };
}
