// Owner of `users`: named accounts, their role, scrypt hash, lockout counters and lifecycle times.
// Rules (last administrator, lockout) live in ../../users.ts; this module only reads and writes rows.
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

const COLUMNS = `username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_at TEXT, disabled_at TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL, changed_at TEXT NOT NULL,
  changed_by TEXT NOT NULL, last_login_at TEXT`;

export const USERS_MIGRATIONS: Migration[] = [
  { name: 'users-1', sqlite: `\nCREATE TABLE users (\n  ${COLUMNS}\n);`, pg: `CREATE TABLE users (\n  ${COLUMNS}\n);` },
];

export interface UserRow { username: string; role: string; password_hash: string; failed_logins: number; locked_at: string | null; disabled_at: string | null; created_at: string; created_by: string; changed_at: string; changed_by: string; last_login_at: string | null }
const num = (r: UserRow | undefined): UserRow | undefined => r && { ...r, failed_logins: Number(r.failed_logins) };

/** The row, locked for the rest of the unit on PostgreSQL (two nodes counting the same failed login). */
export async function userRow(u: Unit, username: string, o: { lock?: boolean } = {}): Promise<UserRow | undefined> {
  return num(await u.get<UserRow>(`SELECT * FROM users WHERE username = ?${o.lock && u.dialect === 'pg' ? ' FOR UPDATE' : ''}`, [username]));
}
export async function userRows(u: Unit): Promise<UserRow[]> {
  return (await u.all<UserRow>('SELECT * FROM users ORDER BY username')).map((r) => num(r)!);
}
export async function anyAdministrator(u: Unit): Promise<boolean> {
  return !!await u.get("SELECT 1 AS x FROM users WHERE role = 'administrator'");
}
/**
 * Administrators who can still log in. On PostgreSQL their rows are locked first, so two nodes demoting
 * or disabling the last two administrators at once cannot both pass the last-administrator check.
 */
export async function activeAdministrators(u: Unit): Promise<number> {
  if (u.dialect === 'pg') return (await u.all("SELECT username FROM users WHERE role = 'administrator' AND disabled_at IS NULL FOR UPDATE")).length;
  return Number((await u.get<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE role = 'administrator' AND disabled_at IS NULL"))!.n);
}
export async function insertUser(u: Unit, r: { username: string; role: string; hash: string; at: string; by: string }): Promise<void> {
  await u.run('INSERT INTO users (username, role, password_hash, created_at, created_by, changed_at, changed_by) VALUES (?, ?, ?, ?, ?, ?, ?)', [r.username, r.role, r.hash, r.at, r.by, r.at, r.by]);
}
export async function setUserRole(u: Unit, username: string, role: string, at: string, by: string): Promise<void> {
  await u.run('UPDATE users SET role = ?, changed_at = ?, changed_by = ? WHERE username = ?', [role, at, by, username]);
}
export async function unlockUser(u: Unit, username: string, at: string, by: string): Promise<void> {
  await u.run('UPDATE users SET locked_at = NULL, failed_logins = 0, changed_at = ?, changed_by = ? WHERE username = ?', [at, by, username]);
}
export async function setUserDisabled(u: Unit, username: string, disabledAt: string | null, at: string, by: string): Promise<void> {
  await u.run('UPDATE users SET disabled_at = ?, changed_at = ?, changed_by = ? WHERE username = ?', [disabledAt, at, by, username]);
}
export async function noteLoginOk(u: Unit, username: string, at: string): Promise<void> {
  await u.run('UPDATE users SET failed_logins = 0, last_login_at = ? WHERE username = ?', [at, username]);
}
export async function noteLoginFailure(u: Unit, username: string, failures: number, lockedAt: string | null): Promise<void> {
  await u.run('UPDATE users SET failed_logins = ?, locked_at = ? WHERE username = ?', [failures, lockedAt, username]);
}
/** Remove accounts disabled before `cutoff`; returns their names. */
export async function deleteDisabledBefore(u: Unit, cutoff: string): Promise<string[]> {
  const names = (await u.all<{ username: string }>('SELECT username FROM users WHERE disabled_at IS NOT NULL AND disabled_at < ? ORDER BY username', [cutoff])).map((r) => r.username);
  for (const n of names) await u.run('DELETE FROM users WHERE username = ?', [n]);
  return names;
}

/** The review's figures: disabled accounts, past `cutoff` after disabling. */
export function disabledUsersCensus(u: Unit, cutoff: string): Promise<Census> {
  return censusOf(u, 'users', 'disabled_at', cutoff, { where: 'disabled_at IS NOT NULL' });
}
