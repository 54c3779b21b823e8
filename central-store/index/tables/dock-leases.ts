// Owner of `dock_leases`: which central node handles a dock's messages (docs/scale-out.md, "Several
// central nodes"). Every node subscribes to every dock; only the lease holder assembles, stores and
// answers, so one clip's chunks all land on one node's work directory. Taken in one statement (insert,
// or take over a lease that ran out or is already ours), so two nodes asking at once cannot both get it;
// renewed in one statement while the holder is alive; a dead node's leases run out and are taken over.
import type { Migration, Unit } from '../port.js';

const TABLE = (big: string) => `CREATE TABLE dock_leases (dock_id TEXT PRIMARY KEY, holder TEXT NOT NULL, until_ms ${big} NOT NULL, taken_at TEXT NOT NULL)`;
export const DOCK_LEASES_MIGRATIONS: Migration[] = [{ name: 'dock-leases-1', sqlite: TABLE('INTEGER'), pg: TABLE('BIGINT') }];

/** Take (or keep) the lease on `dockId` until `untilMs`; true when `holder` has it now. */
export async function takeDockLease(u: Unit, dockId: string, holder: string, nowMs: number, untilMs: number): Promise<boolean> {
  return (await u.run(`INSERT INTO dock_leases (dock_id, holder, until_ms, taken_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (dock_id) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms, taken_at = excluded.taken_at
    WHERE dock_leases.until_ms <= ? OR dock_leases.holder = excluded.holder`, [dockId, holder, untilMs, new Date(nowMs).toISOString(), nowMs])).changes === 1;
}

/**
 * Extend every lease `holder` still has among `dockIds` to `untilMs` (one statement, however many docks);
 * returns the ones it still has. A lease another node took over is not touched and not returned.
 */
export async function renewDockLeases(u: Unit, holder: string, dockIds: readonly string[], untilMs: number): Promise<string[]> {
  if (dockIds.length === 0) return [];
  const marks = dockIds.map(() => '?').join(', ');
  await u.run(`UPDATE dock_leases SET until_ms = ? WHERE holder = ? AND dock_id IN (${marks})`, [untilMs, holder, ...dockIds]);
  const rows = await u.all<{ dock_id: string }>(`SELECT dock_id FROM dock_leases WHERE holder = ? AND dock_id IN (${marks})`, [holder, ...dockIds]);
  return rows.map((r) => r.dock_id);
}

/** Give leases back (only the holder can): `dockIds`, or all of the holder's. */
export async function releaseDockLeases(u: Unit, holder: string, dockIds?: readonly string[]): Promise<void> {
  if (!dockIds) { await u.run('DELETE FROM dock_leases WHERE holder = ?', [holder]); return; }
  if (dockIds.length === 0) return;
  await u.run(`DELETE FROM dock_leases WHERE holder = ? AND dock_id IN (${dockIds.map(() => '?').join(', ')})`, [holder, ...dockIds]);
}

export async function dockLeaseHolder(u: Unit, dockId: string): Promise<{ holder: string; untilMs: number } | undefined> {
  const r = await u.get<{ holder: string; until_ms: number | string }>('SELECT holder, until_ms FROM dock_leases WHERE dock_id = ?', [dockId]);
  return r && { holder: r.holder, untilMs: Number(r.until_ms) };
}

/** How many live (not run out) dock leases each holder has: the load a free dock is balanced by. */
export async function dockLeaseCounts(u: Unit, nowMs: number): Promise<Map<string, number>> {
  const rows = await u.all<{ holder: string; n: number | string }>('SELECT holder, COUNT(*) AS n FROM dock_leases WHERE until_ms > ? GROUP BY holder', [nowMs]);
  return new Map(rows.map((r) => [r.holder, Number(r.n)]));
}
