// Owner of `sessions`: API bearer and office browser sessions, in the index so a restart or a request
// landing on another central node keeps a user signed in. Only the SHA-256 of a session token is kept
// (a copy of the table hands out no live session). Times are epoch milliseconds.
import type { Migration, Unit } from '../port.js';

export const SESSIONS_MIGRATIONS: Migration[] = [
  { name: 'sessions-1',
    sqlite: `CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('api', 'office')), username TEXT NOT NULL, csrf TEXT,
  created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_kind_created ON sessions(kind, created_at)`,
    pg: `CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('api', 'office')), username TEXT NOT NULL, csrf TEXT,
  created_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_kind_created ON sessions(kind, created_at)` },
];

export type SessionKind = 'api' | 'office';
export interface SessionRow { tokenHash: string; kind: SessionKind; username: string; csrf: string | null; createdAt: number; lastSeenAt: number; expiresAt: number }
type Raw = { token_hash: string; kind: SessionKind; username: string; csrf: string | null; created_at: number | string; last_seen_at: number | string; expires_at: number | string };
const fromRaw = (r: Raw): SessionRow => ({ tokenHash: r.token_hash, kind: r.kind, username: r.username, csrf: r.csrf, createdAt: Number(r.created_at), lastSeenAt: Number(r.last_seen_at), expiresAt: Number(r.expires_at) });

export async function insertSession(u: Unit, s: SessionRow): Promise<void> {
  await u.run('INSERT INTO sessions (token_hash, kind, username, csrf, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [s.tokenHash, s.kind, s.username, s.csrf, s.createdAt, s.lastSeenAt, s.expiresAt]);
}
export async function sessionByHash(u: Unit, kind: SessionKind, tokenHash: string): Promise<SessionRow | undefined> {
  const r = await u.get<Raw>('SELECT * FROM sessions WHERE token_hash = ? AND kind = ?', [tokenHash, kind]);
  return r && fromRaw(r);
}
export async function touchSession(u: Unit, tokenHash: string, at: number): Promise<void> {
  await u.run('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?', [at, tokenHash, at]);
}
export async function deleteSession(u: Unit, tokenHash: string): Promise<void> {
  await u.run('DELETE FROM sessions WHERE token_hash = ?', [tokenHash]);
}
/** Remove sessions of `kind` past their end or idle since before `idleBefore`; returns how many. */
export async function deleteExpiredSessions(u: Unit, kind: SessionKind, now: number, idleBefore: number): Promise<number> {
  return (await u.run('DELETE FROM sessions WHERE kind = ? AND (expires_at <= ? OR last_seen_at <= ?)', [kind, now, idleBefore])).changes;
}
/** Remove every session past its absolute end (the record deadlines job; idle ones go when the next session is made). */
export async function deleteEndedSessions(u: Unit, now: number): Promise<number> {
  return (await u.run('DELETE FROM sessions WHERE expires_at <= ?', [now])).changes;
}
export async function countSessions(u: Unit, kind: SessionKind): Promise<number> {
  return Number((await u.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM sessions WHERE kind = ?', [kind]))!.n);
}
/** Remove the oldest sessions of `kind` so that at most `keep` remain. */
export async function keepNewestSessions(u: Unit, kind: SessionKind, keep: number): Promise<number> {
  const n = await countSessions(u, kind);
  if (n <= keep) return 0;
  const old = await u.all<{ token_hash: string }>('SELECT token_hash FROM sessions WHERE kind = ? ORDER BY created_at, token_hash LIMIT ?', [kind, n - keep]);
  for (const r of old) await deleteSession(u, r.token_hash);
  return old.length;
}
