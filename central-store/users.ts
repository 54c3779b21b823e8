// Named users, roles and what each role may do; scrypt password hashes; lockout after consecutive
// failed logins that only an administrator lifts (no time-based unlock). No default users: the first
// administrator comes from bootstrapAdmin(), which refuses once any administrator exists.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { migrate, type Db } from './db.js';

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

const MIGRATION = `
CREATE TABLE users (
  username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_at TEXT, disabled_at TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL, changed_at TEXT NOT NULL,
  changed_by TEXT NOT NULL, last_login_at TEXT
);`;

interface Row { username: string; role: Role; password_hash: string; failed_logins: number; locked_at: string | null; disabled_at: string | null; created_at: string; created_by: string; changed_at: string; changed_by: string; last_login_at: string | null }
const fromRow = (r: Row): User => ({ username: r.username, role: r.role, failedLogins: r.failed_logins, lockedAt: r.locked_at, disabledAt: r.disabled_at, createdAt: r.created_at, createdBy: r.created_by, changedAt: r.changed_at, changedBy: r.changed_by, lastLoginAt: r.last_login_at });

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

  constructor(private readonly db: Db, opts: { now?: () => number; maxFailures?: number; scrypt?: ScryptParams } = {}) {
    this.now = opts.now ?? Date.now;
    this.maxFailures = opts.maxFailures ?? 5;
    this.scrypt = opts.scrypt ?? DEFAULT_SCRYPT;
    if (!Number.isInteger(this.maxFailures) || this.maxFailures < 1) throw new UserError('bad-input', 'maxFailures: a whole number >= 1');
    this.dummy = dummyHash(this.scrypt);
    migrate(db, 'users-1', MIGRATION);
  }
  private iso(): string { return new Date(this.now()).toISOString(); }

  get(username: string): User | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined;
    return r && fromRow(r);
  }
  list(): User[] { return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as Row[]).map(fromRow); }
  private must(username: string): User {
    const u = this.get(username);
    if (!u) throw new UserError('not-found', `user ${JSON.stringify(username)} does not exist`);
    return u;
  }

  /** The first administrator. Refuses once any administrator exists (even a disabled one). */
  async bootstrapAdmin(username: string, password: string): Promise<User> {
    checkUsername(username); checkNewPassword(password);
    const hash = await hashPassword(password, this.scrypt);
    return this.db.transaction(() => {
      if (this.db.prepare("SELECT 1 FROM users WHERE role = 'administrator'").get()) throw new UserError('conflict', 'an administrator already exists: bootstrap is only for the first one');
      return this.insert(username, 'administrator', hash, 'bootstrap');
    }).immediate();
  }

  async create(by: string, username: unknown, role: unknown, password: unknown): Promise<User> {
    const u = checkUsername(username); const r = checkRole(role); const p = checkNewPassword(password);
    if (this.get(u)) throw new UserError('conflict', `user ${JSON.stringify(u)} already exists`);
    const hash = await hashPassword(p, this.scrypt);
    return this.db.transaction(() => {
      if (this.get(u)) throw new UserError('conflict', `user ${JSON.stringify(u)} already exists`);
      return this.insert(u, r, hash, by);
    }).immediate();
  }
  private insert(username: string, role: Role, hash: string, by: string): User {
    const at = this.iso();
    this.db.prepare('INSERT INTO users (username, role, password_hash, created_at, created_by, changed_at, changed_by) VALUES (?, ?, ?, ?, ?, ?, ?)').run(username, role, hash, at, by, at, by);
    return this.get(username)!;
  }

  /** Administrators left who can still log in (not disabled). */
  private activeAdmins(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'administrator' AND disabled_at IS NULL").get() as { n: number }).n;
  }
  private guardLastAdmin(u: User, what: string): void {
    if (u.role === 'administrator' && !u.disabledAt && this.activeAdmins() <= 1) throw new UserError('conflict', `${what}: ${u.username} is the last active administrator`);
  }

  setRole(by: string, username: string, role: unknown): User {
    const r = checkRole(role);
    return this.db.transaction(() => {
      const u = this.must(username);
      if (r !== 'administrator') this.guardLastAdmin(u, 'role');
      this.db.prepare('UPDATE users SET role = ?, changed_at = ?, changed_by = ? WHERE username = ?').run(r, this.iso(), by, username);
      return this.must(username);
    }).immediate();
  }
  unlock(by: string, username: string): User {
    this.must(username);
    this.db.prepare('UPDATE users SET locked_at = NULL, failed_logins = 0, changed_at = ?, changed_by = ? WHERE username = ?').run(this.iso(), by, username);
    return this.must(username);
  }
  disable(by: string, username: string): User {
    return this.db.transaction(() => {
      const u = this.must(username);
      this.guardLastAdmin(u, 'disable');
      if (!u.disabledAt) this.db.prepare('UPDATE users SET disabled_at = ?, changed_at = ?, changed_by = ? WHERE username = ?').run(this.iso(), this.iso(), by, username);
      return this.must(username);
    }).immediate();
  }

  /** Undo a disable (the account's lock state and counters are unchanged). */
  enable(by: string, username: string): User {
    const u = this.must(username);
    if (u.disabledAt) this.db.prepare('UPDATE users SET disabled_at = NULL, changed_at = ?, changed_by = ? WHERE username = ?').run(this.iso(), by, username);
    return this.must(username);
  }

  /**
   * Remove accounts disabled before `cutoff` (their deadline): the row, its password hash and counters go;
   * the access log keeps who did what under the name for its own 6 months. Returns the names removed.
   */
  removeDisabled(cutoff: string): string[] {
    return this.db.transaction(() => {
      const names = (this.db.prepare('SELECT username FROM users WHERE disabled_at IS NOT NULL AND disabled_at < ? ORDER BY username').all(cutoff) as { username: string }[]).map((r) => r.username);
      const del = this.db.prepare('DELETE FROM users WHERE username = ?');
      for (const n of names) del.run(n);
      return names;
    }).immediate();
  }

  /**
   * Check a password. A failure counts (atomically) towards the lockout; reaching maxFailures locks the
   * account until unlock(). A locked or disabled account is refused even with the right password.
   * Every path does exactly one scrypt check (unknown names against a dummy hash, locked and disabled
   * accounts against their own), so the time taken does not tell them apart.
   */
  async login(username: string, password: string): Promise<LoginResult> {
    const row = typeof username === 'string' ? this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined : undefined;
    const good = await checkPassword(String(password), row?.password_hash ?? this.dummy) && typeof password === 'string';
    if (!row) return { ok: false, code: 'bad-credentials', proved: false, lockedNow: false, failedLogins: 0 };
    return this.db.transaction((): LoginResult => {
      const cur = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as Row;
      if (cur.disabled_at) return { ok: false, code: 'disabled', proved: good, lockedNow: false, failedLogins: cur.failed_logins };
      if (cur.locked_at) return { ok: false, code: 'locked', proved: good, lockedNow: false, failedLogins: cur.failed_logins };
      if (good) {
        this.db.prepare('UPDATE users SET failed_logins = 0, last_login_at = ? WHERE username = ?').run(this.iso(), username);
        return { ok: true, user: this.must(username) };
      }
      const n = cur.failed_logins + 1;
      const lock = n >= this.maxFailures;
      this.db.prepare('UPDATE users SET failed_logins = ?, locked_at = ? WHERE username = ?').run(n, lock ? this.iso() : null, username);
      return { ok: false, code: lock ? 'locked' : 'bad-credentials', proved: false, lockedNow: lock, failedLogins: n };
    }).immediate();
  }
}
