// The evidence office in the browser, served under /office by the store's own HTTP server (api.ts).
// Every action goes through central-store/operations.ts, like the API and the CLI: one permission
// check, one access log. Sign-in goes through the API's login guard (throttle, queue) and
// Operations.login (lockout, one answer for unknown/wrong/locked). Security headers, sessions, CSRF and
// playback: docs/web-office.md.
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { countsAsFailure, STATUS, type OfficeDeps } from '../api.js';
import type { AccessEntry, AccessLog, VerifyResult } from '../access-log.js';
import { exportPath } from '../api-routes.js';
import type { DeletionReceipt } from '../deletion-receipts.js';
import { basename } from 'node:path';
import { fleetPage } from './fleet-page.js';
import { permissionsPage, userPage, usersPage, type CreateForm } from './admin-pages.js';
import { redactionPage } from './redaction-pages.js';
import type { CaseView } from '../redaction/service.js';
import { exportPage, logCsv, logPage, receiptsPage, reviewPage, type ExportDone, type ExportForm, type LogForm } from './audit-pages.js';
import type { ClipInfo, HeaderFacts } from '../evidence.js';
import type { Marker } from '../index/tables/markers.js';
import type { CaseEntry } from '../index/tables/cases.js';

/** ?done=… after a change on the clip page: which confirmation to show. */
const DONE: Record<string, 'holdPlaced' | 'holdLifted' | 'markerAdded' | 'categoryChanged' | 'caseAdded' | 'caseRemoved'> = {
  hold: 'holdPlaced', unhold: 'holdLifted', marker: 'markerAdded', category: 'categoryChanged', 'case-add': 'caseAdded', 'case-remove': 'caseRemoved',
};
import { LoginRefused, sourceKey } from '../login-guard.js';
import { OpError, permissionTable, type Operations } from '../operations.js';
import { can, ROLES, type User, type Users } from '../users.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { ASSETS } from './assets.js';
import { pickLang, STRINGS } from './i18n.js';
import { LIMITS } from '../input-limits.js';
import { SORT_KEYS, casePage, clipPage, errorPage, homePage, loginPage, searchPage, type PageCtx, type SearchForm, type Viewer } from './pages.js';
import { remuxToFmp4 } from './playback.js';
import { cookie, newToken, parseCookies, sameToken, SESSION_DEFAULTS, SessionBook, TOKEN, type SessionTimes, type WebSession } from './sessions.js';

export interface OfficeOptions {
  ops: Operations;
  users: Users;
  log: AccessLog;
  sessions?: Partial<SessionTimes>;
  now?: () => number;
  pageSize?: number;
  ffmpeg?: string;
  logger?: Logger;
}

const SID = 'office_sid';
const PRE = 'office_pre';
const LANG = 'office_lang';
const MAX_FORM = 16 * 1024;
/** The export form lists up to 1000 clip ids. */
const MAX_EXPORT_FORM = 128 * 1024;

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self' blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: under no-referrer a browser sends 'Origin: null' even on same-origin form posts.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'cache-control': 'no-store',
};

/** A refusal the office answers with a page of this status (never a stack or a path). */
class WebError extends Error { constructor(readonly status: number, message: string) { super(message); } }

