// Owner of `access_log`, `access_log_anchor` and `access_log_gate`: the hash-chained access log's rows.
// The table refuses UPDATE, and DELETE unless the purge job holds the gate open (a trigger on each
// backend). Appends are serialized in the database: each one first locks the gate row (PostgreSQL
// `FOR UPDATE`; sqlite units are already serial, BEGIN IMMEDIATE), so writers on different central
// nodes extend one chain. The hash rule lives in ../../access-log.ts.
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

export const ACCESS_LOG_MIGRATIONS: Migration[] = [
  { name: 'access-log-1',
    sqlite: `
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
`,
    pg: `
CREATE TABLE access_log (
  seq BIGINT PRIMARY KEY, at TEXT NOT NULL, "user" TEXT NOT NULL, action TEXT NOT NULL, criterion TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok','denied','error')), reason TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX access_log_at ON access_log(at);
CREATE TABLE access_log_anchor (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE access_log_gate (id INTEGER PRIMARY KEY CHECK (id = 1), open INTEGER NOT NULL);
INSERT INTO access_log_gate (id, open) VALUES (1, 0);
CREATE FUNCTION access_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION 'access log is append-only'; END IF;
  IF (SELECT open FROM access_log_gate WHERE id = 1) = 0 THEN RAISE EXCEPTION 'access log entries are removed only by the purge job'; END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log FOR EACH ROW EXECUTE FUNCTION access_log_guard();
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log FOR EACH ROW EXECUTE FUNCTION access_log_guard();
` },
];

export type Outcome = 'ok' | 'denied' | 'error';
export interface LogRow { seq: number; at: string; user: string; action: string; criterion: string; outcome: Outcome; reason: string | null; prevHash: string; hash: string }
export interface LogFilter { from?: string; to?: string; user?: string; action?: string; clipId?: string; limit: number; offset?: number }

type Raw = { seq: number | string; at: string; user: string; action: string; criterion: string; outcome: Outcome; reason: string | null; prev_hash: string; hash: string };
const fromRaw = (r: Raw): LogRow => ({ seq: Number(r.seq), at: r.at, user: r.user, action: r.action, criterion: r.criterion, outcome: r.outcome, reason: r.reason, prevHash: r.prev_hash, hash: r.hash });
const COLS = 'seq, at, "user", action, criterion, outcome, reason, prev_hash, hash';
const contains = (u: Unit) => (u.dialect === 'pg' ? 'strpos(criterion, ?) > 0' : 'instr(criterion, ?) > 0');

/**
 * Take the log's append lock for the rest of the unit: every append and the purge take it first, so
 * concurrent writers (other connections, other nodes) wait and then see the head this one wrote.
 */
export async function lockLog(u: Unit): Promise<void> {
  if (u.dialect === 'pg') await u.get('SELECT open FROM access_log_gate WHERE id = 1 FOR UPDATE');
}

/** The last entry's seq and hash, else the anchor's, else none (call after lockLog). */
export async function logHead(u: Unit): Promise<{ seq: number; hash: string } | undefined> {
  const last = await u.get<{ seq: number | string; hash: string }>('SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1')
    ?? await u.get<{ seq: number | string; hash: string }>('SELECT seq, hash FROM access_log_anchor WHERE id = 1');
  return last && { seq: Number(last.seq), hash: last.hash };
}

export async function insertEntry(u: Unit, e: LogRow): Promise<void> {
  await u.run('INSERT INTO access_log (seq, at, "user", action, criterion, outcome, reason, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [e.seq, e.at, e.user, e.action, e.criterion, e.outcome, e.reason, e.prevHash, e.hash]);
}

/** Entries after `sinceSeq`, oldest first (all when no limit). */
export async function entriesSince(u: Unit, sinceSeq: number, limit?: number): Promise<LogRow[]> {
  const rows = await u.all<Raw>(`SELECT ${COLS} FROM access_log WHERE seq > ? ORDER BY seq${limit === undefined ? '' : ' LIMIT ?'}`, limit === undefined ? [sinceSeq] : [sinceSeq, limit]);
  return rows.map(fromRaw);
}

/** Entries whose criterion contains `text`, oldest first. */
export async function entriesMentioning(u: Unit, text: string, limit: number): Promise<LogRow[]> {
  return (await u.all<Raw>(`SELECT ${COLS} FROM access_log WHERE ${contains(u)} ORDER BY seq LIMIT ?`, [text, limit])).map(fromRaw);
}

/** The audit page's filter, newest first. */
export async function queryEntries(u: Unit, f: LogFilter): Promise<LogRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.from) { where.push('at >= ?'); args.push(f.from); }
  if (f.to) { where.push('at < ?'); args.push(f.to); }
  if (f.user) { where.push('"user" = ?'); args.push(f.user); }
  if (f.action) { where.push('action = ?'); args.push(f.action); }
  if (f.clipId) { where.push(contains(u)); args.push(`"clipId":${JSON.stringify(f.clipId)}`); }
  return (await u.all<Raw>(`SELECT ${COLS} FROM access_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ? OFFSET ?`,
    [...args, f.limit, f.offset ?? 0])).map(fromRaw);
}

export async function logAnchor(u: Unit): Promise<{ seq: number; hash: string } | null> {
  const a = await u.get<{ seq: number | string; hash: string }>('SELECT seq, hash FROM access_log_anchor WHERE id = 1');
  return a ? { seq: Number(a.seq), hash: a.hash } : null;
}

/** The last entry before `cutoff` such that every entry up to it is older (the prefix the purge may remove). */
export async function purgeablePrefixEnd(u: Unit, cutoff: string): Promise<{ seq: number; hash: string } | undefined> {
  const firstKept = await u.get<{ s: number | string | null }>('SELECT MIN(seq) AS s FROM access_log WHERE at >= ?', [cutoff]);
  const s = firstKept?.s ?? null;
  const last = s === null ? await u.get<{ seq: number | string; hash: string }>('SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1')
    : await u.get<{ seq: number | string; hash: string }>('SELECT seq, hash FROM access_log WHERE seq < ? ORDER BY seq DESC LIMIT 1', [Number(s)]);
  return last && { seq: Number(last.seq), hash: last.hash };
}

/** Delete entries up to `seq` through the gate, and make that entry the anchor. */
export async function cutPrefix(u: Unit, last: { seq: number; hash: string }): Promise<number> {
  await u.run('UPDATE access_log_gate SET open = 1 WHERE id = 1');
  const deleted = (await u.run('DELETE FROM access_log WHERE seq <= ?', [last.seq])).changes;
  await u.run('UPDATE access_log_gate SET open = 0 WHERE id = 1');
  await u.run('INSERT INTO access_log_anchor (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash', [last.seq, last.hash]);
  return deleted;
}

/** The review's figures: entries past `cutoff`. */
export function accessLogCensus(u: Unit, cutoff: string): Promise<Census> { return censusOf(u, 'access_log', 'at', cutoff); }
