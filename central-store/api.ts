// The store's HTTP API (node:http, or https when a certificate is configured). Bearer sessions from
// POST /login; every route calls central-store/operations.ts, which checks the role and writes the
// access-log entry before anything is sent. Routes and status codes: docs/central-store.md.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createLogger, type Logger } from '../shared/log.js';
import { routes, type Ctx } from './api-routes.js';
import { LoginGuard, LoginRefused, sourceKey, type LoginGuardOptions } from './login-guard.js';
import { OpError, SYSTEM, type ErrCode, type Operations } from './operations.js';
import { SessionBook } from './web/sessions.js';

export const STATUS: Record<ErrCode, number> = {
  'bad-input': 400, unauthenticated: 401, forbidden: 403, disabled: 403, 'not-found': 404, 'on-hold': 409, conflict: 409,
  // corrupt: the stored evidence failed verification — a server-side integrity fault, named as such.
  'key-destroyed': 410, gone: 410, locked: 423, corrupt: 500, 'log-failed': 500, internal: 500,
};

export interface ApiOptions {
  ops: Operations;
  /** Where police exports and DSAR copies are written. */
  exportsDir: string;
  sessionTtlMs?: number;
  now?: () => number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  maxBodyBytes?: number;
  log?: Logger;
  /** Login throttling and the scrypt work queue (login-guard.ts); defaults LOGIN_GUARD_DEFAULTS. */
  login?: Partial<LoginGuardOptions>;
  /** The evidence office in the browser (central-store/web/office.ts), served under /office on this server and login guard. */
  office?: (d: OfficeDeps) => (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>;
}

/** What the web office shares with the API: the one login guard, and whether the server runs TLS. */
export interface OfficeDeps { guard: LoginGuard; secure: boolean; noteRefusal(code: 'throttled' | 'busy'): void; /** Where export packages are written (the API's). */ exportsDir: string }

export interface Api { server: http.Server; guard: LoginGuard; listen(port: number, host?: string): Promise<number>; close(): Promise<void> }

/** Failed password checks that count towards a source's delay: the 401 answer, not bad input (and not the right password for a locked or disabled account). */
export const countsAsFailure = (err: unknown) => err instanceof OpError && err.code === 'unauthenticated';


export function createApi(o: ApiOptions): Api {
  const now = o.now ?? Date.now;
  const ttl = o.sessionTtlMs ?? 30 * 60 * 1000;
  const log = o.log ?? createLogger('store-api');
  // In the index (only the token's hash), so a restart or another central node keeps the session; no idle timeout.
  const sessions = new SessionBook(o.ops.index, 'api', { absoluteMs: ttl, idleMs: Number.MAX_SAFE_INTEGER, maxSessions: 100_000 }, now);
  const guard = new LoginGuard(o.login, now);
  // Entries the API writes on its own (throttling, refusals): not awaited by the request, awaited by close().
  const pending = new Set<Promise<void>>();
  const audit = (action: string, criterion: unknown, reason: string) => {
    const p = o.ops.log.append({ user: SYSTEM, action, criterion: JSON.stringify(criterion), outcome: 'ok', reason })
      .then(() => undefined, (err) => { log.error({ err: String(err) }, 'access log write failed'); })
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  guard.onDelay = (source, failures, delayMs) => audit('login-throttle', { source, failures, delayMs }, `${failures} failed logins from ${source}: next check not before ${delayMs} ms`);
  // Refusals before any check are counted, and summarised in the log at most once a minute.
  let refusedAt = -Infinity; const refused = { throttled: 0, busy: 0 };
  const flushRefusals = () => {
    if (!refused.throttled && !refused.busy) return;
    audit('login-refused', { ...refused }, 'logins refused before any password check since the last such entry (throttled: per source; busy: queue full)');
    refusedAt = now(); refused.throttled = 0; refused.busy = 0;
  };
  const noteRefusal = (code: 'throttled' | 'busy') => {
    refused[code]++;
    if (now() - refusedAt >= 60_000) flushRefusals();
  };

  const office = o.office?.({ guard, secure: !!o.tls, noteRefusal, exportsDir: o.exportsDir });

  const send = (res: http.ServerResponse, status: number, body?: unknown) => {
    if (body === undefined) { res.writeHead(status).end(); return; }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'cache-control': 'no-store' }).end(text);
  };
  const sendError = (res: http.ServerResponse, err: unknown) => {
    const e = err instanceof OpError ? err : new OpError('internal', 'internal error');
    if (!(err instanceof OpError) || e.code === 'internal' || e.code === 'log-failed' || e.code === 'corrupt') log.error({ err: String(err) }, 'request failed');
    send(res, STATUS[e.code], { error: e.code, message: e.message });
  };