export function createOffice(o: OfficeOptions) {
  const now = o.now ?? Date.now;
  const logger = o.logger ?? createLogger('office');
  const book = new SessionBook(o.ops.index, 'office', { ...SESSION_DEFAULTS, ...o.sessions }, now);
  const pageSize = o.pageSize ?? 25;
  const lockoutAfter = o.users.maxFailures;

  return (deps: OfficeDeps) => {
    const secure = deps.secure;
    const hsts: Record<string, string> = secure ? { 'strict-transport-security': 'max-age=31536000' } : {};

    const send = (res: http.ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}) => {
      res.writeHead(status, { ...SECURITY_HEADERS, ...hsts, 'content-type': 'text/html; charset=utf-8', ...headers }).end(body);
    };
    const redirect = (res: http.ServerResponse, to: string, headers: Record<string, string | string[]> = {}) => {
      res.writeHead(303, { ...SECURITY_HEADERS, ...hsts, location: to, ...headers }).end();
    };

    const readForm = async (req: http.IncomingMessage, max = MAX_FORM): Promise<Record<string, string>> => {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      const parts: Buffer[] = [];
      let n = 0;
      for await (const c of req) {
        n += (c as Buffer).length;
        if (n > max) throw new WebError(413, 'form too large');
        parts.push(c as Buffer);
      }
      if (n === 0) return {};
      if (type !== 'application/x-www-form-urlencoded') throw new WebError(415, 'forms only (application/x-www-form-urlencoded)');
      return Object.fromEntries(new URLSearchParams(Buffer.concat(parts).toString('utf8')));
    };

    /** Cross-site requests are refused before anything else: Sec-Fetch-Site and Origin must say same-origin. */
    const sameOrigin = (req: http.IncomingMessage): boolean => {
      const site = req.headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin') return false;
      const origin = req.headers.origin;
      if (origin === undefined) return true;
      return origin === `${secure ? 'https' : 'http'}://${req.headers.host ?? ''}`;
    };

    const refuseCsrf = async (user: string, path: string, why: string): Promise<never> => {
      try { await o.log.append({ user, action: 'web-refused', criterion: JSON.stringify({ path }), outcome: 'denied', reason: why }); } catch { /* the refusal stands */ }
      throw new WebError(403, 'csrf');
    };

    const handle = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
      const cookies = parseCookies(req.headers.cookie);
      const lang = pickLang(url.searchParams.get('lang') ?? cookies[LANG], req.headers['accept-language']);
      const t = STRINGS[lang];
      const sid = cookies[SID];
      // Static assets need no session (no index round trip for them).
      const found = url.pathname.startsWith('/office/static/') ? 'none' : await book.get(sid);
      const session = typeof found === 'object' ? found : undefined;
      // Re-read on every request: a role change applies to the next click, a lock or disable ends the session.
      const current = session ? await o.users.get(session.username) : undefined;
      const user = current && !current.lockedAt && !current.disabledAt ? current : undefined;
      if (session && !user) await book.drop(sid);
      const me: Viewer | undefined = session && user ? {
        username: user.username, role: user.role, csrf: session.csrf, canSearch: can(user.role, 'search'), canAudit: can(user.role, 'audit'), canExport: can(user.role, 'export'), canAdmin: can(user.role, 'admin'),
      } : undefined;
      const c: PageCtx = { t, lang, me, path: url.pathname };
      const p = url.pathname;
      const langCookie: Record<string, string> = url.searchParams.has('lang') ? { 'set-cookie': cookie(LANG, lang, { secure, maxAgeS: 365 * 86400 }) } : {};

      try {
        if (req.method === 'GET' && p.startsWith('/office/static/')) {
          const a = ASSETS[p.slice('/office/static/'.length)];
          if (!a) throw new WebError(404, t.notFound);
          if (req.headers['if-none-match'] === a.etag) { res.writeHead(304, { etag: a.etag }).end(); return; }
          res.writeHead(200, { ...SECURITY_HEADERS, ...hsts, 'content-type': a.type, etag: a.etag, 'cache-control': 'no-cache' }).end(a.body);
          return;
        }
        if (req.method === 'GET' && (p === '/office' || p === '/office/')) return redirect(res, me ? (me.canSearch ? '/office/search' : '/office/home') : '/office/login');
        if (p === '/office/login') return await login(req, res, c, cookies, langCookie);

        if (req.method !== 'GET' && req.method !== 'POST') throw new WebError(405, t.notFound);
        if (req.method === 'POST') {
          if (!sameOrigin(req)) await refuseCsrf(me?.username ?? '-', p, `cross-site request (origin ${JSON.stringify(req.headers.origin ?? null)}, sec-fetch-site ${JSON.stringify(req.headers['sec-fetch-site'] ?? null)})`);
        }
        if (!me || !session) {
          if (req.method === 'POST') await refuseCsrf('-', p, 'no valid office session');
          return redirect(res, `/office/login${found === 'expired' ? '?expired=1' : ''}`);
        }
        const form = req.method === 'POST' && !p.endsWith('/play') && !p.endsWith('/preview') ? await readForm(req, p === '/office/export' || p === '/office/redactions' ? MAX_EXPORT_FORM : MAX_FORM) : {};
        if (req.method === 'POST' && !sameToken(form._csrf ?? (req.headers['x-csrf-token'] as string | undefined), session.csrf)) await refuseCsrf(me.username, p, 'missing or wrong CSRF token');

        if (p === '/office/logout' && req.method === 'POST') {
          await book.drop(sid);
          return redirect(res, '/office/login?out=1', { 'set-cookie': cookie(SID, '', { secure, maxAgeS: 0 }) });
        }
        if (p === '/office/lang' && req.method === 'POST') {
          const to = form.to === 'da' ? 'da' : 'en';
          const back = typeof form.back === 'string' && /^\/office\/[A-Za-z0-9/_.:-]*$/.test(form.back) ? form.back : '/office';
          return redirect(res, back, { 'set-cookie': cookie(LANG, to, { secure, maxAgeS: 365 * 86400 }) });
        }
        if (p === '/office/home' && req.method === 'GET') {
          const users = can(me.role as never, 'admin') ? await o.ops.listUsers(me.username) : null;
          if (me.canSearch) return redirect(res, '/office/search');
          const unlocked = /^[a-z0-9._-]{1,64}$/.exec(url.searchParams.get('unlocked') ?? '')?.[0];
          return send(res, 200, homePage(c, { users, message: unlocked ? { kind: 'ok', text: t.unlocked(unlocked) } : undefined }), langCookie);
        }
        const un = /^\/office\/users\/([a-z0-9._-]{1,64})\/unlock$/.exec(p);
        if (un && req.method === 'POST') {
          await o.ops.unlock(me.username, un[1]);
          return redirect(res, `/office/home?unlocked=${encodeURIComponent(un[1])}`);
        }
        if (p.startsWith('/office/admin/')) return await admin(req, res, c, me, p, url, form, langCookie);
        if (p === '/office/search' && req.method === 'GET') return await search(res, c, me, url, langCookie);
        if (p === '/office/audit/log' && req.method === 'GET') return await auditLog(res, c, me, url, langCookie);
        if (p === '/office/audit/verify' && req.method === 'POST') {
          const v = await o.ops.verifyLog(me.username);
          return await auditLog(res, c, me, new URL('/office/audit/log', url), langCookie, v);
        }
        if (p === '/office/audit/log.csv' && req.method === 'GET') {
          const entries = await o.ops.readLog(me.username, { ...logCriteria(url.searchParams, LIMITS.logRows, 0), format: 'csv' }) as AccessEntry[];
          res.writeHead(200, { ...SECURITY_HEADERS, ...hsts, 'content-type': 'text/csv; charset=utf-8',
            'content-disposition': `attachment; filename="access-log-${new Date(now()).toISOString().replace(/[:.]/g, '')}.csv"` }).end(logCsv(entries));
          return;
        }
        if (p === '/office/audit/review' && req.method === 'GET') return send(res, 200, reviewPage(c, await o.ops.review(me.username) as Parameters<typeof reviewPage>[1]), langCookie);
        if (p === '/office/audit/receipts' && req.method === 'GET') {
          return send(res, 200, receiptsPage(c, await o.ops.deletionReceipts(me.username, {}) as DeletionReceipt[]), langCookie);
        }
        if (p === '/office/fleet' && req.method === 'GET') return send(res, 200, fleetPage(c, { ...await o.ops.fleet(me.username), now: now() }), langCookie);
        if (p === '/office/export') return await exportRoute(req, res, c, me, url, form, langCookie);
        if (p.startsWith('/office/redactions')) return await redaction(req, res, c, me, p, url, form, langCookie);
        const dl = /^\/office\/exports\/(\d{1,12})\/package$/.exec(p);
        if (dl && req.method === 'GET') return await download(res, me, Number(dl[1]));
        const k = /^\/office\/cases\/([^/]+?)(\/hold|\/unhold)?$/.exec(p);
        if (k) {
          let caseNumber: string;
          try { caseNumber = decodeURIComponent(k[1]!); } catch { throw new WebError(400, 'bad case number'); }
          const back = `/office/cases/${encodeURIComponent(caseNumber)}`;
          if (k[2] === '/hold' && req.method === 'POST') {
            const r = await o.ops.holdCase(me.username, caseNumber, { reason: form.reason });
            return redirect(res, `${back}?done=hold&n=${r.placed.length}&other=${r.alreadyHeld.filter((x) => x.caseNumber !== caseNumber).length}&failed=${r.failed.length}`);
          }
          if (k[2] === '/unhold' && req.method === 'POST') {
            const r = await o.ops.unholdCase(me.username, caseNumber, { reason: form.reason });
            return redirect(res, `${back}?done=unhold&n=${r.lifted.length}&other=${r.heldElsewhere.length}&failed=${r.failed.length}`);
          }
          if (k[2] || req.method !== 'GET') throw new WebError(405, t.notFound);
          // The case page is a search by case number: logged as one, with the case number as criterion.
          const clips = await o.ops.search(me.username, { caseNumber, limit: String(LIMITS.searchResults) }) as ClipInfo[];
          const q = url.searchParams;
          const num = (x: string) => Math.max(0, Math.min(1e6, Number.parseInt(q.get(x) ?? '0', 10) || 0));
          const done = q.get('done');
          const kind = num('failed') ? 'err' as const : 'ok' as const;
          const message = done === 'hold' ? { kind, text: t.caseHeld(num('n'), num('other'), num('failed')) }
            : done === 'unhold' ? { kind, text: t.caseLifted(num('n'), num('other'), num('failed')) } : undefined;
          return send(res, 200, casePage(c, { caseNumber, clips, canHold: can(me.role as never, 'hold'), message }), langCookie);
        }
        const m = /^\/office\/clips\/([^/]+)(\/play|\/hold|\/unhold|\/markers|\/category|\/cases|\/uncase)?$/.exec(p);
        if (m) {
          let id: string;
          try { id = decodeURIComponent(m[1]); } catch { throw new WebError(400, 'bad clip id'); }
          if (!m[2] && req.method === 'GET') return await clip(res, c, me, id, url, langCookie);
          if (m[2] === '/play' && req.method === 'POST') return await play(res, me, id);
          if (m[2] === '/hold' && req.method === 'POST') {
            await o.ops.hold(me.username, id, { reason: form.reason, caseNumber: form.caseNumber });
            return redirect(res, `/office/clips/${encodeURIComponent(id)}?done=hold`);
          }
          if (m[2] === '/markers' && req.method === 'POST') {
            // The form gives seconds from the start (the player's position); the operation takes whole ms.
            const sec = Number(form.offset);
            const offsetMs = form.offset?.trim() && Number.isFinite(sec) ? Math.round(sec * 1000) : form.offset;
            await o.ops.addMarker(me.username, id, { offsetMs, note: form.note });
            return redirect(res, `/office/clips/${encodeURIComponent(id)}?done=marker`);
          }
          if (m[2] === '/category' && req.method === 'POST') {
            await o.ops.setCategory(me.username, id, { purpose: form.purpose, reason: form.reason });
            return redirect(res, `/office/clips/${encodeURIComponent(id)}?done=category`);
          }
          if (m[2] === '/cases' && req.method === 'POST') {
            await o.ops.addToCase(me.username, id, { caseNumber: form.caseNumber });
            return redirect(res, `/office/clips/${encodeURIComponent(id)}?done=case-add`);
          }
          if (m[2] === '/uncase' && req.method === 'POST') {
            await o.ops.removeFromCase(me.username, id, { caseNumber: form.caseNumber, reason: form.reason });
            return redirect(res, `/office/clips/${encodeURIComponent(id)}?done=case-remove`);
          }
          if (m[2] === '/unhold' && req.method === 'POST') {
            await o.ops.unhold(me.username, id, { reason: form.reason });
            return redirect(res, `/office/clips/${encodeURIComponent(id)}?done=unhold`);
          }
        }
        throw new WebError(404, t.notFound);
      } catch (err) {
        if (res.headersSent) { res.destroy(); return; }
        const [status, text] = err instanceof WebError ? [err.status, err.message === 'csrf' ? t.csrf : err.message]
          : err instanceof OpError ? [STATUS[err.code], err.code === 'internal' || err.code === 'log-failed' || err.code === 'corrupt' ? t.internal : err.message]
            : [500, t.internal];
        if (status >= 500) logger.error({ err: String(err), path: p }, 'office request failed');
        send(res, status, errorPage(c, status, text));
      }
    };

    const login = async (req: http.IncomingMessage, res: http.ServerResponse, c: PageCtx, cookies: Record<string, string>, extra: Record<string, string>) => {
      const t = c.t;
      // Before sign-in the CSRF token is a double-submit cookie: the form must carry the cookie's value.
      const pre = cookies[PRE] && TOKEN.test(cookies[PRE]) ? cookies[PRE] : newToken();
      const show = (status: number, message?: { kind: 'ok' | 'err'; text: string }, username?: string, more: string[] = []) =>
        send(res, status, loginPage(c, { token: pre, message, username, lockoutAfter }), {
          ...extra, 'set-cookie': [cookie(PRE, pre, { secure }), ...more, ...(extra['set-cookie'] ? [extra['set-cookie']] : [])],
        });
      if (req.method === 'GET') {
        const url = new URL(req.url ?? '/', 'http://x');
        return show(200, url.searchParams.has('out') ? { kind: 'ok', text: t.signedOut } : url.searchParams.has('expired') ? { kind: 'err', text: t.expired } : undefined);
      }
      if (req.method !== 'POST') throw new WebError(405, t.notFound);
      if (!sameOrigin(req)) await refuseCsrf('-', '/office/login', 'cross-site sign-in');
      const form = await readForm(req);
      if (!sameToken(form._csrf, cookies[PRE])) await refuseCsrf('-', '/office/login', 'missing or wrong sign-in CSRF token');
      let u: { username: string };
      try {
        u = await deps.guard.check(sourceKey(req.socket.remoteAddress), () => o.ops.login(form.username, form.password), countsAsFailure);
      } catch (err) {
        if (err instanceof LoginRefused) {
          deps.noteRefusal(err.code);
          return show(err.code === 'busy' ? 503 : 429, { kind: 'err', text: err.code === 'busy' ? t.busy : t.throttled(Math.max(1, Math.ceil(err.retryAfterMs / 1000))) }, form.username);
        }
        if (!(err instanceof OpError)) throw err;
        const text = err.code === 'locked' ? t.lockedNow : err.code === 'disabled' ? t.disabledNow : t.wrongLogin;
        return show(STATUS[err.code], { kind: 'err', text }, form.username);
      }
      const { token } = await book.create(u.username);
      const role = (await o.users.get(u.username))?.role;
      redirect(res, role && can(role, 'search') ? '/office/search' : '/office/home', { 'set-cookie': [cookie(SID, token, { secure }), cookie(PRE, '', { secure, maxAgeS: 0 })] });
    };

    /** Administration: users and the permission table; every change is one Operations call (permission check, log). */
    const admin = async (req: http.IncomingMessage, res: http.ServerResponse, c: PageCtx, me: Viewer, p: string, url: URL, form: Record<string, string>, extra: Record<string, string>) => {
      const list = async () => await o.ops.listUsers(me.username) as User[];
      if (p === '/office/admin/permissions' && req.method === 'GET') return send(res, 200, permissionsPage(c, { table: permissionTable(), users: await list() }), extra);
      if (p === '/office/admin/users' && req.method === 'GET') return send(res, 200, usersPage(c, { users: await list(), roles: ROLES }), extra);
      if (p === '/office/admin/users' && req.method === 'POST') {
        const f: CreateForm = { username: form.username, role: form.role, mode: form.mode === 'set' ? 'set' : 'generate', reason: form.reason };
        const body = { username: form.username, role: form.role, reason: form.reason, ...(f.mode === 'set' ? { password: form.password ?? '' } : { generate: true }) };
        try {
          const u = await o.ops.createUser(me.username, body) as User & { password?: string };
          // The store-made password is on this answer only (never in a URL, never on a later page).
          return send(res, 201, usersPage(c, { users: await list(), roles: ROLES, created: { username: u.username, role: u.role, password: u.password } }), extra);
        } catch (err) {
          if (!(err instanceof OpError) || (err.code !== 'bad-input' && err.code !== 'conflict')) throw err;
          return send(res, STATUS[err.code], usersPage(c, { users: await list(), roles: ROLES, form: f, message: { kind: 'err', text: err.message } }), extra);
        }
      }
      const m = /^\/office\/admin\/users\/([a-z0-9._-]{1,64})(\/role|\/disable|\/enable|\/unlock)?$/.exec(p);
      if (!m) throw new WebError(404, c.t.notFound);
      const name = m[1]!;
      const page = async (status: number, message?: { kind: 'ok' | 'err'; text: string }) => {
        const user = (await list()).find((u) => u.username === name);
        if (!user) throw new WebError(404, c.t.notFound);
        return send(res, status, userPage(c, { user, roles: ROLES, permissions: permissionTable().grants[user.role], message }), extra);
      };
      if (!m[2] && req.method === 'GET') {
        const done = url.searchParams.get('done');
        const text = done === 'role' ? c.t.roleChanged : done === 'disable' ? c.t.userDisabled : done === 'enable' ? c.t.userEnabled : done === 'unlock' ? c.t.unlocked(name) : undefined;
        return page(200, text ? { kind: 'ok', text } : undefined);
      }
      if (!m[2] || req.method !== 'POST') throw new WebError(405, c.t.notFound);
      const reason = form.reason?.trim() ? { reason: form.reason } : {};
      try {
        if (m[2] === '/role') await o.ops.setRole(me.username, name, { role: form.role, reason: form.reason });
        else if (m[2] === '/disable') await o.ops.disable(me.username, name, { reason: form.reason });
        else if (m[2] === '/enable') await o.ops.enable(me.username, name, { reason: form.reason });
        else await o.ops.unlock(me.username, name, reason);
      } catch (err) {
        if (!(err instanceof OpError) || !['bad-input', 'conflict', 'not-found'].includes(err.code)) throw err;
        return page(STATUS[err.code], { kind: 'err', text: err.message });
      }
      return redirect(res, `/office/admin/users/${encodeURIComponent(name)}?done=${m[2].slice(1)}`);
    };

    const search = async (res: http.ServerResponse, c: PageCtx, me: Viewer, url: URL, extra: Record<string, string>) => {
      const q = url.searchParams;
      const val = (k: string) => { const v = q.get(k)?.trim(); return v ? v.slice(0, 200) : undefined; };
      // One page = one search of pageSize + 1 rows at an offset (the extra row says whether there is a next page).
      const page = Math.min(Math.floor(LIMITS.searchOffset / pageSize), Math.max(1, Number.parseInt(q.get('page') ?? '1', 10) || 1));
      const yn = (k: string) => ['true', 'false'].includes(q.get(k) ?? '') ? q.get(k)! : undefined;
      const sort = (SORT_KEYS as readonly string[]).includes(q.get('sort') ?? '') ? q.get('sort')! : undefined;
      const order = q.get('order') === 'asc' || q.get('order') === 'desc' ? q.get('order')! : undefined;
      const form: SearchForm = { deviceId: val('deviceId'), from: val('from'), to: val('to'), purpose: val('purpose'), caseNumber: val('caseNumber'), onHold: yn('onHold'), hasMarker: yn('hasMarker'), sort, order, page };
      // datetime-local has no zone: the page says UTC, so it is read as UTC.
      const utc = (s?: string) => s && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(s) ? `${s}Z` : s;
      const criteria = Object.fromEntries(Object.entries({ deviceId: form.deviceId, from: utc(form.from), to: utc(form.to), purpose: form.purpose, caseNumber: form.caseNumber, onHold: form.onHold, hasMarker: form.hasMarker,
        sort, order, limit: String(pageSize + 1), offset: page > 1 ? String((page - 1) * pageSize) : undefined }).filter(([, v]) => v !== undefined));
      let clips: ClipInfo[] | null = null; let more = false; let error: string | undefined;
      try {
        const all = await o.ops.search(me.username, criteria) as ClipInfo[];
        more = all.length > pageSize;
        clips = all.slice(0, pageSize);
      } catch (err) {
        if (!(err instanceof OpError) || err.code !== 'bad-input') throw err;
        error = err.message;
      }
      send(res, error ? 400 : 200, searchPage(c, { form, clips, more, error, pageSize }), extra);
    };

    /** The log's filters from a query string (datetime-local read as UTC, like search), page size and offset. */
    const logCriteria = (q: URLSearchParams, limit: number, offset: number) => {
      const val = (k: string) => { const v = q.get(k)?.trim(); return v ? v.slice(0, 200) : undefined; };
      const utc = (s?: string) => s && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(s) ? `${s}Z` : s;
      return Object.fromEntries(Object.entries({ from: utc(val('from')), to: utc(val('to')), user: val('user'), action: val('action'), clipId: val('clipId'),
        limit: String(limit), offset: offset ? String(offset) : undefined }).filter(([, v]) => v !== undefined));
    };

    const auditLog = async (res: http.ServerResponse, c: PageCtx, me: Viewer, url: URL, extra: Record<string, string>, verify?: VerifyResult) => {
      const q = url.searchParams;
      const size = 100;
      const page = Math.min(Math.floor(LIMITS.searchOffset / size), Math.max(1, Number.parseInt(q.get('page') ?? '1', 10) || 1));
      const val = (k: string) => q.get(k)?.trim().slice(0, 200) || undefined;
      const form: LogForm = { from: val('from'), to: val('to'), user: val('user'), action: val('action'), clipId: val('clipId'), page };
      let entries: AccessEntry[] | null = null; let error: string | undefined;
      try {
        entries = await o.ops.readLog(me.username, logCriteria(q, size + 1, (page - 1) * size)) as AccessEntry[];
      } catch (err) {
        if (!(err instanceof OpError) || err.code !== 'bad-input') throw err;
        error = err.message;
      }
      const more = !!entries && entries.length > size;
      send(res, error ? 400 : 200, logPage(c, { form, entries: entries && entries.slice(0, size), more, pageSize: size, error, verify }), extra);
    };

    /** Pick clips → package (police or DSAR) through the operations; the password is on this one answer only. */
    const exportRoute = async (req: http.IncomingMessage, res: http.ServerResponse, c: PageCtx, me: Viewer, url: URL, form: Record<string, string>, extra: Record<string, string>) => {
      if (req.method === 'GET') {
        if (!me.canExport) throw new WebError(403, c.t.notFound);
        const caseNumber = url.searchParams.get('case')?.slice(0, 100);
        const ids = caseNumber ? (await o.ops.search(me.username, { caseNumber, limit: String(LIMITS.searchResults) }) as ClipInfo[]).map((x) => x.clipId)
          : (url.searchParams.get('clipIds') ?? '').split(',').filter(Boolean).slice(0, LIMITS.clipsPerRequest);
        return send(res, 200, exportPage(c, { form: { kind: 'police', clipIds: ids.join('\n'), journalNumber: caseNumber }, canRedact: canRedact(me) }), extra);
      }
      if (req.method !== 'POST') throw new WebError(405, c.t.notFound);
      const kind = form.kind === 'dsar' ? 'dsar' : 'police';
      const clipIds = (form.clipIds ?? '').split(/[\s,]+/).filter(Boolean);
      const f: ExportForm = { kind, clipIds: form.clipIds ?? '', journalNumber: form.journalNumber, recipient: form.recipient, subject: form.subject };
      try {
        const r = kind === 'police'
          ? await o.ops.exportPolice(me.username, { clipIds, journalNumber: form.journalNumber, recipient: form.recipient }, exportPath(deps.exportsDir, 'police'))
          : await o.ops.dsar(me.username, { clipIds, subject: form.subject }, exportPath(deps.exportsDir, 'dsar'));
        const done: ExportDone = { kind, file: basename(r.path), password: r.password, sha256: r.sha256, clips: clipIds.length, exportId: (r as { exportId?: number }).exportId };
        return send(res, 201, exportPage(c, { form: { ...f, clipIds: '' }, done, canRedact: canRedact(me) }), extra);
      } catch (err) {
        if (!(err instanceof OpError) || err.code !== 'bad-input') throw err;
        return send(res, 400, exportPage(c, { form: f, error: err.message, canRedact: canRedact(me) }), extra);
      }
    };

    const canRedact = (me: Viewer) => o.ops.canRedact && can(me.role as never, 'dsar');

    /**
     * The redaction step of a DSAR copy (docs/redaction.md): start from the export form, review and edit
     * the plan per clip, preview, approve, package. Each step is the Operations call the API's
     * /redactions routes make (permission 'dsar', one log entry each).
     */
    const redaction = async (req: http.IncomingMessage, res: http.ServerResponse, c: PageCtx, me: Viewer, p: string, url: URL, form: Record<string, string>, extra: Record<string, string>) => {
      if (p === '/office/redactions' && req.method === 'POST') {
        const clipIds = (form.clipIds ?? '').split(/[\s,]+/).filter(Boolean);
        const f: ExportForm = { kind: 'dsar', clipIds: form.clipIds ?? '', subject: form.subject };
        try {
          const v = await o.ops.redactStart(me.username, { clipIds, subject: form.subject }) as CaseView;
          return redirect(res, `/office/redactions/${v.caseId}`);
        } catch (err) {
          if (!(err instanceof OpError) || (err.code !== 'bad-input' && err.code !== 'not-found')) throw err;
          return send(res, STATUS[err.code], exportPage(c, { form: f, error: err.message, canRedact: canRedact(me) }), extra);
        }
      }
      const m = /^\/office\/redactions\/(rd-[0-9a-f]{12})(\/edit|\/approve|\/package|\/clips\/([^/]+)\/preview)?$/.exec(p);
      if (!m) throw new WebError(404, c.t.notFound);
      const caseId = m[1]!;
      const page = async (status: number, o2: { clipId?: string; message?: { kind: 'ok' | 'err'; text: string }; done?: Parameters<typeof redactionPage>[1]['done'] } = {}) =>
        send(res, status, redactionPage(c, { view: await o.ops.redactShow(me.username, caseId) as CaseView, ...o2 }), extra);
      if (!m[2] && req.method === 'GET') {
        const done = url.searchParams.get('done');
        return page(200, { clipId: url.searchParams.get('clip') ?? undefined, message: done === 'edit' ? { kind: 'ok', text: c.t.editSaved } : done === 'approve' ? { kind: 'ok', text: c.t.approvedDone } : undefined });
      }
      if (req.method !== 'POST') throw new WebError(405, c.t.notFound);
      if (m[3] !== undefined) {
        let clipId: string;
        try { clipId = decodeURIComponent(m[3]); } catch { throw new WebError(400, 'bad clip id'); }
        return preview(res, me, caseId, clipId);
      }
      try {
        if (m[2] === '/edit') {
          await o.ops.redactEdit(me.username, caseId, planEdit(form));
          return redirect(res, `/office/redactions/${caseId}?clip=${encodeURIComponent(form.clipId ?? '')}&done=edit`);
        }
        if (m[2] === '/approve') {
          await o.ops.redactApprove(me.username, caseId);
          return redirect(res, `/office/redactions/${caseId}?done=approve`);
        }
        if (m[2] !== '/package') throw new WebError(404, c.t.notFound);
        // The package: the password is on this answer only.
        const r = await o.ops.redactPackage(me.username, caseId, exportPath(deps.exportsDir, 'dsar'));
        return page(201, { done: { file: basename(r.path), password: r.password, sha256: r.sha256, clips: Array.isArray(r.clips) ? r.clips.length : 0, exportId: (r as { exportId?: number }).exportId } });
      } catch (err) {
        if (!(err instanceof OpError) || !['bad-input', 'conflict', 'not-found'].includes(err.code)) throw err;
        return page(STATUS[err.code], { clipId: form.clipId, message: { kind: 'err', text: err.message } });
      }
    };

    /** One preview = one 'redact-preview' entry (written before the first byte), played like a clip (fMP4 into MSE). */
    const preview = async (res: http.ServerResponse, me: Viewer, caseId: string, clipId: string) => {
      const ts = await o.ops.redactPreview(me.username, caseId, clipId);
      const r = remuxToFmp4(ts, o.ffmpeg);
      res.writeHead(200, { ...SECURITY_HEADERS, ...hsts, 'content-type': 'video/mp4' });
      res.on('close', () => { if (!res.writableFinished) r.kill(); });
      await Promise.all([pipeline(r.output, res), r.done]).catch((err) => { logger.warn({ err: String(err) }, 'preview ended early'); res.destroy(); });
    };

    /** The package, once (issue 19's rule, as on the API): logged before the first byte; a complete download removes it from the server. */
    const download = async (res: http.ServerResponse, me: Viewer, exportId: number) => {
      const pkg = await o.ops.exportPackage(me.username, exportId);
      const { createReadStream } = await import('node:fs');
      res.writeHead(200, { ...SECURITY_HEADERS, ...hsts, 'content-type': 'application/zip', 'content-disposition': `attachment; filename="${basename(pkg.path)}"` });
      try {
        await pipeline(createReadStream(pkg.path), res);
        await o.ops.packageDownloaded(pkg.exportId);
      } catch (err) {
        res.destroy();
        await o.ops.downloadFailed(me.username, pkg.exportId, err).catch(() => undefined); // already answered
      }
    };

    const clip = async (res: http.ServerResponse, c: PageCtx, me: Viewer, id: string, url: URL, extra: Record<string, string>) => {
      const info = await o.ops.metadata(me.username, id) as unknown as ClipInfo & { markers: Marker[]; cases: CaseEntry[]; header: HeaderFacts | null };
      const custody = (await o.log.mentioning(`"clipId":${JSON.stringify(info.clipId)}`)).filter((e) => e.action !== 'metadata');
      const done = url.searchParams.get('done');
      send(res, 200, clipPage(c, {
        clip: info, header: info.header, markers: info.markers, cases: info.cases, custody, canView: can(me.role as never, 'view'), canHold: can(me.role as never, 'hold'), canMark: can(me.role as never, 'annotate'),
        message: done && Object.hasOwn(DONE, done) ? { kind: 'ok', text: c.t[DONE[done]!] } : undefined,
      }), extra);
    };

    /** One POST = one playback = one 'view' entry (written by Operations.video before the first byte). */
    const play = async (res: http.ServerResponse, me: Viewer, id: string) => {
      const ts = await o.ops.video(me.username, id, 'view');
      const { Readable } = await import('node:stream');
      const src = ts instanceof Readable ? ts : Readable.fromWeb(ts as import('node:stream/web').ReadableStream);
      const r = remuxToFmp4(src, o.ffmpeg);
      res.writeHead(200, { ...SECURITY_HEADERS, ...hsts, 'content-type': 'video/mp4' });
      res.on('close', () => { if (!res.writableFinished) r.kill(); });
      const failed = async (err: unknown) => {
        logger.warn({ err: String(err) }, 'playback ended early');
        res.destroy();
        await o.ops.streamFailed(me.username, 'view', id, err).catch(() => undefined); // already answered
      };
      await Promise.all([pipeline(r.output, res), r.done]).catch(failed);
    };

    return (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => handle(req, res, url);
  };
}

