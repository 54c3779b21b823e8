// The access log: every use of the store (search, view, export, hold, delete, login, admin action,
// refusal) as an append-only, SHA-256 hash-chained table behind the index port (owner:
// index/tables/access-log.ts). Entry format and hash rule: docs/central-store.md. The table refuses
// UPDATE, and DELETE except while the purge job holds the gate; verify() catches edits made by someone
// who drops the triggers. Appends lock the log in the database, so several nodes extend one chain.
import { createHash } from 'node:crypto';
import type { Index, Unit } from './index/port.js';
import {
  cutPrefix, entriesMentioning, entriesSince, insertEntry, lockLog, logAnchor, logHead, purgeablePrefixEnd, queryEntries, type LogFilter, type Outcome,
} from './index/tables/access-log.js';

export type { LogFilter, Outcome } from './index/tables/access-log.js';
export const ACCESS_LOG_GENESIS = '0'.repeat(64);

export interface AccessEntry {
  seq: number; at: string; user: string; action: string; criterion: string; outcome: Outcome;
  reason: string | null; prevHash: string; hash: string;
}
export type AccessEntryIn = Pick<AccessEntry, 'user' | 'action' | 'criterion' | 'outcome'> & { reason?: string | null };

/** The bytes hashed for an entry: a JSON array in a fixed order (docs/central-store.md). */
export function canonical(e: Omit<AccessEntry, 'hash'>): string {
  return JSON.stringify([1, e.seq, e.at, e.user, e.action, e.criterion, e.outcome, e.reason, e.prevHash]);
}
export function accessEntryHash(e: Omit<AccessEntry, 'hash'>): string {
  return createHash('sha256').update(canonical(e), 'utf8').digest('hex');
}

export interface VerifyResult { ok: boolean; entries: number; firstSeq: number | null; lastSeq: number | null; anchor: { seq: number; hash: string } | null; badSeq?: number; reason?: string }

/** Months back from `now` (calendar months, UTC). */
export function monthsBefore(now: number, months: number): number {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.getTime();
}

/** Entries verify() reads per unit: memory stays bounded on a long log. */
const VERIFY_BATCH = 2000;

export class AccessLog {
  private readonly now: () => number;
  /** The index must have MIGRATIONS applied (openIndex does it). */
  constructor(readonly index: Index, opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
  }

  /** Append one entry inside `u` (it commits with the unit); the log stays locked until the unit ends. */
  async appendIn(u: Unit, e: AccessEntryIn): Promise<AccessEntry> {
    await lockLog(u);
    const h = await logHead(u) ?? { seq: 0, hash: ACCESS_LOG_GENESIS };
    const base = { seq: h.seq + 1, at: new Date(this.now()).toISOString(), user: e.user, action: e.action, criterion: e.criterion, outcome: e.outcome, reason: e.reason ?? null, prevHash: h.hash };
    const entry = { ...base, hash: accessEntryHash(base) };
    await insertEntry(u, entry);
    return entry;
  }

  /** Append one entry durably in its own unit; throws if it cannot be written. */
  append(e: AccessEntryIn): Promise<AccessEntry> {
    return this.index.tx((u) => this.appendIn(u, e));
  }

  entries(opts: { sinceSeq?: number; limit?: number } = {}): Promise<AccessEntry[]> {
    return this.index.tx((u) => entriesSince(u, opts.sinceSeq ?? 0, opts.limit));
  }

  /** Entries whose criterion contains `text` (e.g. a quoted clip id: a clip's chain of custody), oldest first. */
  mentioning(text: string, limit = 500): Promise<AccessEntry[]> {
    return this.index.tx((u) => entriesMentioning(u, text, limit));
  }

  /**
   * Entries for the audit page, newest first: by time (`at` in [from, to)), user, action, and clip
   * (the quoted clip id in the criterion, as the clip page's chain of custody).
   */
  query(f: LogFilter): Promise<AccessEntry[]> {
    return this.index.tx((u) => queryEntries(u, f));
  }

  /** Walk the chain from the anchor (or genesis); names the first entry that does not fit. One snapshot, read in batches. */
  verify(): Promise<VerifyResult> {
    return this.index.tx(async (u) => {
      // One snapshot on PostgreSQL too: a purge committing mid-walk must not look like missing entries.
      if (u.dialect === 'pg') await u.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const anchor = await logAnchor(u);
      let prev = anchor ?? { seq: 0, hash: ACCESS_LOG_GENESIS };
      let n = 0;
      let firstSeq: number | null = null;
      const res = (extra: Partial<VerifyResult>): VerifyResult => ({ ok: true, entries: n, firstSeq, lastSeq: n ? prev.seq : null, anchor, ...extra });
      for (let after = Number.MIN_SAFE_INTEGER; ;) {
        const batch = await entriesSince(u, after, VERIFY_BATCH);
        for (const e of batch) {
          firstSeq ??= e.seq;
          if (e.seq !== prev.seq + 1) return res({ ok: false, badSeq: e.seq, reason: `seq ${e.seq} follows ${prev.seq} (entries missing)` });
          if (e.prevHash !== prev.hash) return res({ ok: false, badSeq: e.seq, reason: `seq ${e.seq}: prevHash does not match the hash of seq ${prev.seq}` });
          if (accessEntryHash(e) !== e.hash) return res({ ok: false, badSeq: e.seq, reason: `seq ${e.seq}: hash does not match its content` });
          prev = { seq: e.seq, hash: e.hash };
          n++;
        }
        if (batch.length < VERIFY_BATCH) return res({});
        after = batch[batch.length - 1].seq;
      }
    });
  }

  /**
   * Delete the oldest entries older than `months` (default 6): the longest prefix of the chain whose
   * times are all before the cut-off, so the rest stays one unbroken chain. The last deleted entry's
   * seq and hash become the anchor; the purge then logs itself. All in one unit.
   */
  purge(by: string, months = 6): Promise<{ deleted: number; cutoff: string; throughSeq: number | null; entry: AccessEntry }> {
    const cutoff = new Date(monthsBefore(this.now(), months)).toISOString();
    return this.index.tx(async (u) => {
      await lockLog(u);
      const last = await purgeablePrefixEnd(u, cutoff);
      const deleted = last ? await cutPrefix(u, last) : 0;
      const entry = await this.appendIn(u, { user: by, action: 'log-purge', criterion: JSON.stringify({ olderThan: cutoff, deleted, throughSeq: last?.seq ?? null }), outcome: 'ok' });
      return { deleted, cutoff, throughSeq: last?.seq ?? null, entry };
    });
  }
}
