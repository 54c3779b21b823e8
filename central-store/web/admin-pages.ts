// Administration: the users (create, role, disable/enable, unlock, each with a reason where it changes
// what an account may do) and the permission table. Rendered like pages.ts: every value escaped.
import type { permissionTable } from '../operations.js';
import type { User } from '../users.js';
import { html, layout, type PageCtx } from './pages.js';

type Msg = { kind: 'ok' | 'err'; text: string };
const msg = (m?: Msg) => m ? html`<div class="msg ${m.kind}" role="${m.kind === 'err' ? 'alert' : 'status'}" id="msg">${m.text}</div>` : html``;
const utc = (s: string | null | undefined) => s ? s.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '—';
const csrf = (c: PageCtx) => html`<input type="hidden" name="_csrf" value="${c.me!.csrf}">`;
const state = (c: PageCtx, u: User) => u.disabledAt ? html`<span class="badge denied">${c.t.disabled}</span>` : u.lockedAt ? html`<span class="badge hold">${c.t.locked}</span>` : html`<span class="badge ok">${c.t.active}</span>`;
const roleSelect = (c: PageCtx, roles: readonly string[], id: string, selected?: string) =>
  html`<select id="${id}" name="role" required>${roles.map((r) => html`<option value="${r}"${r === selected ? html` selected` : ''}>${r}</option>`)}</select>`;

export interface CreateForm { username?: string; role?: string; mode?: 'generate' | 'set'; reason?: string }
export interface Created { username: string; role: string; password?: string }

/** Every account, and the form for a new one; a store-made password is on this one answer only. */
export function usersPage(c: PageCtx, o: { users: User[]; roles: readonly string[]; form?: CreateForm; created?: Created; message?: Msg }): string {
  const f = o.form ?? {};
  const rows = o.users.map((u) => html`<tr><td><a href="/office/admin/users/${encodeURIComponent(u.username)}" class="user-link">${u.username}</a></td><td>${u.role}</td><td>${state(c, u)}</td>
<td>${u.failedLogins}</td><td class="mono">${utc(u.lastLoginAt)}</td><td class="mono">${utc(u.changedAt)}</td><td>${u.changedBy}</td></tr>`);
  const gen = f.mode !== 'set';
  const made = o.created;
  return layout(c, c.t.usersTitle, html`<h1>${c.t.usersTitle}</h1>${msg(o.message)}
${made ? html`<div class="card" id="user-created"><h2>${c.t.userCreated(made.username, made.role)}</h2>${made.password
    ? html`<dl class="meta"><dt>${c.t.initialPassword}</dt><dd class="mono" id="initial-password">${made.password}</dd></dl><p class="msg err">${c.t.initialPasswordOnce}</p>`
    : html`<p class="hint">${c.t.passwordSetByAdmin}</p>`}</div>` : ''}
<div class="card"><table id="users"><thead><tr><th>${c.t.username}</th><th>${c.t.role}</th><th>${c.t.state}</th><th>${c.t.failedLogins}</th><th>${c.t.lastLogin}</th><th>${c.t.lastChange}</th><th>${c.t.who}</th></tr></thead><tbody>${rows}</tbody></table>
<p><a href="/office/admin/permissions" id="permissions-link">${c.t.permissionTable}</a></p></div>
<div class="card"><h2>${c.t.newUser}</h2><form method="post" action="/office/admin/users" id="create-form" autocomplete="off">${csrf(c)}<div class="row">
<div class="field"><label for="new-username">${c.t.username}</label><input id="new-username" name="username" required maxlength="63" pattern="[a-z0-9][a-z0-9._\\-]{1,62}" value="${f.username ?? ''}"></div>
<div class="field"><label for="new-role">${c.t.role}</label>${roleSelect(c, o.roles, 'new-role', f.role)}</div>
<div class="field"><label for="create-reason">${c.t.reason}</label><input id="create-reason" name="reason" required maxlength="500" value="${f.reason ?? ''}"></div></div>
<div class="row"><label><input type="radio" name="mode" value="generate" id="mode-generate"${gen ? html` checked` : ''}> ${c.t.generatePassword}</label>
<label><input type="radio" name="mode" value="set" id="mode-set"${gen ? '' : html` checked`}> ${c.t.setPassword}</label>
<div class="field"><label for="new-password">${c.t.password}</label><input id="new-password" name="password" type="password" minlength="12" maxlength="1024" autocomplete="new-password"></div></div>
<p class="hint">${c.t.createNote}</p><button class="primary" type="submit" id="create-user">${c.t.createUser}</button></form></div>`);
}

