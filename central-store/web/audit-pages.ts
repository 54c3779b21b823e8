// The audit pages (access log with filters, chain verification, the authorisation review, deletion
// receipts) and the export/DSAR package page. Rendered like pages.ts: every value escaped.
import type { AccessEntry, VerifyResult } from '../access-log.js';
import type { DeletionReceipt } from '../deletion-receipts.js';
import type { RecordKind } from '../record-census.js';
import type { ReviewReport } from '../review.js';
import { html, layout, type PageCtx } from './pages.js';

type Msg = { kind: 'ok' | 'err'; text: string };
const msg = (m?: Msg) => m ? html`<div class="msg ${m.kind}" role="${m.kind === 'err' ? 'alert' : 'status'}" id="msg">${m.text}</div>` : html``;
const utc = (s: string | null | undefined) => s ? s.replace('T', ' ').replace(/Z$/, '') : '—';
const csrf = (c: PageCtx) => html`<input type="hidden" name="_csrf" value="${c.me!.csrf}">`;

export interface LogForm { from?: string; to?: string; user?: string; action?: string; clipId?: string; page: number }

/** The access log, newest first, 100 per page; the same filters give the CSV. */
export function logPage(c: PageCtx, o: { form: LogForm; entries: AccessEntry[] | null; more: boolean; pageSize: number; error?: string; verify?: VerifyResult }): string {
  const f = o.form;
  const qs = (extra: Record<string, string>) => new URLSearchParams(Object.entries({ from: f.from, to: f.to, user: f.user, action: f.action, clipId: f.clipId, ...extra })
    .filter(([, v]) => v !== undefined && v !== '') as [string, string][]).toString();
  const v = o.verify;
  const verified = v ? (v.ok
    ? { kind: 'ok' as const, text: c.t.chainOk(v.entries, v.firstSeq, v.lastSeq) }
    : { kind: 'err' as const, text: c.t.chainBroken(v.badSeq ?? null, v.reason ?? '') }) : undefined;
  const rows = (o.entries ?? []).map((e) => html`<tr><td class="mono">${e.seq}</td><td class="mono">${utc(e.at)}</td><td>${e.user}</td><td>${e.action}</td>
<td><span class="badge ${e.outcome}">${e.outcome}</span></td><td class="mono">${e.criterion}</td><td>${e.reason ?? ''}</td></tr>`);
  return layout(c, c.t.auditLog, html`<h1>${c.t.auditLog}</h1>${msg(verified)}${o.error ? msg({ kind: 'err', text: o.error }) : ''}
<div class="card"><form method="get" action="/office/audit/log" id="log-filter"><div class="row">
<div class="field"><label for="from">${c.t.from}</label><input id="from" name="from" type="datetime-local" value="${f.from ?? ''}"></div>
<div class="field"><label for="to">${c.t.to}</label><input id="to" name="to" type="datetime-local" value="${f.to ?? ''}"></div>
<div class="field"><label for="user">${c.t.who}</label><input id="user" name="user" value="${f.user ?? ''}" maxlength="64"></div>
<div class="field"><label for="action">${c.t.action}</label><input id="action" name="action" value="${f.action ?? ''}" maxlength="40"></div>
<div class="field"><label for="clipId">${c.t.clip}</label><input id="clipId" name="clipId" value="${f.clipId ?? ''}" maxlength="128"></div>
<div><button class="primary" type="submit" id="filter">${c.t.find}</button></div></div></form>
<div class="row actions"><a href="/office/audit/log.csv?${qs({})}" id="csv" download>${c.t.downloadCsv}</a>
<form method="post" action="/office/audit/verify">${csrf(c)}<button class="primary" type="submit" id="verify">${c.t.verifyChain}</button></form></div></div>
${o.entries ? html`<div class="card"><table id="log"><thead><tr><th>#</th><th>${c.t.when}</th><th>${c.t.who}</th><th>${c.t.action}</th><th>${c.t.outcome}</th><th>${c.t.details}</th><th>${c.t.reason}</th></tr></thead><tbody>${rows}</tbody></table>
<div class="pager">${f.page > 1 ? html`<a href="/office/audit/log?${qs({ page: String(f.page - 1) })}" id="prev">← ${c.t.prev}</a>` : ''}<span>${c.t.page(f.page)}</span>${o.more ? html`<a href="/office/audit/log?${qs({ page: String(f.page + 1) })}" id="next">${c.t.next} →</a>` : ''}</div></div>` : ''}`);
}

