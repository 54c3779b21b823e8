// Owner of the `clips` table: one row per stored clip (clip_id UNIQUE, so the same clip delivered twice
// is one row), from its signed facts (ingest-clips.ts). Its migrations keep the names sqlite stores
// applied before the index port ('ingest-1'..'ingest-4', 'evidence-retention-2'); migrations.ts merges
// each name's parts from their owners, so an existing central.db re-runs nothing.
import type { Migration, Unit } from '../port.js';
import { IN_CASE } from './cases.js';
import { censusOf, type Census } from './census.js';
import { HAS_MARKER } from './markers.js';

const COLUMNS = (id: string, big: string) => `CREATE TABLE clips (
  id ${id},
  clip_id TEXT NOT NULL UNIQUE,
  device_id TEXT NOT NULL,
  dock_id TEXT NOT NULL,
  bytes ${big} NOT NULL,
  sha256 TEXT NOT NULL,
  epoch_id TEXT NOT NULL,
  clip_state TEXT NOT NULL,
  started_at TEXT NOT NULL,
  stopped_at TEXT,
  received_at TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  receipt_json TEXT NOT NULL,
  worker_id TEXT NOT NULL
);
CREATE INDEX clips_device ON clips(device_id, started_at);
`;
const both = (name: string, sql: string): Migration => ({ name, sqlite: sql, pg: sql });

export const CLIPS_MIGRATIONS: Migration[] = [
  { name: 'ingest-1', sqlite: COLUMNS('INTEGER PRIMARY KEY', 'INTEGER'), pg: COLUMNS('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', 'BIGINT') },
  // The purpose tag from the clip's cleartext header: retention is per purpose (central-store/retention.ts).
  both('ingest-2', 'ALTER TABLE clips ADD COLUMN purpose TEXT'),
  // Issue 11: what the signed clip says and who signed it.
  both('ingest-3', `
    ALTER TABLE clips ADD COLUMN camera_cert_sha256 TEXT;
    ALTER TABLE clips ADD COLUMN clock_note TEXT;`),
  // Issue 15: one index per sort order of the office's search (evidence.ts ORDER), ties included, so a page
  // at offset 50 000 of 100 000 is read off an index (~8 ms) instead of sorting or visiting every row (~200 ms).
  both('ingest-4', `
    CREATE INDEX clips_start_id ON clips(started_at, clip_id);
    CREATE INDEX clips_device_sort ON clips(device_id, started_at DESC, clip_id DESC);
    CREATE INDEX clips_purpose_sort ON clips(purpose, started_at DESC, clip_id DESC);
    CREATE INDEX clips_received_id ON clips(received_at, clip_id);`),
  both('evidence-retention-2', 'CREATE INDEX IF NOT EXISTS clips_started ON clips(started_at); CREATE INDEX IF NOT EXISTS clips_epoch ON clips(epoch_id)'),
];

export interface ClipRow {
  clip_id: string; device_id: string; dock_id: string; bytes: number; sha256: string; epoch_id: string;
  clip_state: string; started_at: string; stopped_at: string | null; received_at: string; blob_key: string;
  receipt_json: string; worker_id: string; purpose?: string | null;
  /** SHA-256 hex of the camera certificate whose key sealed the clip. */
  camera_cert_sha256?: string | null;
  /** Set when the signed recording time cannot be right (camera clock far off); retention then counts from received_at. */
  clock_note?: string | null;
}

const FIELDS = ['clip_id', 'device_id', 'dock_id', 'bytes', 'sha256', 'epoch_id', 'clip_state', 'started_at', 'stopped_at', 'received_at',
  'blob_key', 'receipt_json', 'worker_id', 'purpose', 'camera_cert_sha256', 'clock_note'] as const;

/** A stored row as ClipRow (PostgreSQL gives BIGINT as text; the surrogate id stays inside). */
export function clipRow(r: Record<string, unknown>): ClipRow {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) out[f] = r[f] ?? null;
  out.bytes = Number(r.bytes);
  return out as unknown as ClipRow;
}

export async function getClip(u: Unit, clipId: string): Promise<ClipRow | undefined> {
  const r = await u.get('SELECT * FROM clips WHERE clip_id = ?', [clipId]);
  return r && clipRow(r);
}

