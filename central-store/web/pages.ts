// The office's HTML, rendered on the server. Every value goes through esc() unless it is already Html,
// so nothing from a clip, a user or a query can become markup. No inline script or style (CSP).
import type { AccessEntry } from '../access-log.js';
import type { ClipInfo, HeaderFacts } from '../evidence.js';
import type { Marker } from '../index/tables/markers.js';
import type { CaseEntry } from '../index/tables/cases.js';
import type { Lang, Strings } from './i18n.js';

export class Html { constructor(readonly s: string) {} }
const esc = (v: unknown) => String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const render = (v: unknown): string => v instanceof Html ? v.s : Array.isArray(v) ? v.map(render).join('') : v === false || v === null || v === undefined ? '' : esc(v);
export const html = (strs: TemplateStringsArray, ...vals: unknown[]): Html =>
  new Html(strs.reduce((out, s, i) => out + s + (i < vals.length ? render(vals[i]) : ''), ''));

export interface Viewer { username: string; role: string; csrf: string; canSearch: boolean; canAudit?: boolean; canExport?: boolean; canAdmin?: boolean }
export interface PageCtx { t: Strings; lang: Lang; me?: Viewer; path: string }

const utc = (s: string | null | undefined) => s ? s.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '—';
const seconds = (a: string, b: string | null) => {
  const ms = b ? Date.parse(b) - Date.parse(a) : NaN;
  return Number.isFinite(ms) && ms >= 0 ? `${Math.floor(ms / 60000)}:${String(Math.round(ms / 1000) % 60).padStart(2, '0')}` : '—';
};
const mmss = (ms: number) => `${Math.floor(ms / 60000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}.${String(Math.floor(ms % 1000 / 100))}`;
const size = (n: number) => n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;

export function layout(c: PageCtx, title: string, body: Html): string {
  const link = (href: string, label: string, on: boolean) => html`<a href="${href}" class="${on ? 'on' : ''}">${label}</a>`;
  const p = c.path;
  const nav = c.me ? html`<nav>${c.me.canSearch ? link('/office/search', c.t.search, /^\/office\/(search|clips|cases)/.test(p)) : ''}${c.me.canExport ? link('/office/export', c.t.exportTitle, p === '/office/export') : ''}${c.me.canAudit ? [
    link('/office/audit/log', c.t.auditLog, p === '/office/audit/log' || p === '/office/audit/verify'), link('/office/audit/review', c.t.review, p === '/office/audit/review'),
    link('/office/audit/receipts', c.t.receipts, p === '/office/audit/receipts')] : ''}${c.me.canAdmin ? [link('/office/admin/users', c.t.administration, p.startsWith('/office/admin/')), link('/office/fleet', c.t.fleet, p === '/office/fleet')] : ''}</nav>` : html``;
  const me = c.me ? html`<div class="me"><span>${c.t.signedInAs} <strong>${c.me.username}</strong> · ${c.me.role}</span>
    <form method="post" action="/office/lang"><input type="hidden" name="_csrf" value="${c.me.csrf}"><input type="hidden" name="to" value="${c.lang === 'da' ? 'en' : 'da'}"><input type="hidden" name="back" value="${c.path}"><button type="submit" id="lang">${c.t.language}</button></form>
    <form method="post" action="/office/logout"><input type="hidden" name="_csrf" value="${c.me.csrf}"><button type="submit" id="logout">${c.t.signOut}</button></form></div>`
    : html`<div class="me"><a class="lang" id="lang" href="/office/login?lang=${c.lang === 'da' ? 'en' : 'da'}">${c.t.language}</a></div>`;
  return `<!doctype html>${html`<html lang="${c.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${c.t.product}</title><link rel="stylesheet" href="/office/static/office.css">${c.me ? html`<meta name="csrf-token" content="${c.me.csrf}">` : ''}</head>
<body><header class="top"><span class="brand">${c.t.product}</span>${nav}${me}</header><main>${body}</main></body></html>`.s}`;
}

const msg = (m?: { kind: 'ok' | 'err'; text: string }) => m ? html`<div class="msg ${m.kind}" role="${m.kind === 'err' ? 'alert' : 'status'}" id="msg">${m.text}</div>` : html``;

