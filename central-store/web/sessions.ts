// Browser sessions of the evidence office: a random cookie token (only its hash is kept, as the API
// does), a per-session CSRF token, an idle timeout and an absolute lifetime. Bounded: the oldest
// session goes when the table is full. Separate from the API's bearer sessions: neither opens the other.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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

export class SessionBook {
  private readonly map = new Map<string, WebSession>();
  constructor(readonly times: SessionTimes, private readonly now: () => number) {}

  create(username: string): { token: string; session: WebSession } {
    if (this.map.size >= this.times.maxSessions) this.map.delete(this.map.keys().next().value!);
    const token = newToken();
    const t = this.now();
    const session = { username, csrf: newToken(), createdAt: t, lastSeenAt: t };
    this.map.set(key(token), session);
    return { token, session };
  }

  /** The live session for a cookie token (touching it), or why there is none. */
  get(token: string | undefined): WebSession | 'none' | 'expired' {
    if (!token || !TOKEN.test(token)) return 'none';
    const k = key(token);
    const s = this.map.get(k);
    if (!s) return 'none';
    const t = this.now();
    if (t - s.lastSeenAt >= this.times.idleMs || t - s.createdAt >= this.times.absoluteMs) { this.map.delete(k); return 'expired'; }
    s.lastSeenAt = t;
    return s;
  }

  drop(token: string | undefined): void { if (token) this.map.delete(key(token)); }
  get size(): number { return this.map.size; }
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
