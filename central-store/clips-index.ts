// The clips index (migration 'ingest-1'): one row per stored clip (clip_id UNIQUE, so the same clip
// delivered twice is one row), plus the wipe certificates and device log entries docks forward.
import type Database from 'better-sqlite3';
import { GENESIS_HASH, entryHash } from '../firmware/device-log.js';
import { migrate, type Db } from './db.js';

export const INGEST_MIGRATION = `
CREATE TABLE clips (
  id INTEGER PRIMARY KEY,
  clip_id TEXT NOT NULL UNIQUE,
  device_id TEXT NOT NULL,
  dock_id TEXT NOT NULL,
  bytes INTEGER NOT NULL,
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
CREATE TABLE wipe_certificates (
  id INTEGER PRIMARY KEY,
  clip_id TEXT NOT NULL UNIQUE,
  device_id TEXT NOT NULL,
  dock_id TEXT NOT NULL,
  cert_json TEXT NOT NULL,
  receipt_matches INTEGER NOT NULL,
  signature_verified INTEGER NOT NULL,
  received_at TEXT NOT NULL
);
CREATE TABLE device_log_entries (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  type TEXT NOT NULL,
  entry_json TEXT NOT NULL,
  chain_ok INTEGER NOT NULL,
  dock_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE(device_id, seq)
);
`;

export function migrateIngest(db: Db): void {
  migrate(db, 'ingest-1', INGEST_MIGRATION);
  // The purpose tag from the clip's cleartext header: retention is per purpose (central-store/retention.ts).
  migrate(db, 'ingest-2', 'ALTER TABLE clips ADD COLUMN purpose TEXT');
  db.pragma('busy_timeout = 5000');
}

export interface ClipRow {
  clip_id: string; device_id: string; dock_id: string; bytes: number; sha256: string; epoch_id: string;
  clip_state: string; started_at: string; stopped_at: string | null; received_at: string; blob_key: string;
  receipt_json: string; worker_id: string; purpose?: string | null;
}

// Prepared once per connection: preparing is far dearer than running these.
const stmts = new WeakMap<Db, Map<string, Database.Statement>>();
function stmt(db: Db, sql: string): Database.Statement {
  let m = stmts.get(db);
  if (!m) stmts.set(db, m = new Map());
  let s = m.get(sql);
  if (!s) m.set(sql, s = db.prepare(sql));
  return s;
}

export function getClip(db: Db, clipId: string): ClipRow | undefined {
  return stmt(db, 'SELECT * FROM clips WHERE clip_id = ?').get(clipId) as ClipRow | undefined;
}

/** Insert unless the clip id is already indexed; returns the row that is stored. */
export function insertClip(db: Db, row: ClipRow): ClipRow {
  stmt(db, `INSERT OR IGNORE INTO clips (clip_id, device_id, dock_id, bytes, sha256, epoch_id, clip_state, started_at,
    stopped_at, received_at, blob_key, receipt_json, worker_id, purpose) VALUES (@clip_id, @device_id, @dock_id, @bytes, @sha256,
    @epoch_id, @clip_state, @started_at, @stopped_at, @received_at, @blob_key, @receipt_json, @worker_id, @purpose)`).run({ ...row, purpose: row.purpose ?? null });
  return getClip(db, row.clip_id)!;
}

export function insertWipeCert(db: Db, r: { clipId: string; deviceId: string; dockId: string; certJson: string; receiptMatches: boolean; signatureVerified: boolean }): void {
  db.prepare(`INSERT OR IGNORE INTO wipe_certificates (clip_id, device_id, dock_id, cert_json, receipt_matches, signature_verified, received_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)`).run(r.clipId, r.deviceId, r.dockId, r.certJson, r.receiptMatches ? 1 : 0, r.signatureVerified ? 1 : 0, new Date().toISOString());
}

export interface LogEntryIn { seq: number; at: string; type: string; data: Record<string, unknown>; prevHash: string; hash: string; json: string }

/**
 * Store device log entries (duplicates ignored). chain_ok: the entry's hash is right for its content
 * and prevHash (firmware/device-log.ts rule) and prevHash links to the previous entry (genesis for seq 1).
 */
export function insertDeviceLog(db: Db, deviceId: string, dockId: string, entries: LogEntryIn[]): number {
  const prev = db.prepare('SELECT entry_json FROM device_log_entries WHERE device_id = ? AND seq = ?');
  const ins = db.prepare(`INSERT OR IGNORE INTO device_log_entries (device_id, seq, at, type, entry_json, chain_ok, dock_id, received_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  let maxSeq = -1;
  db.transaction(() => {
    for (const e of [...entries].sort((a, b) => a.seq - b.seq)) {
      const p = prev.get(deviceId, e.seq - 1) as { entry_json: string } | undefined;
      const linked = e.seq === 1 ? e.prevHash === GENESIS_HASH : p ? (JSON.parse(p.entry_json) as { hash: string }).hash === e.prevHash : false;
      const chainOk = linked && entryHash(e.prevHash, e) === e.hash;
      ins.run(deviceId, e.seq, e.at, e.type, e.json, chainOk ? 1 : 0, dockId, new Date().toISOString());
      maxSeq = Math.max(maxSeq, e.seq);
    }
  })();
  return maxSeq;
}