export function loginPage(c: PageCtx, o: { token: string; username?: string; message?: { kind: 'ok' | 'err'; text: string }; lockoutAfter: number }): string {
  return layout(c, c.t.signIn, html`<div class="card login"><h1>${c.t.signIn}</h1>${msg(o.message)}
<form method="post" action="/office/login" autocomplete="off">
<input type="hidden" name="_csrf" value="${o.token}">
<div class="field"><label for="username">${c.t.username}</label><input id="username" name="username" required maxlength="64" value="${o.username ?? ''}" autofocus></div>
<div class="field"><label for="password">${c.t.password}</label><input id="password" name="password" type="password" required maxlength="1024"></div>
<button class="primary" type="submit" id="signin">${c.t.signIn}</button></form>
<p class="hint">${c.t.lockoutRule(o.lockoutAfter)}</p></div>`);
}

export interface SearchForm { deviceId?: string; from?: string; to?: string; purpose?: string; caseNumber?: string; onHold?: string; hasMarker?: string; sort?: string; order?: string; page: number }
/** The sortable columns (central-store/evidence.ts SORTS). */
export const SORT_KEYS = ['start', 'camera', 'purpose', 'received'] as const;

export function searchPage(c: PageCtx, o: { form: SearchForm; clips: ClipInfo[] | null; more: boolean; error?: string; pageSize: number }): string {
  const f = o.form;
  const sel = (v: string, k: 'onHold' | 'hasMarker' = 'onHold') => (f[k] ?? '') === v ? html` selected` : html``;
  const q = (page: number, more: Record<string, string> = {}) => `/office/search?${new URLSearchParams(Object.entries({ ...f, page: String(page), ...more }).filter(([, v]) => v !== undefined && v !== '') as [string, string][])}`;
  // A column header sorts by it (first click: newest/highest first for start and received, A-Z otherwise); again reverses.
  const th = (key: typeof SORT_KEYS[number], label: string) => {
    const on = (f.sort ?? 'start') === key;
    const cur = f.order ?? (key === 'start' || key === 'received' ? 'desc' : 'asc');
    const next = on ? (cur === 'asc' ? 'desc' : 'asc') : key === 'start' || key === 'received' ? 'desc' : 'asc';
    return html`<th><a class="sort${on ? ` on ${cur}` : ''}" id="sort-${key}" href="${q(1, { sort: key, order: next })}">${label}${on ? (cur === 'asc' ? ' ▲' : ' ▼') : ''}</a></th>`;
  };
  const rows = clipRows(c, o.clips ?? [], true);
  const from = (o.form.page - 1) * o.pageSize;
  return layout(c, c.t.search, html`<h1>${c.t.search}</h1>
<div class="card"><form method="get" action="/office/search" id="search"><div class="row">
<div class="field"><label for="deviceId">${c.t.camera}</label><input id="deviceId" name="deviceId" value="${f.deviceId ?? ''}" maxlength="128"></div>
<div class="field"><label for="from">${c.t.from}</label><input id="from" name="from" type="datetime-local" value="${f.from ?? ''}"></div>
<div class="field"><label for="to">${c.t.to}</label><input id="to" name="to" type="datetime-local" value="${f.to ?? ''}"></div>
<div class="field"><label for="purpose">${c.t.purpose}</label><input id="purpose" name="purpose" value="${f.purpose ?? ''}" maxlength="64"></div>
<div class="field"><label for="caseNumber">${c.t.caseNumber}</label><input id="caseNumber" name="caseNumber" value="${f.caseNumber ?? ''}" maxlength="100"></div>
<div class="field"><label for="onHold">${c.t.onHold}</label><select id="onHold" name="onHold"><option value=""${sel('')}>${c.t.any}</option><option value="true"${sel('true')}>${c.t.yes}</option><option value="false"${sel('false')}>${c.t.no}</option></select></div>
<div class="field"><label for="hasMarker">${c.t.hasMarker}</label><select id="hasMarker" name="hasMarker"><option value=""${sel('', 'hasMarker')}>${c.t.any}</option><option value="true"${sel('true', 'hasMarker')}>${c.t.yes}</option><option value="false"${sel('false', 'hasMarker')}>${c.t.no}</option></select></div>
<div><button class="primary" type="submit" id="find">${c.t.find}</button></div></div></form></div>
${o.error ? msg({ kind: 'err', text: o.error }) : ''}
${o.clips ? html`<div class="card"><h2 id="count">${c.t.results(o.clips.length ? `${from + 1}–${from + o.clips.length}` : '0')}</h2>
${o.clips.length ? html`<table id="results"><thead><tr>${th('start', c.t.start)}${th('camera', c.t.camera)}${th('purpose', c.t.purpose)}<th>${c.t.length}</th><th>${c.t.hold}</th>${th('received', c.t.received)}<th></th></tr></thead><tbody>${rows}</tbody></table>` : html`<p>${c.t.noResults}</p>`}
<div class="pager">${f.page > 1 ? html`<a href="${q(f.page - 1)}" id="prev">← ${c.t.prev}</a>` : ''}<span>${c.t.page(f.page)}</span>${o.more ? html`<a href="${q(f.page + 1)}" id="next">${c.t.next} →</a>` : ''}</div></div>` : ''}`);
}

