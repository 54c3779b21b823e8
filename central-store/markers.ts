// Markers on a clip's timeline (migration 'markers-1'; this module owns the table): the guard's, read
// from the signed clip at ingest (docs/clip-format.md §7.4), and evidence officers' bookmarks with a
// note. A marker goes with its clip: the foreign key deletes it when the clip's row is deleted.
import { migrate, type Db } from './db.js';

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

export function migrateMarkers(db: Db): void {
  migrate(db, 'markers-1', `
    CREATE TABLE markers (
      id INTEGER PRIMARY KEY,
      clip_id TEXT NOT NULL REFERENCES clips(clip_id) ON DELETE CASCADE,
      at_ms INTEGER NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('camera', 'officer')),
      note TEXT,
      created_by TEXT,
      created_at TEXT NOT NULL
    );
    CREATE INDEX markers_clip ON markers(clip_id, at_ms);
    CREATE UNIQUE INDEX markers_camera ON markers(clip_id, at_ms) WHERE source = 'camera';`);
}

interface Row { id: number; clip_id: string; at_ms: number; source: 'camera' | 'officer'; note: string | null; created_by: string | null; created_at: string }
const fromRow = (r: Row): Marker => ({ id: r.id, clipId: r.clip_id, atMs: r.at_ms, source: r.source, note: r.note, by: r.created_by, createdAt: r.created_at });

/** The camera's signed markers of a clip just indexed; the same marker twice is one row. */
export function addCameraMarkers(db: Db, clipId: string, atMs: readonly number[], now = new Date().toISOString()): void {
  const ins = db.prepare(`INSERT OR IGNORE INTO markers (clip_id, at_ms, source, note, created_by, created_at) VALUES (?, ?, 'camera', NULL, NULL, ?)`);
  db.transaction(() => { for (const at of atMs) ins.run(clipId, at, now); })();
}

export function addOfficerMarker(db: Db, m: { clipId: string; atMs: number; note: string; by: string }, now = new Date().toISOString()): Marker {
  const r = db.prepare(`INSERT INTO markers (clip_id, at_ms, source, note, created_by, created_at) VALUES (?, ?, 'officer', ?, ?, ?)`)
    .run(m.clipId, m.atMs, m.note, m.by, now);
  return fromRow(db.prepare('SELECT * FROM markers WHERE id = ?').get(r.lastInsertRowid) as Row);
}

export function markersOf(db: Db, clipId: string): Marker[] {
  return (db.prepare('SELECT * FROM markers WHERE clip_id = ? ORDER BY at_ms, id').all(clipId) as Row[]).map(fromRow);
}

/** SQL condition for search: the clip (alias c) has at least one marker. */
export const HAS_MARKER = 'EXISTS (SELECT 1 FROM markers m WHERE m.clip_id = c.clip_id)';
