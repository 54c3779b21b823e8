// The access log: every use of the store (search, view, export, hold, delete, login, admin action,
// refusal) as an append-only, SHA-256 hash-chained table. Entry format and hash rule: docs/central-store.md.
// Triggers refuse UPDATE, and DELETE except while the purge job holds the gate; verify() catches
// edits made by someone who drops the triggers.
import { createHash } from 'node:crypto';
import { migrate, type Db } from './db.js';

export const ACCESS_LOG_GENESIS = '0'.repeat(64);
export type Outcome = 'ok' | 'denied' | 'error';

export interface AccessEntry {
  seq: number; at: string; user: string; action: string; criterion: string; outcome: Outcome;
  reason: string | null; prevHash: string; hash: string;
}
export interface LogFilter { from?: string; to?: string; user?: string; action?: string; clipId?: string; limit: number; offset?: number }
export type AccessEntryIn = Pick<AccessEntry, 'user' | 'action' | 'criterion' | 'outcome'> & { reason?: string | null };

const MIGRATION = `
CREATE TABLE access_log (
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL, criterion TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok','denied','error')), reason TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX access_log_at ON access_log(at);
CREATE TABLE access_log_anchor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
CREATE TABLE access_log_gate (id INTEGER PRIMARY KEY CHECK (id = 1), open INTEGER NOT NULL);
INSERT INTO access_log_gate (id, open) VALUES (1, 0);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
  BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log WHEN (SELECT open FROM access_log_gate WHERE id = 1) = 0
  BEGIN SELECT RAISE(ABORT, 'access log entries are removed only by the purge job'); END;
`;

/** The bytes hashed for an entry: a JSON array in a fixed order (docs/central-store.md). */
export function canonical(e: Omit<AccessEntry, 'hash'>): string {
  return JSON.stringify([1, e.seq, e.at, e.user, e.action, e.criterion, e.outcome, e.reason, e.prevHash]);
}
export function accessEntryHash(e: Omit<AccessEntry, 'hash'>): string {
  return createHash('sha256').update(canonical(e), 'utf8').digest('hex');
}

interface Row { seq: number; at: string; user: string; action: string; criterion: string; outcome: Outcome; reason: string | null; prev_hash: string; hash: string }
const fromRow = (r: Row): AccessEntry => ({ seq: r.seq, at: r.at, user: r.user, action: r.action, criterion: r.criterion, outcome: r.outcome, reason: r.reason, prevHash: r.prev_hash, hash: r.hash });

export interface VerifyResult { ok: boolean; entries: number; firstSeq: number | null; lastSeq: number | null; anchor: { seq: number; hash: string } | null; badSeq?: number; reason?: string }

/** Months back from `now` (calendar months, UTC). */
export function monthsBefore(now: number, months: number): number {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.getTime();
}

export class AccessLog {
  private readonly now: () => number;
  constructor(private readonly db: Db, opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
    migrate(db, 'access-log-1', MIGRATION);
  }

