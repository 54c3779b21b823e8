// Sessions of the evidence office (cookie) and the API (bearer token): a random token (only its hash is
// kept, in the index's `sessions` table), a per-session CSRF token, an idle timeout and an absolute
// lifetime. Bounded: the oldest session goes when the table is full. Office and API sessions are
// separate kinds: neither opens the other.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Index } from '../index/port.js';
import { countSessions, deleteExpiredSessions, deleteSession, insertSession, keepNewestSessions, sessionByHash, touchSession, type SessionKind } from '../index/tables/sessions.js';

export interface WebSession { username: string; csrf: string; createdAt: number; lastSeenAt: number }
export interface SessionTimes { idleMs: number; absoluteMs: number; maxSessions: number }
export const SESSION_DEFAULTS: SessionTimes = { idleMs: 15 * 60_000, absoluteMs: 8 * 3_600_000, maxSessions: 10_000 };

const key = (token: string) => createHash('sha256').update(token).digest('hex');
export const newToken = () => randomBytes(32).toString('base64url');
export const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Sessions of one kind ('api' bearer tokens, 'office' cookies) in the index: a restart, or a request
 * landing on another central node, finds them. Bounded: expired ones are removed when a session is made,
 * and the oldest go when `maxSessions` is reached.
 */
export class SessionBook {
  constructor(private readonly index: Index, readonly kind: SessionKind, readonly times: SessionTimes, private readonly now: () => number) {}

  async create(username: string): Promise<{ token: string; session: WebSession }> {
    const token = newToken();
    const t = this.now();
    const session = { username, csrf: newToken(), createdAt: t, lastSeenAt: t };
    await this.index.tx(async (u) => {
      await deleteExpiredSessions(u, this.kind, t, t - this.times.idleMs);
      await keepNewestSessions(u, this.kind, this.times.maxSessions - 1);
      await insertSession(u, { tokenHash: key(token), kind: this.kind, username, csrf: session.csrf, createdAt: t, lastSeenAt: t, expiresAt: t + this.times.absoluteMs });
    });
    return { token, session };
  }

  /** The live session for a token (touching it), or why there is none. */
  async get(token: string | undefined): Promise<WebSession | 'none' | 'expired'> {
    if (!token || !TOKEN.test(token)) return 'none';
    const k = key(token);
    return this.index.tx(async (u) => {
      const s = await sessionByHash(u, this.kind, k);
      if (!s) return 'none';
      const t = this.now();
      if (t - s.lastSeenAt >= this.times.idleMs || t >= s.expiresAt) { await deleteSession(u, k); return 'expired'; }
      await touchSession(u, k, t);
      return { username: s.username, csrf: s.csrf ?? '', createdAt: s.createdAt, lastSeenAt: t };
    });
  }

  async drop(token: string | undefined): Promise<void> { if (token) await this.index.tx((u) => deleteSession(u, key(token))); }
  size(): Promise<number> { return this.index.tx((u) => countSessions(u, this.kind)); }
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').slice(0, 8192).split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** A Set-Cookie value: HttpOnly, SameSite=Strict, Path=/office, and Secure when served over TLS. */
export function cookie(name: string, value: string, o: { secure: boolean; maxAgeS?: number }): string {
  return [`${name}=${value}`, 'Path=/office', 'HttpOnly', 'SameSite=Strict', ...(o.secure ? ['Secure'] : []), ...(o.maxAgeS !== undefined ? [`Max-Age=${o.maxAgeS}`] : [])].join('; ');
}
