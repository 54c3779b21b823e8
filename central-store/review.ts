// The authorisation review for the 6-monthly control: who has which rights, whether the account is
// locked or disabled, when it was last used and changed, and which accounts have gone unused.
import { monthsBefore } from './access-log.js';
import { ROLE_PERMISSIONS, type Permission, type Role, type Users } from './users.js';
import { censusText, type RecordKind } from './record-census.js';

export interface ReviewRow {
  username: string; role: Role; permissions: Permission[]; locked: boolean; disabled: boolean;
  lastLoginAt: string | null; createdAt: string; createdBy: string; changedAt: string; changedBy: string; unused: boolean;
}
export interface ReviewReport {
  generatedAt: string; unusedSince: string; users: ReviewRow[]; unused: string[];
  /** Each record kind's count, oldest record and deadline (record-census.ts), when the store gives them. */
  records?: RecordKind[];
}

/** unused: no login for more than `months` (default 6) — never logged in counts from creation. */
export async function reviewReport(users: Users, now: number, months = 6): Promise<ReviewReport> {
  const since = new Date(monthsBefore(now, months)).toISOString();
  const rows = (await users.list()).map((u): ReviewRow => ({
    username: u.username, role: u.role, permissions: [...ROLE_PERMISSIONS[u.role]], locked: u.lockedAt !== null, disabled: u.disabledAt !== null,
    lastLoginAt: u.lastLoginAt, createdAt: u.createdAt, createdBy: u.createdBy, changedAt: u.changedAt, changedBy: u.changedBy,
    unused: (u.lastLoginAt ?? u.createdAt) < since,
  }));
  return { generatedAt: new Date(now).toISOString(), unusedSince: since, users: rows, unused: rows.filter((r) => r.unused && !r.disabled).map((r) => r.username) };
}

export function reviewText(r: ReviewReport): string {
  const head = ['user', 'role', 'permissions', 'state', 'last login', 'last change', 'by'];
  const state = (x: ReviewRow) => x.disabled ? 'disabled' : x.locked ? 'LOCKED' : 'active';
  const body = r.users.map((x) => [x.username, x.role, x.permissions.join(','), state(x), x.lastLoginAt ?? 'never', x.changedAt, x.changedBy]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [`Authorisation review ${r.generatedAt}`, '', line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ''];
  out.push(r.unused.length ? `Not used since ${r.unusedSince} (review or disable): ${r.unused.join(', ')}` : `All active accounts used since ${r.unusedSince}.`);
  if (r.records) out.push('', 'Records and their deadlines (docs/data-inventory.md)', '', censusText(r.records).trimEnd());
  return `${out.join('\n')}\n`;
}
