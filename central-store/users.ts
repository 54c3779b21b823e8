// Named users, roles and what each role may do; scrypt password hashes; lockout after consecutive
// failed logins that only an administrator lifts (no time-based unlock). No default users: the first
// administrator comes from bootstrapAdmin(), which refuses once any administrator exists.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Index, Unit } from './index/port.js';
import {
  activeAdministrators, anyAdministrator, deleteDisabledBefore, insertUser, noteLoginFailure, noteLoginOk, setUserDisabled, setUserRole, unlockUser, userRow, userRows,
  type UserRow as Row,
} from './index/tables/users.js';

export const PERMISSIONS = ['search', 'view', 'download', 'export', 'dsar', 'hold', 'annotate', 'delete', 'admin', 'audit'] as const;
export type Permission = (typeof PERMISSIONS)[number];
export const ROLES = ['viewer', 'evidence-officer', 'administrator', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** The permission table (docs/central-store.md). Administrators manage users, not footage. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['search', 'view'],
  'evidence-officer': ['search', 'view', 'download', 'export', 'dsar', 'hold', 'annotate', 'delete'],
  administrator: ['admin', 'audit'],
  auditor: ['audit'],
};
export const can = (role: Role, p: Permission): boolean => ROLE_PERMISSIONS[role].includes(p);

export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,62}$/;
export const MIN_PASSWORD = 12;
/** Names the log uses for the store itself. */
export const RESERVED = ['system', 'bootstrap', 'break-glass'];

export interface User {
  username: string; role: Role; failedLogins: number; lockedAt: string | null; disabledAt: string | null;
  createdAt: string; createdBy: string; changedAt: string; changedBy: string; lastLoginAt: string | null;
}

export class UserError extends Error {
  constructor(readonly code: 'bad-input' | 'not-found' | 'conflict' | 'locked' | 'disabled' | 'bad-credentials', message: string) { super(message); }
}


const fromRow = (r: Row): User => ({ username: r.username, role: r.role as Role, failedLogins: r.failed_logins, lockedAt: r.locked_at, disabledAt: r.disabled_at, createdAt: r.created_at, createdBy: r.created_by, changedAt: r.changed_at, changedBy: r.changed_by, lastLoginAt: r.last_login_at });

export interface ScryptParams { N: number; r: number; p: number }
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 15, r: 8, p: 1 };

function scryptAsync(password: string, salt: Buffer, s: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, 32, { ...s, maxmem: 256 * s.N * s.r + (1 << 20) }, (err, key) => err ? reject(err) : resolve(key)));
}

