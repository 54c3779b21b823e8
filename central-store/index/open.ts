// The index a store configuration names: sqlite on the store's own central.db connection (default),
// or PostgreSQL shared by every central node. Problems with the settings are ConfigErrors naming the
// field (the server exits 78). Migrations are applied here, at open (on PostgreSQL the receipts' too:
// they share its database; on sqlite they are in receipts.db, opened by the evidence store).
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../shared/config.js';
import type { StoreConfig } from '../config.js';
import type { Db } from '../db.js';
import { MIGRATIONS, migrationsFor } from './migrations.js';
import { PgIndex } from './pg.js';
import type { Index } from './port.js';
import { SqliteIndex } from './sqlite.js';

function readPassword(file: string): string {
  try { return readFileSync(file, 'utf8').replace(/\r?\n$/, ''); } catch (err) {
    throw new ConfigError(`config.index.postgres.passwordFile: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** `db`: the store's central.db connection, needed (and opened by the caller) only for the sqlite index. */
export async function openIndex(config: Pick<StoreConfig, 'index'>, db?: Db): Promise<Index> {
  if (config.index.backend === 'sqlite') {
    if (!db) throw new Error('openIndex: the sqlite index needs the central.db connection');
    const ix = SqliteIndex.for(db);
    await ix.migrate(MIGRATIONS);
    return ix;
  }
  const c = config.index.postgres;
  const ix = await PgIndex.open(c.url, { max: c.poolMax, password: c.passwordFile ? readPassword(c.passwordFile) : undefined,
    field: 'config.index.postgres.url', passwordField: c.passwordFile ? 'config.index.postgres.passwordFile' : 'config.index.postgres.url' });
  try { await ix.migrate(migrationsFor('pg')); } catch (err) { await ix.close(); throw err; }
  return ix;
}