export type { WebSession };

/** The office's edit forms (one `op` each) as the plan edit the API takes (numbers as numbers). */
function planEdit(f: Record<string, string>): Record<string, unknown> {
  const n = (v: string | undefined) => v !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
  const base = { clipId: f.clipId };
  switch (f.op) {
    case 'keep': {
      // One checkbox per track (keep_<id>); the listed tracks not ticked are blurred again.
      const all = (f.tracks ?? '').split(',').filter((x) => /^t\d{1,6}$/.test(x)).slice(0, 1000);
      return { ...base, keep: all.filter((x) => f[`keep_${x}`] !== undefined), unkeep: all.filter((x) => f[`keep_${x}`] === undefined) };
    }
    case 'box': return { ...base, addBoxes: [{ from: n(f.from), to: n(f.to), x: n(f.x), y: n(f.y), w: n(f.w), h: n(f.h), ...(f.note?.trim() ? { note: f.note } : {}) }] };
    case 'unbox': return { ...base, removeBoxes: [f.box] };
    case 'mute': return { ...base, addMutes: [{ from: n(f['mute-from']), to: n(f['mute-to']) }] };
    case 'unmute': return { ...base, clearMutes: true };
    case 'muteall': return { ...base, muteAll: f.muteAll === 'true' };
    case 'reason': return { ...base, reason: f.reason };
    default: return { ...base, op: f.op };
  }
}
