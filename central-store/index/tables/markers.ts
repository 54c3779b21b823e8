// Owner of `markers`: moments on a clip's timeline. The guard's, read from the signed clip at ingest
// (docs/clip-format.md §7.4), and evidence officers' bookmarks with a note. A marker goes with its clip:
// the foreign key deletes it when the clip's row is deleted.
import type { Migration, Unit } from '../port.js';

export interface Marker {
  id: number; clipId: string;
  /** The moment marked, ms since the Unix epoch (the camera's clock for a camera marker). */
  atMs: number;
  source: 'camera' | 'officer';
  note: string | null;
  /** The officer who added it; null for the camera's. */
  by: string | null;
  createdAt: string;
}

const TABLE = (id: string, atMs: string) => `
    CREATE TABLE markers (
      id ${id},
      clip_id TEXT NOT NULL REFERENCES clips(clip_id) ON DELETE CASCADE,
      at_ms ${atMs} NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('camera', 'officer')),
      note TEXT,
      created_by TEXT,
      created_at TEXT NOT NULL
    );
    CREATE INDEX markers_clip ON markers(clip_id, at_ms);
    CREATE UNIQUE INDEX markers_camera ON markers(clip_id, at_ms) WHERE source = 'camera';`;

export const MARKERS_MIGRATIONS: Migration[] = [
  { name: 'markers-1', sqlite: TABLE('INTEGER PRIMARY KEY', 'INTEGER'), pg: TABLE('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', 'BIGINT') },
];

type Row = { id: number | string; clip_id: string; at_ms: number | string; source: 'camera' | 'officer'; note: string | null; created_by: string | null; created_at: string };
const fromRow = (r: Row): Marker => ({ id: Number(r.id), clipId: r.clip_id, atMs: Number(r.at_ms), source: r.source, note: r.note, by: r.created_by, createdAt: r.created_at });

/** The camera's signed markers of a clip just indexed; the same marker twice is one row. */
export async function addCameraMarkers(u: Unit, clipId: string, atMs: readonly number[], now = new Date().toISOString()): Promise<void> {
  for (const at of atMs) {
    await u.run(`INSERT INTO markers (clip_id, at_ms, source, note, created_by, created_at) VALUES (?, ?, 'camera', NULL, NULL, ?)
      ON CONFLICT (clip_id, at_ms) WHERE source = 'camera' DO NOTHING`, [clipId, at, now]);
  }
}

export async function addOfficerMarker(u: Unit, m: { clipId: string; atMs: number; note: string; by: string }, now = new Date().toISOString()): Promise<Marker> {
  const r = await u.get<Row>(`INSERT INTO markers (clip_id, at_ms, source, note, created_by, created_at) VALUES (?, ?, 'officer', ?, ?, ?) RETURNING *`,
    [m.clipId, m.atMs, m.note, m.by, now]);
  return fromRow(r!);
}

export async function markersOf(u: Unit, clipId: string): Promise<Marker[]> {
  return (await u.all<Row>('SELECT * FROM markers WHERE clip_id = ? ORDER BY at_ms, id', [clipId])).map(fromRow);
}

/** SQL condition for search: the clip (alias c) has at least one marker. */
export const HAS_MARKER = 'EXISTS (SELECT 1 FROM markers m WHERE m.clip_id = c.clip_id)';
