// The database's own catalog, read-only: which tables an index holds and which migrations it applied
// (the inventory check and the tests ask; sqlite_master on sqlite, information_schema on PostgreSQL).
import type { Unit } from '../port.js';

/** The tables in the index's database, by name (sqlite's internal ones left out). */
export async function tableNames(u: Unit): Promise<string[]> {
  const rows = u.dialect === 'pg'
    ? await u.all<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")
    : await u.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  return rows.map((r) => r.name);
}

/** The names of the migrations applied, by name. */
export async function appliedMigrations(u: Unit): Promise<string[]> {
  return (await u.all<{ name: string }>('SELECT name FROM migrations ORDER BY name')).map((r) => r.name);
}

/**
 * Refresh the query planner's statistics (after a bulk load, so the search's indexes are chosen as on a
 * store that has run a while). sqlite samples at most 1000 rows per index (analysis_limit).
 */
export async function refreshStatistics(u: Unit): Promise<void> {
  if (u.dialect === 'sqlite') await u.get('PRAGMA analysis_limit = 1000');
  await u.run('ANALYZE');
}