/** One account: change its role, disable or enable it, unlock it; each change with a reason. */
export function userPage(c: PageCtx, o: { user: User; roles: readonly string[]; permissions: readonly string[]; message?: Msg }): string {
  const u = o.user;
  const base = `/office/admin/users/${encodeURIComponent(u.username)}`;
  const reason = (id: string, required = true) => html`<div class="field"><label for="${id}">${c.t.reason}</label><input id="${id}" name="reason" maxlength="500"${required ? html` required` : ''}></div>`;
  return layout(c, `${c.t.user} ${u.username}`, html`<h1>${c.t.user} <span class="mono" id="user-name">${u.username}</span></h1>${msg(o.message)}
<div class="grid"><div>
<div class="card"><h2>${c.t.role}</h2><form method="post" action="${base}/role" id="role-form">${csrf(c)}<div class="row">
<div class="field"><label for="role">${c.t.role}</label>${roleSelect(c, o.roles, 'role', u.role)}</div>${reason('role-reason')}
<div><button class="primary" type="submit" id="set-role">${c.t.changeRole}</button></div></div></form></div>
<div class="card"><h2>${c.t.access}</h2>${u.disabledAt
    ? html`<form method="post" action="${base}/enable" id="enable-form">${csrf(c)}<div class="row">${reason('enable-reason')}<div><button class="primary" type="submit" id="enable">${c.t.enable}</button></div></div></form>`
    : html`<form method="post" action="${base}/disable" id="disable-form">${csrf(c)}<div class="row">${reason('disable-reason')}<div><button class="danger" type="submit" id="disable">${c.t.disable}</button></div></div></form>`}
${u.lockedAt ? html`<form method="post" action="${base}/unlock" id="unlock-form">${csrf(c)}<div class="row">${reason('unlock-reason', false)}<div><button class="primary" type="submit" id="unlock">${c.t.unlock}</button></div></div></form>` : ''}
<p class="hint">${c.t.disableNote}</p></div>
</div><div>
<div class="card"><h2>${c.t.account}</h2><dl class="meta" id="user-meta">
<dt>${c.t.role}</dt><dd id="user-role">${u.role}</dd><dt>${c.t.permissions}</dt><dd id="user-permissions">${o.permissions.join(', ') || '—'}</dd>
<dt>${c.t.state}</dt><dd id="user-state">${state(c, u)}</dd><dt>${c.t.failedLogins}</dt><dd>${u.failedLogins}</dd>
<dt>${c.t.lastLogin}</dt><dd class="mono">${utc(u.lastLoginAt)}</dd><dt>${c.t.created}</dt><dd class="mono">${utc(u.createdAt)} · ${u.createdBy}</dd>
<dt>${c.t.lastChange}</dt><dd class="mono">${utc(u.changedAt)} · ${u.changedBy}</dd></dl>
<p><a href="/office/audit/log?user=${encodeURIComponent(u.username)}">${c.t.auditLog}</a></p></div>
</div></div>`);
}

/**
 * Who may do what: the roles × permissions grid and each permission's actions, both from
 * permissionTable() (the tables the permission check itself reads), and who holds each role now.
 */
export function permissionsPage(c: PageCtx, o: { table: ReturnType<typeof permissionTable>; users: User[] }): string {
  const tb = o.table;
  const holders = (r: string) => o.users.filter((u) => u.role === r && !u.disabledAt).map((u) => u.username);
  const grid = tb.roles.map((r) => html`<tr><th scope="row">${r}</th>${tb.permissions.map((p) => tb.grants[r].includes(p)
    ? html`<td class="yes" data-role="${r}" data-permission="${p}">✔</td>` : html`<td class="no" data-role="${r}" data-permission="${p}"></td>`)}
<td class="holders" data-role="${r}">${holders(r).join(', ') || '—'}</td></tr>`);
  const actions = tb.permissions.map((p) => html`<tr><td class="mono">${p}</td><td>${c.t.permissionMeaning[p] ?? ''}</td><td class="mono" data-permission="${p}">${tb.actions[p].join(' ')}</td>
<td>${tb.roles.filter((r) => tb.grants[r].includes(p)).join(', ')}</td></tr>`);
  return layout(c, c.t.permissionTable, html`<h1>${c.t.permissionTable}</h1><p class="hint">${c.t.permissionNote}</p>
<div class="card"><table id="grid"><thead><tr><th>${c.t.role}</th>${tb.permissions.map((p) => html`<th class="mono">${p}</th>`)}<th>${c.t.holders}</th></tr></thead><tbody>${grid}</tbody></table></div>
<div class="card"><h2>${c.t.permissionActions}</h2><table id="actions"><thead><tr><th>${c.t.permissions}</th><th></th><th>${c.t.action}</th><th>${c.t.role}</th></tr></thead><tbody>${actions}</tbody></table></div>`);
}