  private head(): { seq: number; hash: string } {
    const last = this.db.prepare('SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    return last ?? (this.db.prepare('SELECT seq, hash FROM access_log_anchor WHERE id = 1').get() as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: ACCESS_LOG_GENESIS };
  }

  private insert(e: AccessEntryIn): AccessEntry {
    const h = this.head();
    const base = { seq: h.seq + 1, at: new Date(this.now()).toISOString(), user: e.user, action: e.action, criterion: e.criterion, outcome: e.outcome, reason: e.reason ?? null, prevHash: h.hash };
    const entry = { ...base, hash: accessEntryHash(base) };
    this.db.prepare('INSERT INTO access_log (seq, at, user, action, criterion, outcome, reason, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(entry.seq, entry.at, entry.user, entry.action, entry.criterion, entry.outcome, entry.reason, entry.prevHash, entry.hash);
    return entry;
  }

  /** Append one entry durably (synchronous=FULL); throws if it cannot be written. */
  append(e: AccessEntryIn): AccessEntry {
    if (this.db.inTransaction) return this.insert(e);
    return this.db.transaction(() => this.insert(e)).immediate();
  }

  entries(opts: { sinceSeq?: number; limit?: number } = {}): AccessEntry[] {
    return (this.db.prepare('SELECT * FROM access_log WHERE seq > ? ORDER BY seq LIMIT ?').all(opts.sinceSeq ?? 0, opts.limit ?? -1) as Row[]).map(fromRow);
  }

  /** Entries whose criterion contains `text` (e.g. a quoted clip id: a clip's chain of custody), oldest first. */
  mentioning(text: string, limit = 500): AccessEntry[] {
    return (this.db.prepare('SELECT * FROM access_log WHERE instr(criterion, ?) > 0 ORDER BY seq LIMIT ?').all(text, limit) as Row[]).map(fromRow);
  }

  /**
   * Entries for the audit page, newest first: by time (`at` in [from, to)), user, action, and clip
   * (the quoted clip id in the criterion, as the clip page's chain of custody).
   */
  query(f: LogFilter): AccessEntry[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.from) { where.push('at >= ?'); args.push(f.from); }
    if (f.to) { where.push('at < ?'); args.push(f.to); }
    if (f.user) { where.push('user = ?'); args.push(f.user); }
    if (f.action) { where.push('action = ?'); args.push(f.action); }
    if (f.clipId) { where.push('instr(criterion, ?) > 0'); args.push(`"clipId":${JSON.stringify(f.clipId)}`); }
    return (this.db.prepare(`SELECT * FROM access_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ? OFFSET ?`)
      .all(...args, f.limit, f.offset ?? 0) as Row[]).map(fromRow);
  }

  /** Walk the chain from the anchor (or genesis); names the first entry that does not fit. */
  verify(): VerifyResult {
    const anchor = (this.db.prepare('SELECT seq, hash FROM access_log_anchor WHERE id = 1').get() as { seq: number; hash: string } | undefined) ?? null;
    let prev = anchor ?? { seq: 0, hash: ACCESS_LOG_GENESIS };
    let n = 0;
    let firstSeq: number | null = null;
    const res = (extra: Partial<VerifyResult>): VerifyResult => ({ ok: true, entries: n, firstSeq, lastSeq: n ? prev.seq : null, anchor, ...extra });
    for (const r of this.db.prepare('SELECT * FROM access_log ORDER BY seq').iterate() as IterableIterator<Row>) {
      const e = fromRow(r);
      firstSeq ??= e.seq;
      if (e.seq !== prev.seq + 1) return res({ ok: false, badSeq: e.seq, reason: `seq ${e.seq} follows ${prev.seq} (entries missing)` });
      if (e.prevHash !== prev.hash) return res({ ok: false, badSeq: e.seq, reason: `seq ${e.seq}: prevHash does not match the hash of seq ${prev.seq}` });
      if (accessEntryHash(e) !== e.hash) return res({ ok: false, badSeq: e.seq, reason: `seq ${e.seq}: hash does not match its content` });
      prev = { seq: e.seq, hash: e.hash };
      n++;
    }
    return res({});
  }

  /**
   * Delete the oldest entries older than `months` (default 6): the longest prefix of the chain whose
   * times are all before the cut-off, so the rest stays one unbroken chain. The last deleted entry's
   * seq and hash become the anchor; the purge then logs itself. All in one transaction.
   */
  purge(by: string, months = 6): { deleted: number; cutoff: string; throughSeq: number | null; entry: AccessEntry } {
    const cutoff = new Date(monthsBefore(this.now(), months)).toISOString();
    return this.db.transaction(() => {
      const firstKept = this.db.prepare('SELECT MIN(seq) AS s FROM access_log WHERE at >= ?').get(cutoff) as { s: number | null };
      const last = this.db.prepare(firstKept.s === null ? 'SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1'
        : 'SELECT seq, hash FROM access_log WHERE seq < ? ORDER BY seq DESC LIMIT 1').get(...(firstKept.s === null ? [] : [firstKept.s])) as { seq: number; hash: string } | undefined;
      let deleted = 0;
      if (last) {
        this.db.prepare('UPDATE access_log_gate SET open = 1 WHERE id = 1').run();
        deleted = this.db.prepare('DELETE FROM access_log WHERE seq <= ?').run(last.seq).changes;
        this.db.prepare('UPDATE access_log_gate SET open = 0 WHERE id = 1').run();
        this.db.prepare('INSERT INTO access_log_anchor (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash').run(last.seq, last.hash);
      }
      const entry = this.insert({ user: by, action: 'log-purge', criterion: JSON.stringify({ olderThan: cutoff, deleted, throughSeq: last?.seq ?? null }), outcome: 'ok' });
      return { deleted, cutoff, throughSeq: last?.seq ?? null, entry };
    }).immediate();
  }
}
