// The central store's sqlite index. secure_delete so deleted rows are zeroed, rollback journal
// (DELETE mode, not WAL) so no deleted page survives in a side file. Each module brings its own
// named migrations; applying them twice is harmless.
import Database from 'better-sqlite3';

export type Db = Database.Database;

export function openCentralDb(path: string): Db {
  const db = new Database(path);
  db.pragma('secure_delete = ON');
  db.pragma('journal_mode = DELETE');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  return db;
}

/** Run `sql` once under `name` (e.g. 'ingest-1'), in a transaction. */
export function migrate(db: Db, name: string, sql: string): void {
  const done = db.prepare('SELECT 1 FROM migrations WHERE name = ?').get(name);
  if (done) return;
  db.transaction(() => {
    db.exec(sql);
    db.prepare('INSERT INTO migrations (name, applied_at) VALUES (?, ?)').run(name, new Date().toISOString());
  })();
}
