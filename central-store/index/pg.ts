// The index port on PostgreSQL (`pg`). A unit of work is one transaction on one pooled connection.
// Migrations run under an advisory lock, so several central nodes starting at once apply each once.
// Unreachable at start: a ConfigError naming the setting (the server exits 78).
import pg from 'pg';
import { ConfigError } from '../../shared/config.js';
import { inUnit, pgPlaceholders, refuseNested, type Index, type Migration, type Unit } from './port.js';

/** Advisory lock key for migrations ('bodycam' in ASCII, as a bigint). */
const MIGRATION_LOCK = 0x626f647963616dn;

function unitOn(c: pg.PoolClient): Unit {
  const q = (sql: string, p?: unknown[]) => c.query(pgPlaceholders(sql), p as unknown[] | undefined);
  return {
    dialect: 'pg',
    all: async <T>(sql: string, p?: unknown[]) => (await q(sql, p)).rows as T[],
    get: async <T>(sql: string, p?: unknown[]) => (await q(sql, p)).rows[0] as T | undefined,
    run: async (sql: string, p?: unknown[]) => ({ changes: (await q(sql, p)).rowCount ?? 0 }),
  };
}

export class PgIndex implements Index {
  readonly dialect = 'pg' as const;
  private constructor(readonly pool: pg.Pool) {}

  static async open(url: string, o: { field?: string; passwordField?: string; max?: number; password?: string } = {}): Promise<PgIndex> {
    const pool = new pg.Pool({ connectionString: url, max: o.max ?? 10, connectionTimeoutMillis: 10_000, ...(o.password !== undefined ? { password: o.password } : {}) });
    pool.on('error', () => undefined); // an idle client's broken connection: the next query reports it
    try {
      const c = await pool.connect();
      try {
        // Under the migrations' lock: CREATE TABLE IF NOT EXISTS is not safe against itself (two nodes
        // starting on a fresh database at once: one failed with 23505 on pg_type before this lock).
        await c.query('BEGIN');
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
        await c.query(`CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally { c.release(); }
    } catch (err) {
      await pool.end().catch(() => undefined);
      const e = err as NodeJS.ErrnoException;
      // 28P01 wrong password, 28000 no such role / not allowed by pg_hba: the credentials, not the address.
      const field = (e.code === '28P01' || e.code === '28000') && o.passwordField ? o.passwordField : (o.field ?? 'config.index.postgres.url');
      throw new ConfigError(`${field}: cannot use PostgreSQL at ${redact(url)}: ${e.code ?? e.name}: ${e.message}`);
    }
    return new PgIndex(pool);
  }

  async tx<T>(fn: (u: Unit) => Promise<T>): Promise<T> {
    refuseNested(this);
    const c = await this.pool.connect();
    // The pool listens for errors only on idle clients: a connection cut while this unit has it (a
    // PostgreSQL restart between two statements) would otherwise be an uncaught 'error' that ends the
    // process. The unit fails instead, and the broken client is discarded, not returned to the pool.
    let broken: Error | undefined;
    const onError = (err: Error) => { broken ??= err; };
    c.on('error', onError);
    try {
      await c.query('BEGIN');
      const r = await inUnit.run(this, () => fn(unitOn(c)));
      await c.query('COMMIT');
      return r;
    } catch (err) {
      if (!broken) await c.query('ROLLBACK').catch((e: Error) => { broken = e; });
      throw err;
    } finally {
      c.off('error', onError);
      c.release(broken ?? false);
    }
  }

  async migrate(list: readonly Migration[]): Promise<string[]> {
    const applied: string[] = [];
    for (const m of list) {
      const did = await this.tx(async (u) => {
        await u.run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK.toString()]);
        if (await u.get('SELECT 1 FROM migrations WHERE name = ?', [m.name])) return false;
        await u.run(m.pg);
        await u.run('INSERT INTO migrations (name, applied_at) VALUES (?, ?)', [m.name, new Date().toISOString()]);
        return true;
      });
      if (did) applied.push(m.name);
    }
    return applied;
  }

  async close(): Promise<void> { await this.pool.end(); }
}

/** The URL without its password, for error messages. */
function redact(url: string): string {
  try { const u = new URL(url); if (u.password) u.password = '***'; return u.toString(); } catch { return '(unparseable url)'; }
}