function clipRows(c: PageCtx, clips: ClipInfo[], received = false): Html[] {
  return clips.map((x) => html`<tr><td class="mono">${utc(x.startedAt)}</td><td>${x.deviceId}</td><td>${x.purpose ?? '—'}</td><td>${seconds(x.startedAt, x.stoppedAt)}</td>
<td>${x.hold ? html`<a class="badge hold" href="/office/cases/${encodeURIComponent(x.hold.caseNumber)}">${x.hold.caseNumber}</a>` : ''}</td>${received ? html`<td class="mono">${utc(x.receivedAt)}</td>` : ''}<td><a href="/office/clips/${encodeURIComponent(x.clipId)}" class="clip-link">${c.t.open}</a></td></tr>`);
}

/** A case: every clip in it or held under its number (a search by case number, logged as one), and the hold for all of them at once. */
export function casePage(c: PageCtx, o: { caseNumber: string; clips: ClipInfo[]; canHold?: boolean; message?: { kind: 'ok' | 'err'; text: string } }): string {
  const k = encodeURIComponent(o.caseNumber);
  const underThis = o.clips.filter((x) => x.hold?.caseNumber === o.caseNumber).length;
  const open = o.clips.filter((x) => !x.hold).length;
  const csrf = html`<input type="hidden" name="_csrf" value="${c.me?.csrf ?? ''}">`;
  const hold = o.canHold && o.clips.length ? html`<div class="card"><h2>${c.t.caseHold}</h2><p id="case-hold-state">${c.t.caseHoldState(underThis, o.clips.length - underThis - open, open)}</p>
<div class="row">${open ? html`<form method="post" action="/office/cases/${k}/hold" id="case-hold-form">${csrf}<div class="row">
<div class="field"><label for="case-hold-reason">${c.t.reason}</label><input id="case-hold-reason" name="reason" required maxlength="500"></div>
<div><button class="primary" type="submit" id="case-hold">${c.t.holdCase(open)}</button></div></div></form>` : ''}
${underThis ? html`<form method="post" action="/office/cases/${k}/unhold" id="case-unhold-form">${csrf}<div class="row">
<div class="field"><label for="case-unhold-reason">${c.t.reason}</label><input id="case-unhold-reason" name="reason" required maxlength="500"></div>
<div><button class="danger" type="submit" id="case-unhold">${c.t.unholdCase(underThis)}</button></div></div></form>` : ''}</div>
<p class="hint">${c.t.caseHoldNote}</p></div>` : html``;
  return layout(c, `${c.t.case} ${o.caseNumber}`, html`<h1>${c.t.case} <span class="mono" id="case-number">${o.caseNumber}</span></h1>${msg(o.message)}
<div class="card"><h2 id="count">${c.t.results(String(o.clips.length))}</h2>
${o.clips.length ? html`<table id="results"><thead><tr><th>${c.t.start}</th><th>${c.t.camera}</th><th>${c.t.purpose}</th><th>${c.t.length}</th><th>${c.t.hold}</th><th></th></tr></thead><tbody>${clipRows(c, o.clips)}</tbody></table>` : html`<p>${c.t.noResults}</p>`}
${c.me?.canExport && o.clips.length ? html`<p><a href="/office/export?case=${k}" id="export-case">${c.t.exportCase}</a></p>` : ''}</div>
${hold}`);
}

