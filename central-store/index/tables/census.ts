// The store review's figures for one table (record-census.ts asks each owner, the owner asks this):
// rows, the oldest, and how many are past their deadline. Only owner modules call it, naming their own table.
import type { Unit } from '../port.js';

export interface Census { count: number; oldest: string | null; overdue: number }

/** Rows matching `where`; past the deadline: those also matching `overdueWhere` (not exempt, e.g. not held) with `col` before `cutoff`. */
export async function censusOf(u: Unit, table: string, col: string, cutoff: string | null, o: { where?: string; overdueWhere?: string } = {}): Promise<Census> {
  const w = o.where ? `WHERE ${o.where}` : '';
  const r = (await u.get<{ n: number | string; o: string | null }>(`SELECT COUNT(*) AS n, MIN(${col}) AS o FROM ${table} ${w}`))!;
  const ow = [o.where, o.overdueWhere, `${col} < ?`].filter(Boolean).join(' AND ');
  const overdue = cutoff === null ? 0 : Number((await u.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${ow}`, [cutoff]))!.n);
  return { count: Number(r.n), oldest: r.o, overdue };
}
