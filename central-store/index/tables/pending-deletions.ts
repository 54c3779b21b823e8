// Owner of `pending_deletions`: the marker written before a clip's deletion begins (retention.ts), so
// a crash at any point is finished by the next run; a marked clip is hidden from search and cannot be held.
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

const TABLE = `
CREATE TABLE pending_deletions (
  clip_id TEXT PRIMARY KEY,
  blob_key TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  rule TEXT NOT NULL,
  "by" TEXT NOT NULL,
  requested_at TEXT NOT NULL
);`;

export const PENDING_DELETIONS_MIGRATIONS: Migration[] = [
  { name: 'evidence-retention-1', sqlite: TABLE.replace('BIGINT', 'INTEGER').replace('"by"', 'by'), pg: TABLE },
];

export interface Pending { clip_id: string; blob_key: string; sha256: string; bytes: number; rule: string; by: string; requested_at: string }

const COLS = 'clip_id, blob_key, sha256, bytes, rule, "by", requested_at';
const fromRow = (r: Pending): Pending => ({ ...r, bytes: Number(r.bytes) });

/** Mark a clip for deletion unless it is held (atomic with the hold check); returns its marker (an earlier one stands), or undefined if held or gone. */
export async function markDeletion(u: Unit, clipId: string, rule: string, by: string, at: string): Promise<Pending | undefined> {
  await u.run(`INSERT INTO pending_deletions (${COLS}) SELECT clip_id, blob_key, sha256, bytes, ?, ?, ? FROM clips c
    WHERE clip_id = ? AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.clip_id = c.clip_id) ON CONFLICT (clip_id) DO NOTHING`, [rule, by, at, clipId]);
  const r = await u.get<Pending>(`SELECT ${COLS} FROM pending_deletions WHERE clip_id = ?`, [clipId]);
  return r && fromRow(r);
}

/** The oldest `limit` markers (deletions begun and not finished). */
export async function pendingDeletions(u: Unit, limit: number): Promise<Pending[]> {
  return (await u.all<Pending>(`SELECT ${COLS} FROM pending_deletions ORDER BY requested_at LIMIT ?`, [limit])).map(fromRow);
}

export async function isPendingDeletion(u: Unit, clipId: string): Promise<boolean> {
  return !!await u.get('SELECT 1 AS x FROM pending_deletions WHERE clip_id = ?', [clipId]);
}

export async function deletePending(u: Unit, clipId: string): Promise<void> {
  await u.run('DELETE FROM pending_deletions WHERE clip_id = ?', [clipId]);
}

/** Clips whose deletion has begun are left out of search: this condition on `c.clip_id`. */
export const NOT_PENDING = 'c.clip_id NOT IN (SELECT clip_id FROM pending_deletions WHERE clip_id IS NOT NULL)';

export function pendingCensus(u: Unit): Promise<Census> { return censusOf(u, 'pending_deletions', 'requested_at', null); }
