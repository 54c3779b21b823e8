// Owner of `case_clips`: clips grouped under a case number, e.g. the police journal number or the
// company's incident number. A clip may be in several cases; an entry goes with its clip (the foreign
// key deletes it when the clip's row is deleted).
import type { Migration, Unit } from '../port.js';

export interface CaseEntry { caseNumber: string; clipId: string; addedBy: string; addedAt: string }

const TABLE = `
    CREATE TABLE case_clips (
      case_number TEXT NOT NULL,
      clip_id TEXT NOT NULL REFERENCES clips(clip_id) ON DELETE CASCADE,
      added_by TEXT NOT NULL,
      added_at TEXT NOT NULL,
      PRIMARY KEY (case_number, clip_id)
    );
    CREATE INDEX case_clips_clip ON case_clips(clip_id);`;
export const CASES_MIGRATIONS: Migration[] = [{ name: 'cases-1', sqlite: TABLE, pg: TABLE }];

type Row = { case_number: string; clip_id: string; added_by: string; added_at: string };
const fromRow = (r: Row): CaseEntry => ({ caseNumber: r.case_number, clipId: r.clip_id, addedBy: r.added_by, addedAt: r.added_at });

/** Add a clip to a case; false when it is already in it. */
export async function addToCase(u: Unit, e: { caseNumber: string; clipId: string; by: string }, now = new Date().toISOString()): Promise<boolean> {
  return (await u.run('INSERT INTO case_clips (case_number, clip_id, added_by, added_at) VALUES (?, ?, ?, ?) ON CONFLICT (case_number, clip_id) DO NOTHING',
    [e.caseNumber, e.clipId, e.by, now])).changes === 1;
}

/** Take a clip out of a case; false when it was not in it. */
export async function removeFromCase(u: Unit, caseNumber: string, clipId: string): Promise<boolean> {
  return (await u.run('DELETE FROM case_clips WHERE case_number = ? AND clip_id = ?', [caseNumber, clipId])).changes === 1;
}

export async function casesOf(u: Unit, clipId: string): Promise<CaseEntry[]> {
  return (await u.all<Row>('SELECT * FROM case_clips WHERE clip_id = ? ORDER BY added_at, case_number', [clipId])).map(fromRow);
}

/**
 * SQL condition for search (clip alias c): the clip is in the case, or held under its number. One small
 * id set (the case's primary-key range and the held clips), not a per-row OR that no index can serve.
 */
export const IN_CASE = 'c.clip_id IN (SELECT clip_id FROM case_clips WHERE case_number = ? UNION SELECT clip_id FROM holds WHERE case_number = ?)';