/** "scrypt$N$r$p$salt(b64)$hash(b64)": the parameters travel with the hash so they can be raised later. */
export async function hashPassword(password: string, s: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${s.N}$${s.r}$${s.p}$${salt.toString('base64')}$${(await scryptAsync(password, salt, s)).toString('base64')}`;
}
export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [tag, N, r, p, salt, hash] = stored.split('$');
  if (tag !== 'scrypt' || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = await scryptAsync(password, Buffer.from(salt, 'base64'), { N: Number(N), r: Number(r), p: Number(p) });
  return got.length === want.length && timingSafeEqual(got, want);
}

export function checkNewPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD) throw new UserError('bad-input', `password: at least ${MIN_PASSWORD} characters`);
  if (password.length > 1024) throw new UserError('bad-input', 'password: at most 1024 characters');
  return password;
}
/** An initial password the administrator hands over once (never stored but as its hash): 24 base64url characters, 144 bits. */
export function generatePassword(): string { return randomBytes(18).toString('base64url'); }
export function checkUsername(u: unknown): string {
  if (typeof u !== 'string' || !USERNAME.test(u) || RESERVED.includes(u)) throw new UserError('bad-input', `username: 2-63 of a-z 0-9 . _ - (starting with a letter or digit), not ${RESERVED.join(' or ')}`);
  return u;
}
export function checkRole(r: unknown): Role {
  if (!ROLES.includes(r as Role)) throw new UserError('bad-input', `role: one of ${ROLES.join(', ')}`);
  return r as Role;
}

/**
 * `proved`: the password was right. Only then may the caller tell the client that the account is locked
 * or disabled; without it unknown, wrong-password, locked and disabled must all look the same.
 */
export type LoginResult = { ok: true; user: User } | { ok: false; code: 'bad-credentials' | 'locked' | 'disabled'; proved: boolean; lockedNow: boolean; failedLogins: number };

/** A hash in the stored format that no password matches: checking against it costs what a real check costs. */
export function dummyHash(s: ScryptParams): string {
  return `scrypt$${s.N}$${s.r}$${s.p}$${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}`;
}

export class Users {
  private readonly now: () => number;
  readonly maxFailures: number;
  private readonly scrypt: ScryptParams;
  private readonly dummy: string;

  /** The index must have MIGRATIONS applied (openIndex does it). */
  constructor(readonly index: Index, opts: { now?: () => number; maxFailures?: number; scrypt?: ScryptParams } = {}) {
    this.now = opts.now ?? Date.now;
    this.maxFailures = opts.maxFailures ?? 5;
    this.scrypt = opts.scrypt ?? DEFAULT_SCRYPT;
    if (!Number.isInteger(this.maxFailures) || this.maxFailures < 1) throw new UserError('bad-input', 'maxFailures: a whole number >= 1');
    this.dummy = dummyHash(this.scrypt);
  }
  private iso(): string { return new Date(this.now()).toISOString(); }
  /** In the caller's unit (its change commits with the caller's log entry), or a unit of its own. */
  private within<T>(u: Unit | undefined, fn: (u: Unit) => Promise<T>): Promise<T> { return u ? fn(u) : this.index.tx(fn); }

  get(username: string, u?: Unit): Promise<User | undefined> {
    return this.within(u, async (q) => { const r = await userRow(q, username); return r && fromRow(r); });
  }
  list(u?: Unit): Promise<User[]> { return this.within(u, async (q) => (await userRows(q)).map(fromRow)); }
  private async must(q: Unit, username: string, lock = false): Promise<User> {
    const r = await userRow(q, username, { lock });
    if (!r) throw new UserError('not-found', `user ${JSON.stringify(username)} does not exist`);
    return fromRow(r);
  }

  /** The first administrator. Refuses once any administrator exists (even a disabled one). */
  async bootstrapAdmin(username: string, password: string): Promise<User> {
    checkUsername(username); checkNewPassword(password);
    const hash = await hashPassword(password, this.scrypt);
    return this.index.tx(async (q) => {
      // On PostgreSQL two nodes bootstrapping at once: the second waits here and then sees the first's row.
      if (q.dialect === 'pg') await q.run('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
      if (await anyAdministrator(q)) throw new UserError('conflict', 'an administrator already exists: bootstrap is only for the first one');
      return this.insert(q, username, 'administrator', hash, 'bootstrap');
    });
  }

  async create(by: string, username: unknown, role: unknown, password: unknown): Promise<User> {
    const name = checkUsername(username); const r = checkRole(role); const p = checkNewPassword(password);
    if (await this.get(name)) throw new UserError('conflict', `user ${JSON.stringify(name)} already exists`);
    const hash = await hashPassword(p, this.scrypt);
    return this.index.tx(async (q) => {
      if (await userRow(q, name)) throw new UserError('conflict', `user ${JSON.stringify(name)} already exists`);
      return this.insert(q, name, r, hash, by);
    });
  }
  private async insert(q: Unit, username: string, role: Role, hash: string, by: string): Promise<User> {
    await insertUser(q, { username, role, hash, at: this.iso(), by });
    return this.must(q, username);
  }

  private async guardLastAdmin(q: Unit, u: User, what: string): Promise<void> {
    if (u.role === 'administrator' && !u.disabledAt && await activeAdministrators(q) <= 1) throw new UserError('conflict', `${what}: ${u.username} is the last active administrator`);
  }

  setRole(by: string, username: string, role: unknown, u?: Unit): Promise<User> {
    return this.within(u, async (q) => {
      const r = checkRole(role);
      const cur = await this.must(q, username, true);
      if (r !== 'administrator') await this.guardLastAdmin(q, cur, 'role');
      await setUserRole(q, username, r, this.iso(), by);
      return this.must(q, username);
    });
  }
  unlock(by: string, username: string, u?: Unit): Promise<User> {
    return this.within(u, async (q) => {
      await this.must(q, username, true);
      await unlockUser(q, username, this.iso(), by);
      return this.must(q, username);
    });
  }
  disable(by: string, username: string, u?: Unit): Promise<User> {
    return this.within(u, async (q) => {
      const cur = await this.must(q, username, true);
      await this.guardLastAdmin(q, cur, 'disable');
      if (!cur.disabledAt) await setUserDisabled(q, username, this.iso(), this.iso(), by);
      return this.must(q, username);
    });
  }

  /** Undo a disable (the account's lock state and counters are unchanged). */
  enable(by: string, username: string, u?: Unit): Promise<User> {
    return this.within(u, async (q) => {
      const cur = await this.must(q, username, true);
      if (cur.disabledAt) await setUserDisabled(q, username, null, this.iso(), by);
      return this.must(q, username);
    });
  }

  /**
   * Remove accounts disabled before `cutoff` (their deadline): the row, its password hash and counters go;
   * the access log keeps who did what under the name for its own 6 months. Returns the names removed.
   */
  removeDisabled(cutoff: string): Promise<string[]> {
    return this.index.tx((q) => deleteDisabledBefore(q, cutoff));
  }

  /**
   * Check a password. A failure counts (atomically, the row locked on PostgreSQL so two nodes never lose
   * a count) towards the lockout; reaching maxFailures locks the account until unlock(). A locked or
   * disabled account is refused even with the right password. Every path does exactly one scrypt check
   * (unknown names against a dummy hash, locked and disabled accounts against their own), so the time
   * taken does not tell them apart.
   */
  async login(username: string, password: string): Promise<LoginResult> {
    const row = typeof username === 'string' ? await this.index.tx((q) => userRow(q, username)) : undefined;
    const good = await checkPassword(String(password), row?.password_hash ?? this.dummy) && typeof password === 'string';
    if (!row) return { ok: false, code: 'bad-credentials', proved: false, lockedNow: false, failedLogins: 0 };
    return this.index.tx(async (q): Promise<LoginResult> => {
      const cur = await userRow(q, username, { lock: true });
      if (!cur) return { ok: false, code: 'bad-credentials', proved: false, lockedNow: false, failedLogins: 0 };
      if (cur.disabled_at) return { ok: false, code: 'disabled', proved: good, lockedNow: false, failedLogins: cur.failed_logins };
      if (cur.locked_at) return { ok: false, code: 'locked', proved: good, lockedNow: false, failedLogins: cur.failed_logins };
      if (good) {
        await noteLoginOk(q, username, this.iso());
        return { ok: true, user: await this.must(q, username) };
      }
      const n = cur.failed_logins + 1;
      const lock = n >= this.maxFailures;
      await noteLoginFailure(q, username, n, lock ? this.iso() : null);
      return { ok: false, code: lock ? 'locked' : 'bad-credentials', proved: false, lockedNow: lock, failedLogins: n };
    });
  }
}
