// Owner of `deletion_receipts`: the signed receipt of each finished deletion (one per deletion request,
// however often a crashed run is retried). On PostgreSQL in the index database (every node signs into
// and lists one book); on sqlite in receipts.db beside central.db (../../deletion-receipts.ts), so the
// index file keeps no trace of a deleted clip. Receipts hold ids, hashes, times and rules only.
import type { SignedDocument } from '../../../shared/evidence.js';
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

// sqlite: the SQL receipts.db stores applied as 'receipts-1' before the port, verbatim.
const SQLITE = `
CREATE TABLE deletion_receipts (
  id INTEGER PRIMARY KEY,
  clip_id TEXT NOT NULL,
  -- When deletion was asked for (the pending marker's time): one receipt per request, however often
  -- a crashed run is retried; a clip id delivered again later and deleted again gets its own.
  requested_at TEXT NOT NULL,
  deleted_at TEXT NOT NULL,
  doc_json TEXT NOT NULL,
  UNIQUE (clip_id, requested_at)
);
CREATE INDEX deletion_receipts_at ON deletion_receipts(deleted_at);`;
const PG = `
CREATE TABLE deletion_receipts (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  clip_id TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  deleted_at TEXT NOT NULL,
  doc_json TEXT NOT NULL,
  UNIQUE (clip_id, requested_at)
);
CREATE INDEX deletion_receipts_at ON deletion_receipts(deleted_at);`;
export const DELETION_RECEIPTS_MIGRATIONS: Migration[] = [{ name: 'receipts-1', sqlite: SQLITE, pg: PG }];

const doc = (r: { doc_json: string } | undefined) => (r ? JSON.parse(r.doc_json) as SignedDocument : undefined);

/** The receipt stored for this deletion request, if any. */
export async function deletionReceiptDoc(u: Unit, clipId: string, requestedAt: string): Promise<SignedDocument | undefined> {
  return doc(await u.get<{ doc_json: string }>('SELECT doc_json FROM deletion_receipts WHERE clip_id = ? AND requested_at = ?', [clipId, requestedAt]));
}

/** Keep a receipt; false when one for this request is already stored (another node or an earlier run signed it first: that one stands). */
export async function insertDeletionReceipt(u: Unit, r: { clipId: string; requestedAt: string; deletedAt: string; doc: SignedDocument }): Promise<boolean> {
  return (await u.run(`INSERT INTO deletion_receipts (clip_id, requested_at, deleted_at, doc_json) VALUES (?, ?, ?, ?)
    ON CONFLICT (clip_id, requested_at) DO NOTHING`, [r.clipId, r.requestedAt, r.deletedAt, JSON.stringify(r.doc)])).changes === 1;
}

/** Receipts in the order stored, those deleted at or after `since` when given. */
export async function deletionReceiptDocs(u: Unit, since?: string): Promise<SignedDocument[]> {
  const rows = since === undefined
    ? await u.all<{ doc_json: string }>('SELECT doc_json FROM deletion_receipts ORDER BY id')
    : await u.all<{ doc_json: string }>('SELECT doc_json FROM deletion_receipts WHERE deleted_at >= ? ORDER BY id', [since]);
  return rows.map((r) => doc(r)!);
}

/** Receipts of deletions before `before` (their own deadline, deadlines.deletionReceiptMonths); returns how many. */
export async function purgeDeletionReceipts(u: Unit, before: string): Promise<number> {
  return (await u.run('DELETE FROM deletion_receipts WHERE deleted_at < ?', [before])).changes;
}

export function deletionReceiptsCensus(u: Unit, cutoff: string): Promise<Census> {
  return censusOf(u, 'deletion_receipts', 'deleted_at', cutoff);
}