/** CSV of log entries (RFC 4180 quoting; a leading = + - @ is prefixed with ' so a spreadsheet does not run it). */
export function logCsv(entries: AccessEntry[]): string {
  const cell = (v: unknown) => {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const head = ['seq', 'at', 'user', 'action', 'criterion', 'outcome', 'reason', 'hash'];
  return [head.join(','), ...entries.map((e) => [e.seq, e.at, e.user, e.action, e.criterion, e.outcome, e.reason, e.hash].map(cell).join(','))].join('\r\n') + '\r\n';
}

export function reviewPage(c: PageCtx, r: ReviewReport & { records?: RecordKind[] }): string {
  const records = (r.records ?? []).map((k) => html`<tr><td>${k.kind}</td><td class="mono">${k.place}</td><td>${k.count}</td><td class="mono">${utc(k.oldest)}</td><td>${k.deadline}</td><td class="${k.overdue ? 'warn' : ''}">${k.overdue}</td></tr>`);
  const rows = r.users.map((u) => html`<tr class="${u.unused ? 'unused' : ''}"><td>${u.username}</td><td>${u.role}</td><td>${u.permissions.join(', ')}</td>
<td>${u.disabled ? c.t.disabled : u.locked ? c.t.locked : c.t.active}</td><td class="mono">${utc(u.lastLoginAt)}</td><td class="mono">${utc(u.changedAt)}</td><td>${u.changedBy}</td><td>${u.unused ? html`<span class="badge hold">${c.t.unusedMark}</span>` : ''}</td></tr>`);
  return layout(c, c.t.review, html`<h1>${c.t.review}</h1><div class="card"><p class="hint">${c.t.reviewNote(utc(r.generatedAt), utc(r.unusedSince))}</p>
<table id="review"><thead><tr><th>${c.t.username}</th><th>${c.t.role}</th><th>${c.t.permissions}</th><th>${c.t.state}</th><th>${c.t.lastLogin}</th><th>${c.t.lastChange}</th><th>${c.t.who}</th><th></th></tr></thead><tbody>${rows}</tbody></table>
<p id="unused">${r.unused.length ? c.t.unusedList(r.unused.join(', ')) : c.t.allUsed}</p></div>
${r.records ? html`<div class="card"><h2>${c.t.recordsTitle}</h2><p class="hint">${c.t.recordsNote}</p><table id="records"><thead><tr><th>${c.t.recordKind}</th><th>${c.t.where}</th><th>${c.t.count}</th><th>${c.t.oldest}</th><th>${c.t.deadline}</th><th>${c.t.overdue}</th></tr></thead><tbody>${records}</tbody></table></div>` : ''}`);
}

export function receiptsPage(c: PageCtx, receipts: DeletionReceipt[]): string {
  const rows = receipts.map((r) => html`<tr><td class="mono">${utc(r.deletedAt)}</td><td class="mono">${r.clipId}</td><td>${r.rule}</td><td>${r.by}</td><td class="mono">${r.sha256}</td><td>${r.bytes}</td></tr>`);
  return layout(c, c.t.receipts, html`<h1>${c.t.receipts}</h1><div class="card"><p class="hint">${c.t.receiptsNote}</p>
${receipts.length ? html`<table id="receipts"><thead><tr><th>${c.t.deletedAt}</th><th>${c.t.clip}</th><th>${c.t.rule}</th><th>${c.t.who}</th><th>${c.t.sha256}</th><th>${c.t.bytes}</th></tr></thead><tbody>${rows}</tbody></table>` : html`<p id="no-receipts">${c.t.noReceipts}</p>`}</div>`);
}

export interface ExportForm { kind: 'police' | 'dsar'; clipIds: string; journalNumber?: string; recipient?: string; subject?: string }
export interface ExportDone { kind: 'police' | 'dsar'; file: string; password: string; sha256: string; clips: number; exportId?: number }

/** Pick clips → an encrypted package; the password is shown once, on the answer to the POST, and never again. */
export function exportPage(c: PageCtx, o: { form: ExportForm; done?: ExportDone; error?: string; canRedact?: boolean }): string {
  const f = o.form;
  const d = o.done;
  const checked = (k: string) => f.kind === k ? html` checked` : html``;
  return layout(c, c.t.exportTitle, html`<h1>${c.t.exportTitle}</h1>${o.error ? msg({ kind: 'err', text: o.error }) : ''}
${d ? html`<div class="card" id="export-done"><h2>${d.kind === 'police' ? c.t.policePackage : c.t.dsarPackage}</h2>
<p>${c.t.packageMade(d.clips)}</p><dl class="meta"><dt>${c.t.password}</dt><dd class="mono" id="package-password">${d.password}</dd>
<dt>${c.t.file}</dt><dd class="mono" id="package-file">${d.file}</dd><dt>${c.t.sha256}</dt><dd class="mono">${d.sha256}</dd></dl>
<p class="msg err">${c.t.passwordOnce}</p>${d.exportId ? html`<p><a href="/office/exports/${d.exportId}/package" id="download" download>${c.t.downloadPackage}</a></p><p class="hint">${c.t.downloadOnce}</p>` : html`<p class="hint" id="no-download">${c.t.noDownloadYet}</p>`}</div>` : ''}
<div class="card"><form method="post" action="/office/export" id="export-form">${csrf(c)}
<div class="row"><label><input type="radio" name="kind" value="police" id="kind-police"${checked('police')}> ${c.t.policePackage}</label>
<label><input type="radio" name="kind" value="dsar" id="kind-dsar"${checked('dsar')}> ${c.t.dsarPackage}</label></div>
<div class="field"><label for="clipIds">${c.t.clipIds}</label><textarea id="clipIds" name="clipIds" rows="5" required>${f.clipIds}</textarea></div>
<div class="row"><div class="field"><label for="journalNumber">${c.t.journalNumber}</label><input id="journalNumber" name="journalNumber" maxlength="100" value="${f.journalNumber ?? ''}"></div>
<div class="field"><label for="recipient">${c.t.recipient}</label><input id="recipient" name="recipient" maxlength="200" value="${f.recipient ?? ''}"></div>
<div class="field"><label for="subject">${c.t.subject}</label><input id="subject" name="subject" maxlength="200" value="${f.subject ?? ''}"></div></div>
<p class="hint">${c.t.exportNote}</p><div class="row actions"><button class="primary" type="submit" id="make-package">${c.t.makePackage}</button>
${o.canRedact ? html`<button class="primary" type="submit" formaction="/office/redactions" id="redact-start">${c.t.redactFirst}</button>` : ''}</div>
${o.canRedact ? html`<p class="hint">${c.t.redactFirstNote}</p>` : ''}</form></div>`);
}