export async function clipExists(u: Unit, clipId: string): Promise<boolean> {
  return !!await u.get('SELECT 1 AS x FROM clips WHERE clip_id = ?', [clipId]);
}

/** Insert unless the clip id is already indexed; returns the row that is stored. */
export async function insertClip(u: Unit, row: ClipRow): Promise<ClipRow> {
  const v = FIELDS.map((f) => row[f] ?? null);
  await u.run(`INSERT INTO clips (${FIELDS.join(', ')}) VALUES (${FIELDS.map(() => '?').join(', ')}) ON CONFLICT (clip_id) DO NOTHING`, v);
  return (await getClip(u, row.clip_id))!;
}

/** Change a clip's purpose (its category): retention counts by it (central-store/retention.ts). */
export async function setPurpose(u: Unit, clipId: string, purpose: string): Promise<void> {
  await u.run('UPDATE clips SET purpose = ? WHERE clip_id = ?', [purpose, clipId]);
}

export async function deleteClipRow(u: Unit, clipId: string): Promise<void> {
  await u.run('DELETE FROM clips WHERE clip_id = ?', [clipId]);
}

/**
 * Unheld clips whose retention has run out at `now`: counted from the recording start, never later than
 * receipt, and from receipt when the camera's clock was far off (clock_note). `days` per purpose, else `defaultDays`.
 */
export async function expiredClips(u: Unit, r: { defaultDays: number; perPurpose: Record<string, number> }, now: string): Promise<{ clip_id: string; purpose: string | null }[]> {
  const pg = u.dialect === 'pg';
  const n = pg ? '?::int' : '?';
  const entries = Object.entries(r.perPurpose);
  const days = entries.length ? `CASE c.purpose ${entries.map(() => `WHEN ? THEN ${n}`).join(' ')} ELSE ${n} END` : n;
  const due = pg
    ? `(CASE WHEN c.clock_note IS NOT NULL THEN c.received_at::timestamptz ELSE least(c.started_at::timestamptz, c.received_at::timestamptz) END)
      + (${days}) * interval '1 day' <= ?::timestamptz`
    : `(CASE WHEN c.clock_note IS NOT NULL THEN julianday(c.received_at)
      ELSE min(coalesce(julianday(c.started_at), julianday(c.received_at)), julianday(c.received_at)) END) + ${days} <= julianday(?)`;
  return u.all(`SELECT c.clip_id, c.purpose FROM clips c WHERE ${due} AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.clip_id = c.clip_id)`,
    [...entries.flat(), r.defaultDays, now]);
}

/** Every clip sealed under an epoch, whether held and whether its data key is already re-wrapped to the hold key. */
export async function clipsOfEpoch(u: Unit, epochId: string): Promise<{ clip_id: string; blob_key: string; held: string | null; wrapped: string | null }[]> {
  return u.all(`SELECT c.clip_id, c.blob_key, h.clip_id AS held, w.clip_id AS wrapped FROM clips c
    LEFT JOIN holds h ON h.clip_id = c.clip_id LEFT JOIN hold_wraps w ON w.clip_id = c.clip_id WHERE c.epoch_id = ?`, [epochId]);
}

/** The review's figures: past `cutoff` (the longest retention) and not held. */
export function clipsCensus(u: Unit, cutoff: string): Promise<Census> {
  return censusOf(u, 'clips', 'started_at', cutoff, { overdueWhere: 'clip_id NOT IN (SELECT clip_id FROM holds)' });
}

/** A clip's row with its hold (if any), as the evidence store shows it. */
export type ClipWithHold = ClipRow & { hold_reason: string | null; hold_case: string | null; hold_by: string | null; hold_at: string | null };
const WITH_HOLD = 'SELECT c.*, h.reason AS hold_reason, h.case_number AS hold_case, h.placed_by AS hold_by, h.placed_at AS hold_at';
const withHold = (r: Record<string, unknown>): ClipWithHold => ({ ...clipRow(r),
  hold_reason: (r.hold_reason ?? null) as string | null, hold_case: (r.hold_case ?? null) as string | null, hold_by: (r.hold_by ?? null) as string | null, hold_at: (r.hold_at ?? null) as string | null });

