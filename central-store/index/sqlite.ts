// The index port on sqlite (better-sqlite3, opened by openCentralDb: secure_delete, rollback journal).
// better-sqlite3 is synchronous, so a unit's statements run at once; units are queued so an await
// inside one never lets another begin on the same connection.
import Database from 'better-sqlite3';
import { openCentralDb, type Db } from '../db.js';
import { inUnit, refuseNested, type Index, type Migration, type Unit } from './port.js';

const shared = new WeakMap<Db, SqliteIndex>();

export class SqliteIndex implements Index {
  readonly dialect = 'sqlite' as const;
  private queue: Promise<unknown> = Promise.resolve();
  constructor(readonly db: Db, private readonly owned = false) {}

  static open(path: string): SqliteIndex { return new SqliteIndex(openCentralDb(path), true); }

  /**
   * An existing central.db opened read-only, for a look from outside the process that owns it (the
   * simulator's checks, tests): nothing is written, not even a pragma; units read one snapshot.
   */
  static openReadOnly(path: string): SqliteIndex {
    return new SqliteIndex(new Database(path, { readonly: true, fileMustExist: true }), true);
  }

  /**
   * The one index over a connection that something else opened. One per connection: units queue per
   * index, and a second index on the same connection would begin its unit inside the first one's.
   */
  static for(db: Db): SqliteIndex {
    let ix = shared.get(db);
    if (!ix) shared.set(db, ix = new SqliteIndex(db));
    return ix;
  }

  private unit(): Unit {
    const db = this.db;
    const args = (p?: unknown[]) => (p ?? []).map((v) => (typeof v === 'boolean' ? Number(v) : v));
    return {
      dialect: 'sqlite',
      all: async <T>(sql: string, p?: unknown[]) => db.prepare(sql).all(...args(p)) as T[],
      get: async <T>(sql: string, p?: unknown[]) => db.prepare(sql).get(...args(p)) as T | undefined,
      run: async (sql: string, p?: unknown[]) => ({ changes: db.prepare(sql).run(...args(p)).changes }),
    };
  }

  tx<T>(fn: (u: Unit) => Promise<T>): Promise<T> {
    try { refuseNested(this); } catch (err) { return Promise.reject(err); }
    const next = this.queue.then(async () => {
      if (this.db.inTransaction) throw new Error('index: a unit of work began inside another transaction on this connection');
      // A read-only connection cannot take the write lock; its unit is a plain (deferred) read transaction.
      this.db.exec(this.db.readonly ? 'BEGIN' : 'BEGIN IMMEDIATE');
      try {
        const r = await inUnit.run(this, () => fn(this.unit()));
        this.db.exec('COMMIT');
        return r;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async migrate(list: readonly Migration[]): Promise<string[]> {
    const applied: string[] = [];
    for (const m of list) {
      const did = await this.tx(async (u) => {
        if (await u.get('SELECT 1 FROM migrations WHERE name = ?', [m.name])) return false;
        this.db.exec(m.sqlite);
        await u.run('INSERT INTO migrations (name, applied_at) VALUES (?, ?)', [m.name, new Date().toISOString()]);
        return true;
      });
      if (did) applied.push(m.name);
    }
    return applied;
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.owned) this.db.close();
  }
}