export function clipPage(c: PageCtx, o: { header: HeaderFacts | null; cases: CaseEntry[]; clip: ClipInfo; markers: Marker[]; custody: AccessEntry[]; canView: boolean; canHold: boolean; canMark: boolean; message?: { kind: 'ok' | 'err'; text: string } }): string {
  const x = o.clip;
  const h = o.header;
  const id = encodeURIComponent(x.clipId);
  const start = Date.parse(x.startedAt);
  const lengthMs = x.stoppedAt ? Math.max(0, Date.parse(x.stoppedAt) - start) : 0;
  const at = (m: Marker) => Math.max(0, m.atMs - start);
  const who = (m: Marker) => m.source === 'camera' ? c.t.markerCamera : m.by ?? '—';
  // Ticks are placed by player.js (no inline style under the CSP); a click seeks the player.
  const timeline = html`<div class="timeline" id="timeline" data-length-ms="${lengthMs}">${o.markers.map((m) => html`<button type="button" class="tick ${m.source}" data-offset-ms="${at(m)}" title="${mmss(at(m))} · ${who(m)}${m.note ? ` · ${m.note}` : ''}"></button>`)}</div>`;
  const markerRows = o.markers.map((m) => html`<tr><td class="mono"><button type="button" class="seek" data-offset-ms="${at(m)}">${mmss(at(m))}</button></td><td>${who(m)}</td><td>${m.note ?? ''}</td></tr>`);
  const markerForm = o.canMark ? html`<form method="post" action="/office/clips/${id}/markers" id="marker-form"><input type="hidden" name="_csrf" value="${c.me!.csrf}"><div class="row">
<div class="field"><label for="marker-at">${c.t.markerAt}</label><input id="marker-at" name="offset" required inputmode="decimal" pattern="[0-9]+([.][0-9]+)?" value="0" maxlength="12"></div>
<div class="field"><label for="marker-note">${c.t.note}</label><input id="marker-note" name="note" required maxlength="500"></div>
<div><button class="primary" type="submit" id="add-marker">${c.t.addMarker}</button></div></div></form>` : html``;
  const csrf = html`<input type="hidden" name="_csrf" value="${c.me?.csrf ?? ''}">`;
  const caseRows = o.cases.map((k) => html`<tr><td><a href="/office/cases/${encodeURIComponent(k.caseNumber)}" class="case-link">${k.caseNumber}</a></td><td>${k.addedBy}</td><td class="mono">${utc(k.addedAt)}</td>
<td>${o.canMark ? html`<form method="post" action="/office/clips/${id}/uncase" class="inline uncase">${csrf}<input type="hidden" name="caseNumber" value="${k.caseNumber}"><input name="reason" required maxlength="500" placeholder="${c.t.reason}" aria-label="${c.t.reason}"><button class="danger" type="submit">${c.t.removeFromCase}</button></form>` : ''}</td></tr>`);
  const category = html`<div class="card"><h2>${c.t.categoryAndCases}</h2>
<p id="category">${c.t.purpose}: <strong>${x.purpose ?? '—'}</strong> · ${c.t.deleteAfter}: <strong id="delete-after">${x.deleteAfter ? utc(x.deleteAfter) : c.t.heldNoDelete}</strong></p>
${o.canMark ? html`<form method="post" action="/office/clips/${id}/category" id="category-form">${csrf}<div class="row">
<div class="field"><label for="new-purpose">${c.t.newCategory}</label><input id="new-purpose" name="purpose" required maxlength="64" value="${x.purpose ?? ''}"></div>
<div class="field"><label for="category-reason">${c.t.reason}</label><input id="category-reason" name="reason" required maxlength="500"></div>
<div><button class="primary" type="submit" id="set-category">${c.t.changeCategory}</button></div></div></form>` : ''}
${o.cases.length ? html`<table id="cases"><thead><tr><th>${c.t.case}</th><th>${c.t.who}</th><th>${c.t.when}</th><th></th></tr></thead><tbody>${caseRows}</tbody></table>` : html`<p id="no-cases">${c.t.noCases}</p>`}
${o.canMark ? html`<form method="post" action="/office/clips/${id}/cases" id="case-form">${csrf}<div class="row">
<div class="field"><label for="add-case">${c.t.caseNumber}</label><input id="add-case" name="caseNumber" required maxlength="100"></div>
<div><button class="primary" type="submit" id="add-to-case">${c.t.addToCase}</button></div></div></form>` : ''}</div>`;
  const markers = html`<div class="card"><h2>${c.t.markers}</h2>${o.markers.length ? html`<table id="markers"><thead><tr><th>${c.t.markerAt}</th><th>${c.t.who}</th><th>${c.t.note}</th></tr></thead><tbody>${markerRows}</tbody></table>` : html`<p id="no-markers">${c.t.noMarkers}</p>`}${markerForm}</div>`;
  const custody = [
    html`<tr><td class="mono">${utc(x.receivedAt)}</td><td>${x.dockId}</td><td>ingest</td><td><span class="badge ok">ok</span></td><td>${c.t.ingested}</td></tr>`,
    ...o.custody.map((e) => html`<tr><td class="mono">${utc(e.at)}</td><td>${e.user}</td><td>${e.action}</td><td><span class="badge ${e.outcome}">${e.outcome}</span></td><td class="mono">${details(e)}</td></tr>`),
  ];
  const holdForm = !o.canHold ? html`` : x.hold
    ? html`<form method="post" action="/office/clips/${id}/unhold" id="unhold-form"><input type="hidden" name="_csrf" value="${c.me!.csrf}">
<div class="field"><label for="lift-reason">${c.t.reason}</label><input id="lift-reason" name="reason" required maxlength="500"></div><button class="danger" type="submit" id="lift">${c.t.liftHold}</button></form>`
    : html`<form method="post" action="/office/clips/${id}/hold" id="hold-form"><input type="hidden" name="_csrf" value="${c.me!.csrf}">
<div class="field"><label for="case">${c.t.caseNumber}</label><input id="case" name="caseNumber" required maxlength="100"></div>
<div class="field"><label for="hold-reason">${c.t.reason}</label><input id="hold-reason" name="reason" required maxlength="500"></div><button class="primary" type="submit" id="hold">${c.t.placeHold}</button></form>`;
  return layout(c, `${c.t.clip} ${x.clipId}`, html`<h1>${c.t.clip} <span class="mono">${x.clipId}</span></h1>${msg(o.message)}
<div class="grid"><div>
${o.canView ? html`<div class="card"><video id="player" controls playsinline></video><div class="player-bar"><button class="primary" id="play" data-url="/office/clips/${id}/play">▶ ${c.t.play}</button><span class="hint" id="play-status">${c.t.playNote}</span></div>${timeline}</div><script src="/office/static/player.js" defer></script>` : ''}
${markers}
<div class="card"><h2>${c.t.custody}</h2><table id="custody"><thead><tr><th>${c.t.when}</th><th>${c.t.who}</th><th>${c.t.action}</th><th>${c.t.outcome}</th><th>${c.t.details}</th></tr></thead><tbody>${custody}</tbody></table></div>
</div><div>
<div class="card"><h2>${c.t.metadata}</h2>${h ? html`<dl class="meta" id="meta">
<dt>${c.t.camera}</dt><dd>${h.deviceId}</dd><dt>${c.t.start}</dt><dd>${utc(h.startedAt)}</dd><dt>${c.t.length}</dt><dd>${seconds(h.startedAt, x.stoppedAt)}</dd>
<dt>${c.t.prerecord}</dt><dd id="prerecord">${h.prerecordSeconds === null ? '—' : `${h.prerecordSeconds} s`}</dd>
<dt>${c.t.audioPolicy}</dt><dd id="audio-policy">${h.audioKept === 'all' ? c.t.audioAll : h.audioKept === 'live-only' ? c.t.audioLiveOnly : h.audioKept ?? '—'}</dd>
<dt>${c.t.state}</dt><dd id="truncated">${x.state === 'truncated' ? c.t.truncated : c.t.closed}</dd>
<dt>${c.t.purpose}</dt><dd>${h.purpose ?? '—'}</dd><dt>${c.t.policyHash}</dt><dd class="mono" id="policy-hash">${h.policyHash ?? '—'}</dd>
<dt>${c.t.signature}</dt><dd>${h.version === 2 ? c.t.signed : c.t.unsigned}</dd></dl><p class="hint">${c.t.headerNote}</p>` : html`<p id="meta">${c.t.headerUnreadable}</p>`}</div>
<div class="card"><h2>${c.t.inStore}</h2><dl class="meta" id="store-meta">
<dt>${c.t.dock}</dt><dd>${x.dockId}</dd><dt>${c.t.received}</dt><dd>${utc(x.receivedAt)}</dd><dt>${c.t.deleteAfter}</dt><dd>${x.deleteAfter ? utc(x.deleteAfter) : c.t.heldNoDelete}</dd>
<dt>${c.t.bytes}</dt><dd>${size(x.bytes)}</dd><dt>${c.t.epoch}</dt><dd class="mono">${x.epochId}</dd><dt>${c.t.sha256}</dt><dd class="mono">${x.sha256}</dd></dl></div>
${category}
<div class="card"><h2>${c.t.hold}</h2><p id="hold-state">${x.hold ? html`<span class="badge hold">${c.t.heldBy(x.hold.caseNumber, x.hold.placedBy, utc(x.hold.placedAt))}</span><br><span class="hint">${x.hold.reason}</span>` : c.t.notHeld}</p>${holdForm}</div>
</div></div>`);
}