export async function getClipWithHold(u: Unit, clipId: string): Promise<ClipWithHold | undefined> {
  const r = await u.get(`${WITH_HOLD} FROM clips c LEFT JOIN holds h ON h.clip_id = c.clip_id WHERE c.clip_id = ?`, [clipId]);
  return r && withHold(r);
}

export const SORTS = ['start', 'camera', 'purpose', 'received'] as const;
export type SortKey = typeof SORTS[number];
/**
 * ORDER BY for each sort key and direction, each matching an index exactly ('ingest-4'), so a page at
 * any offset is read off the index: camera and purpose ascending list each one's newest first.
 */
const ORDER = (dir: 'ASC' | 'DESC') => {
  const opp = dir === 'ASC' ? 'DESC' : 'ASC';
  return {
    start: `c.started_at ${dir}, c.clip_id ${dir}`,
    camera: `c.device_id ${dir}, c.started_at ${opp}, c.clip_id ${opp}`,
    purpose: `c.purpose ${dir}, c.started_at ${opp}, c.clip_id ${opp}`,
    received: `c.received_at ${dir}, c.clip_id ${dir}`,
  };
};

/** Search criteria, already validated (times as toISOString()). */
export interface ClipQuery {
  clipId?: string; deviceId?: string; purpose?: string; from?: string; to?: string; onHold?: boolean; hasMarker?: boolean; caseNumber?: string;
  sort?: SortKey; order?: 'asc' | 'desc'; limit: number; offset: number;
}

/**
 * Clips matching every criterion, with their holds, one page in the given order (default: start, newest
 * first; ties by clip id). Clips whose deletion has begun are left out. A case number matches the clip's
 * case list (case_clips) or its hold's case; a marker is any row in markers.
 */
export async function searchClips(u: Unit, q: ClipQuery): Promise<ClipWithHold[]> {
  const where: string[] = ['c.clip_id NOT IN (SELECT clip_id FROM pending_deletions WHERE clip_id IS NOT NULL)'];
  const args: unknown[] = [];
  if (q.clipId !== undefined) { where.push('c.clip_id = ?'); args.push(q.clipId); }
  if (q.deviceId !== undefined) { where.push('c.device_id = ?'); args.push(q.deviceId); }
  if (q.purpose !== undefined) { where.push('c.purpose = ?'); args.push(q.purpose); }
  // started_at is always toISOString() (ingest), and so are from/to after parsing: text order is time order, and the index serves it.
  if (q.from !== undefined) { where.push('c.started_at >= ?'); args.push(q.from); }
  if (q.to !== undefined) { where.push('c.started_at < ?'); args.push(q.to); }
  if (q.onHold !== undefined) where.push(q.onHold ? 'h.clip_id IS NOT NULL' : 'h.clip_id IS NULL');
  if (q.caseNumber !== undefined) {
    where.push(IN_CASE);
    args.push(q.caseNumber, q.caseNumber);
  }
  if (q.hasMarker !== undefined) where.push(q.hasMarker ? HAS_MARKER : `NOT ${HAS_MARKER}`);
  const sort = q.sort ?? 'start';
  const order = ORDER(q.order === 'asc' || (!q.order && (sort === 'camera' || sort === 'purpose')) ? 'ASC' : 'DESC')[sort];
  // The page's ids first (off the index, skipping `offset` rows without reading them), then their rows.
  const holds = where.some((w) => w.includes('h.')) ? ' LEFT JOIN holds h ON h.clip_id = c.clip_id' : '';
  const page = `SELECT c.clip_id FROM clips c${holds} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ? OFFSET ?`;
  // CROSS JOIN keeps the page first on sqlite: the planner must not scan clips and probe the page.
  const join = u.dialect === 'pg' ? 'JOIN' : 'CROSS JOIN';
  const rows = await u.all(`${WITH_HOLD} FROM (${page}) pg ${join} clips c ON c.clip_id = pg.clip_id LEFT JOIN holds h ON h.clip_id = c.clip_id ORDER BY ${order}`,
    [...args, q.limit, q.offset]);
  return rows.map(withHold);
}

/** Every stored clip, in the order indexed (the simulator's end-of-shift check). */
export async function allClips(u: Unit): Promise<ClipRow[]> {
  return (await u.all('SELECT * FROM clips ORDER BY id')).map(clipRow);
}

export async function clipCount(u: Unit): Promise<number> {
  return Number((await u.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM clips'))!.n);
}