  const readBody = async (req: http.IncomingMessage): Promise<Buffer | undefined> => {
    const max = o.maxBodyBytes ?? 64 * 1024;
    const parts: Buffer[] = [];
    let n = 0;
    for await (const c of req) {
      n += (c as Buffer).length;
      if (n > max) throw new OpError('bad-input', `body: larger than ${max} bytes`);
      parts.push(c as Buffer);
    }
    return n ? Buffer.concat(parts) : undefined;
  };
  const parseJson = (raw: Buffer | undefined): unknown => {
    if (!raw) return undefined;
    try { return JSON.parse(raw.toString('utf8')); } catch { throw new OpError('bad-input', 'body: not valid JSON'); }
  };

  const bearer = (req: http.IncomingMessage) => /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(req.headers.authorization ?? '')?.[1];
  const session = async (req: http.IncomingMessage): Promise<string | undefined> => {
    const s = await sessions.get(bearer(req));
    return typeof s === 'object' ? s.username : undefined;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://store');
    if (office && (url.pathname === '/office' || url.pathname.startsWith('/office/'))) return office(req, res, url);
    const raw = req.method === 'GET' ? undefined : await readBody(req);
    if (req.method === 'POST' && url.pathname === '/login') {
      const b = (parseJson(raw) ?? {}) as Record<string, unknown>;
      let u: { username: string; role: string };
      try {
        u = await guard.check(sourceKey(req.socket.remoteAddress), () => o.ops.login(b.username, b.password), countsAsFailure);
      } catch (err) {
        if (!(err instanceof LoginRefused)) throw err;
        noteRefusal(err.code);
        res.setHeader('retry-after', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
        send(res, err.code === 'busy' ? 503 : 429, { error: err.code, message: err.message, retryAfterMs: err.retryAfterMs });
        return;
      }
      const { token, session: s } = await sessions.create(u.username);
      const expiresAt = s.createdAt + ttl;
      send(res, 200, { token, username: u.username, role: u.role, expiresAt: new Date(expiresAt).toISOString() });
      return;
    }
    const route = routes.find((r) => r.method === req.method && r.path.test(url.pathname));
    if (!route) {
      if (routes.some((r) => r.path.test(url.pathname)) || url.pathname === '/login') {
        send(res, 405, { error: 'method-not-allowed', message: `method ${req.method} not allowed on ${url.pathname}` });
        return;
      }
      throw new OpError('not-found', `no route ${url.pathname}`);
    }
    const user = await session(req);
    if (!user) {
      // A refused attempt is logged like any other refusal.
      await o.ops.log.append({ user: '-', action: route.action, criterion: JSON.stringify({ path: url.pathname }), outcome: 'denied', reason: 'no valid session' });
      throw new OpError('unauthenticated', 'a valid session is required: POST /login, then send Authorization: Bearer <token>');
    }
    if (route.action === 'logout') {
      await sessions.drop(bearer(req));
      send(res, 204);
      return;
    }
    // Input that cannot even be parsed is refused like failed validation: logged (or denied) first.
    let params: string[], body: unknown;
    try {
      params = route.path.exec(url.pathname)!.slice(1).map((p) => {
        try { return decodeURIComponent(p); } catch { throw new OpError('bad-input', `path: ${JSON.stringify(p)} is not valid URL encoding`); }
      });
      body = parseJson(raw);
    } catch (err) { return o.ops.rejectInput(user, route.action, { path: url.pathname }, err as OpError); }
    const query = Object.fromEntries(url.searchParams);
    const ctx: Ctx = { ops: o.ops, user, params, query, body, exportsDir: o.exportsDir };
    const out = await route.run(ctx);
    if (out.stream) {
      const s = out.stream instanceof Readable ? out.stream : Readable.fromWeb(out.stream as import('node:stream/web').ReadableStream);
      res.writeHead(200, { 'content-type': out.contentType ?? 'video/mp2t', 'cache-control': 'no-store', ...(out.filename ? { 'content-disposition': `attachment; filename="${out.filename}"` } : {}) });
      const sent = await pipeline(s, res).then(() => true, async (err) => {
        log.warn({ err: String(err) }, 'stream ended early');
        res.destroy();
        if (out.clipId && out.kind) await o.ops.streamFailed(user, out.kind, out.clipId, err).catch(() => undefined); // already answered
        try { await out.failed?.(err); } catch { /* already answered */ }
        return false;
      });
      if (sent && out.done) await out.done().catch((err) => log.error({ err: String(err) }, 'after-download step failed (the deadline job retries)'));
      return;
    }
    send(res, out.status ?? 200, out.body);
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err) => { if (!res.headersSent) sendError(res, err); else res.destroy(); });
  };
  const server = o.tls ? https.createServer({ cert: o.tls.cert, key: o.tls.key, minVersion: 'TLSv1.2' }, listener) : http.createServer(listener);
  // Node closes an idle keep-alive socket after 5 s and fetch clients reuse one for 4 s: with a loaded
  // event loop the two race and a request goes out on a socket being closed ("fetch failed"). A longer
  // server side keeps the client's own timeout the one that ends the connection.
  server.keepAliveTimeout = 30_000;
  return {
    server,
    guard,
    listen: (port, host = '127.0.0.1') => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    }),
    close: async () => {
      flushRefusals();
      await new Promise<void>((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); });
      await Promise.all(pending);
    },
  };
}