/** The criterion without the clip id (it is this page's clip), as compact text. */
function details(e: AccessEntry): string {
  try {
    const v = JSON.parse(e.criterion) as Record<string, unknown>;
    const { clipId: _c, ...rest } = v && typeof v === 'object' ? v : {};
    const s = Object.entries(rest).map(([k, val]) => `${k}: ${typeof val === 'string' ? val : JSON.stringify(val)}`).join(', ');
    return [s, e.reason].filter(Boolean).join(' — ');
  } catch { return e.criterion; }
}

export interface UserRow { username: string; role: string; lockedAt: string | null; disabledAt: string | null; lastLoginAt: string | null; failedLogins: number }

/** Administrators and auditors land here: no footage; an administrator also gets the users and the unlock button. */
export function homePage(c: PageCtx, o: { users: UserRow[] | null; message?: { kind: 'ok' | 'err'; text: string } }): string {
  const state = (u: UserRow) => u.disabledAt ? html`<span class="badge denied">${c.t.disabled}</span>` : u.lockedAt ? html`<span class="badge hold">${c.t.locked}</span>` : html`<span class="badge ok">${c.t.active}</span>`;
  const rows = (o.users ?? []).map((u) => html`<tr><td>${u.username}</td><td>${u.role}</td><td>${state(u)}</td><td class="mono">${utc(u.lastLoginAt)}</td>
<td>${u.lockedAt && !u.disabledAt ? html`<form method="post" action="/office/users/${encodeURIComponent(u.username)}/unlock"><input type="hidden" name="_csrf" value="${c.me!.csrf}"><button class="primary" type="submit" id="unlock-${u.username}">${c.t.unlock}</button></form>` : ''}</td></tr>`);
  return layout(c, c.t.product, html`${msg(o.message)}<div class="card"><h1>${c.t.product}</h1><p id="no-footage">${c.t.noFootage(c.me!.role)}</p></div>
${o.users ? html`<div class="card"><h2><a href="/office/admin/users" id="admin-link">${c.t.usersTitle}</a></h2><table id="users"><thead><tr><th>${c.t.username}</th><th>${c.t.role}</th><th>${c.t.state}</th><th>${c.t.lastLogin}</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>` : ''}`);
}

export function errorPage(c: PageCtx, status: number, text: string): string {
  return layout(c, c.t.errorTitle(status), html`<div class="card"><h1>${c.t.errorTitle(status)}</h1><p id="error">${text}</p>${c.me?.canSearch ? html`<p><a href="/office/search">${c.t.back}</a></p>` : ''}</div>`);
}
