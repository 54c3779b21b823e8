// The clips index (migration 'ingest-1'): one row per stored clip (clip_id UNIQUE, so the same clip
// delivered twice is one row), plus the wipe certificates and device log entries docks forward.
import type Database from 'better-sqlite3';
import { GENESIS_HASH, entryHash } from '../shared/device-log-chain.js';
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
  // Issue 11: what the signed clip says, who signed it, and what was refused (docs/mqtt-topics.md).
  migrate(db, 'ingest-3', `
    ALTER TABLE clips ADD COLUMN camera_cert_sha256 TEXT;
    ALTER TABLE clips ADD COLUMN clock_note TEXT;
    CREATE TABLE camera_certs (sha256 TEXT PRIMARY KEY, device_id TEXT NOT NULL, cert_der TEXT NOT NULL, first_seen TEXT NOT NULL);
    CREATE TABLE ingest_incidents (
      id INTEGER PRIMARY KEY, kind TEXT NOT NULL, dock_id TEXT NOT NULL, device_id TEXT NOT NULL, clip_id TEXT NOT NULL,
      reason TEXT NOT NULL, first_at TEXT NOT NULL, last_at TEXT NOT NULL, count INTEGER NOT NULL,
      UNIQUE(kind, dock_id, device_id, clip_id, reason));`);
  // Issue 15: one index per sort order of the office's search (evidence.ts ORDER), ties included, so a page
  // at offset 50 000 of 100 000 is read off an index (~8 ms) instead of sorting or visiting every row (~200 ms).
  migrate(db, 'ingest-4', `
    CREATE INDEX clips_start_id ON clips(started_at, clip_id);
    CREATE INDEX clips_device_sort ON clips(device_id, started_at DESC, clip_id DESC);
    CREATE INDEX clips_purpose_sort ON clips(purpose, started_at DESC, clip_id DESC);
    CREATE INDEX clips_received_id ON clips(received_at, clip_id);`);
  // Issue 19: where a camera's stored log was cut by the deadline job, the last deleted entry's hash.
  migrate(db, 'ingest-5', 'CREATE TABLE device_log_anchors (device_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL, cut_at TEXT NOT NULL)');
  db.pragma('busy_timeout = 5000');
}

export interface ClipRow {
  clip_id: string; device_id: string; dock_id: string; bytes: number; sha256: string; epoch_id: string;
  clip_state: string; started_at: string; stopped_at: string | null; received_at: string; blob_key: string;
  receipt_json: string; worker_id: string; purpose?: string | null;
  /** SHA-256 hex of the camera certificate whose key sealed the clip. */
  camera_cert_sha256?: string | null;
  /** Set when the signed recording time cannot be right (camera clock far off); retention then counts from received_at. */
  clock_note?: string | null;
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
    stopped_at, received_at, blob_key, receipt_json, worker_id, purpose, camera_cert_sha256, clock_note) VALUES (@clip_id, @device_id,
    @dock_id, @bytes, @sha256, @epoch_id, @clip_state, @started_at, @stopped_at, @received_at, @blob_key, @receipt_json, @worker_id,
    @purpose, @camera_cert_sha256, @clock_note)`).run({ ...row, purpose: row.purpose ?? null, camera_cert_sha256: row.camera_cert_sha256 ?? null, clock_note: row.clock_note ?? null });
  return getClip(db, row.clip_id)!;
}

/** Change a clip's purpose (its category): retention counts by it (central-store/retention.ts). */
export function setPurpose(db: Db, clipId: string, purpose: string): void {
  stmt(db, 'UPDATE clips SET purpose = ? WHERE clip_id = ?').run(purpose, clipId);
}

export function insertWipeCert(db: Db, r: { clipId: string; deviceId: string; dockId: string; certJson: string; receiptMatches: boolean; signatureVerified: boolean }): void {
  db.prepare(`INSERT OR IGNORE INTO wipe_certificates (clip_id, device_id, dock_id, cert_json, receipt_matches, signature_verified, received_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)`).run(r.clipId, r.deviceId, r.dockId, r.certJson, r.receiptMatches ? 1 : 0, r.signatureVerified ? 1 : 0, new Date().toISOString());
}

export interface LogEntryIn { seq: number; at: string; type: string; data: Record<string, unknown>; prevHash: string; hash: string; json: string }

/**
 * Store a run of a camera's device log entries, already verified as one chain ending at the camera's
 * signed head (ingest.ts). Entries already stored with the same hash are ignored. chain_ok = 1 when the
 * entry links to the stored previous entry (genesis for seq 1): always inside the run, and for the first
 * entry when nothing is missing before it. A gap (entries before the run never arrived) is stored and
 * named; a fork (a seq already stored with another hash) stores nothing and is named.
 */
export function storeDeviceLog(db: Db, deviceId: string, dockId: string, entries: LogEntryIn[]): { gap: string | null; fork: string | null } {
  const at = db.prepare('SELECT entry_json FROM device_log_entries WHERE device_id = ? AND seq = ?');
  const anchor = db.prepare('SELECT seq, hash FROM device_log_anchors WHERE device_id = ?').get(deviceId) as { seq: number; hash: string } | undefined;
  const hashAt = (seq: number): string | undefined => {
    if (anchor && seq === anchor.seq) return anchor.hash;
    const r = at.get(deviceId, seq) as { entry_json: string } | undefined;
    return r && (JSON.parse(r.entry_json) as { hash: string }).hash;
  };
  // Entries up to the anchor were deleted on their deadline: a dock sending them again does not bring them back.
  const anchored = anchor && entries.find((e) => e.seq === anchor.seq);
  if (anchored && anchored.hash !== anchor.hash) return { gap: null, fork: `seq ${anchor.seq} was stored with hash ${anchor.hash.slice(0, 16)}…, this run has ${anchored.hash.slice(0, 16)}…: the camera's log forked` };
  if (anchor) entries = entries.filter((e) => e.seq > anchor.seq);
  if (!entries.length) return { gap: null, fork: null };
  const ins = db.prepare(`INSERT OR IGNORE INTO device_log_entries (device_id, seq, at, type, entry_json, chain_ok, dock_id, received_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const relink = db.prepare('UPDATE device_log_entries SET chain_ok = 1 WHERE device_id = ? AND seq = ? AND chain_ok = 0');
  return db.transaction(() => {
    for (const e of entries) {
      const h = hashAt(e.seq);
      if (h !== undefined && h !== e.hash) return { gap: null, fork: `seq ${e.seq} is stored with hash ${h.slice(0, 16)}…, this run has ${e.hash.slice(0, 16)}…: the camera's log forked` };
    }
    const first = entries[0]!;
    const before = first.seq === 1 ? GENESIS_HASH : hashAt(first.seq - 1);
    if (before !== undefined && before !== first.prevHash) {
      return { gap: null, fork: `seq ${first.seq} follows hash ${first.prevHash.slice(0, 16)}…, the stored seq ${first.seq - 1} is ${before.slice(0, 16)}…: the camera's log forked` };
    }
    let gap: string | null = null;
    if (before === undefined) {
      const max = (db.prepare('SELECT MAX(seq) AS m FROM device_log_entries WHERE device_id = ? AND seq < ?').get(deviceId, first.seq) as { m: number | null }).m ?? 0;
      gap = `entries ${max + 1}..${first.seq - 1} never arrived`;
    }
    const now = new Date().toISOString();
    for (const [i, e] of entries.entries()) ins.run(deviceId, e.seq, e.at, e.type, e.json, i > 0 || before !== undefined ? 1 : 0, dockId, now);
    // A late run that fills a gap links the entry after it.
    const last = entries[entries.length - 1]!;
    const next = at.get(deviceId, last.seq + 1) as { entry_json: string } | undefined;
    if (next && (JSON.parse(next.entry_json) as { prevHash: string }).prevHash === last.hash) relink.run(deviceId, last.seq + 1);
    return { gap, fork: null };
  })();
}

/** Keep a camera certificate that sealed stored clips (an auditor re-verifies them with it). */
/**
 * Delete each camera's stored log entries received before `cutoff`, oldest first, up to the first one
 * that is kept (newer, or naming a held clip), so the rest stays one chain; the last deleted entry's
 * seq and hash become the camera's anchor. Returns the entries deleted.
 */
export function purgeDeviceLog(db: Db, cutoff: string, at: string): number {
  return db.transaction(() => {
    let n = 0;
    const devices = db.prepare('SELECT DISTINCT device_id FROM device_log_entries WHERE received_at < ?').all(cutoff) as { device_id: string }[];
    for (const { device_id: d } of devices) {
      const kept = db.prepare(`SELECT MIN(seq) AS s FROM device_log_entries e WHERE device_id = ? AND (received_at >= ?
        OR EXISTS (SELECT 1 FROM holds h WHERE instr(e.entry_json, '"' || h.clip_id || '"') > 0))`).get(d, cutoff) as { s: number | null };
      const last = db.prepare(`SELECT seq, entry_json FROM device_log_entries WHERE device_id = ?${kept.s === null ? '' : ' AND seq < ?'} ORDER BY seq DESC LIMIT 1`)
        .get(...(kept.s === null ? [d] : [d, kept.s])) as { seq: number; entry_json: string } | undefined;
      if (!last) continue;
      n += db.prepare('DELETE FROM device_log_entries WHERE device_id = ? AND seq <= ?').run(d, last.seq).changes;
      db.prepare(`INSERT INTO device_log_anchors (device_id, seq, hash, cut_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(device_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, cut_at = excluded.cut_at`)
        .run(d, last.seq, (JSON.parse(last.entry_json) as { hash: string }).hash, at);
    }
    return n;
  })();
}

/** Wipe certificates received before `cutoff`, except a held clip's. */
export function purgeWipeCerts(db: Db, cutoff: string): number {
  return db.prepare('DELETE FROM wipe_certificates WHERE received_at < ? AND clip_id NOT IN (SELECT clip_id FROM holds)').run(cutoff).changes;
}

/** Incidents whose last occurrence is before `cutoff`. */
export function purgeIncidents(db: Db, cutoff: string): number {
  return db.prepare('DELETE FROM ingest_incidents WHERE last_at < ?').run(cutoff).changes;
}

/** Camera certificates first seen before `cutoff` that no stored clip was sealed under. */
export function purgeCameraCerts(db: Db, cutoff: string): number {
  return db.prepare('DELETE FROM camera_certs WHERE first_seen < ? AND sha256 NOT IN (SELECT camera_cert_sha256 FROM clips WHERE camera_cert_sha256 IS NOT NULL)').run(cutoff).changes;
}

export function rememberCameraCert(db: Db, sha256: string, deviceId: string, derB64: string): void {
  stmt(db, 'INSERT OR IGNORE INTO camera_certs (sha256, device_id, cert_der, first_seen) VALUES (?, ?, ?, ?)').run(sha256, deviceId, derB64, new Date().toISOString());
}

export const INCIDENT_KINDS = ['upload-refused', 'clip-refused', 'clip-conflict', 'wipe-cert-refused', 'device-log-refused', 'device-log-gap', 'device-log-fork'] as const;
export type IncidentKind = typeof INCIDENT_KINDS[number];

export interface Incident { kind: IncidentKind; dock_id: string; device_id: string; clip_id: string; reason: string; first_at: string; last_at: string; count: number }

/**
 * Something refused or inconsistent, for the evidence officer: one row per distinct (kind, dock,
 * device, clip, reason), counted, so a flood of the same forgery cannot grow the table without bound.
 */
export function recordIncident(db: Db, i: { kind: IncidentKind; dockId?: string; deviceId?: string; clipId?: string; reason: string }): void {
  const now = new Date().toISOString();
  stmt(db, `INSERT INTO ingest_incidents (kind, dock_id, device_id, clip_id, reason, first_at, last_at, count) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
    ON CONFLICT(kind, dock_id, device_id, clip_id, reason) DO UPDATE SET last_at = excluded.last_at, count = count + 1`)
    .run(i.kind, i.dockId ?? '', i.deviceId ?? '', i.clipId ?? '', i.reason.slice(0, 500), now, now);
}

export function incidents(db: Db, o: { kind?: IncidentKind; clipId?: string } = {}): Incident[] {
  return db.prepare(`SELECT kind, dock_id, device_id, clip_id, reason, first_at, last_at, count FROM ingest_incidents
    WHERE (@kind IS NULL OR kind = @kind) AND (@clip IS NULL OR clip_id = @clip) ORDER BY id`).all({ kind: o.kind ?? null, clip: o.clipId ?? null }) as Incident[];
}

export interface DockSeen { dockId: string; lastSeen: string; clips: number; cameras: number }
export interface CameraSeen {
  deviceId: string;
  /** When the store last received anything from or about it (clip, device log, wipe certificate), via which dock. */
  lastSeen: string; lastDock: string;
  /** The newest clip received, and how many are stored. */
  lastOffload: string | null; clips: number;
  /** The newest device-log entry's own time (the camera's clock). */
  lastLogAt: string | null;
  /** Clips its device log says it recorded (record-stop) that the store has neither stored nor seen wiped: still on the camera or the dock. */
  backlog: number;
  /** The newest faults from its device log (GPS chatter, flash full, …), newest first. */
  faults: { at: string; kind: string }[];
}

/**
 * The fleet as ingest knows it (docs/web-office.md "Fleet"): no heartbeat of its own, only what docks
 * have delivered — clips, device logs, wipe certificates — and when.
 */
export function fleet(db: Db): { docks: DockSeen[]; cameras: CameraSeen[] } {
  const seen = `SELECT dock_id, device_id, received_at FROM clips UNION ALL SELECT dock_id, device_id, received_at FROM device_log_entries
    UNION ALL SELECT dock_id, device_id, received_at FROM wipe_certificates`;
  const docks = db.prepare(`SELECT s.dock_id AS dockId, MAX(s.received_at) AS lastSeen, COUNT(DISTINCT s.device_id) AS cameras,
      (SELECT COUNT(*) FROM clips c WHERE c.dock_id = s.dock_id) AS clips
    FROM (${seen}) s GROUP BY s.dock_id ORDER BY lastSeen DESC`).all() as DockSeen[];
  const rows = db.prepare(`SELECT s.device_id AS deviceId, MAX(s.received_at) AS lastSeen,
      (SELECT s2.dock_id FROM (${seen}) s2 WHERE s2.device_id = s.device_id ORDER BY s2.received_at DESC LIMIT 1) AS lastDock,
      (SELECT MAX(c.received_at) FROM clips c WHERE c.device_id = s.device_id) AS lastOffload,
      (SELECT COUNT(*) FROM clips c WHERE c.device_id = s.device_id) AS clips,
      (SELECT MAX(d.at) FROM device_log_entries d WHERE d.device_id = s.device_id) AS lastLogAt,
      (SELECT COUNT(DISTINCT json_extract(d.entry_json, '$.data.clipId')) FROM device_log_entries d
        WHERE d.device_id = s.device_id AND d.type = 'record-stop'
          AND NOT EXISTS (SELECT 1 FROM clips c WHERE c.clip_id = json_extract(d.entry_json, '$.data.clipId'))
          AND NOT EXISTS (SELECT 1 FROM wipe_certificates w WHERE w.clip_id = json_extract(d.entry_json, '$.data.clipId'))) AS backlog
    FROM (${seen}) s GROUP BY s.device_id ORDER BY lastSeen DESC`).all() as Omit<CameraSeen, 'faults'>[];
  // Faults: 'fault' entries by kind, a firmware rollback by the launcher, a trial firmware that failed its health checks.
  const faults = db.prepare(`SELECT device_id AS deviceId, at,
      CASE type WHEN 'fw-rollback' THEN 'rollback' WHEN 'fw-health' THEN 'health-check-failed' ELSE coalesce(json_extract(entry_json, '$.data.kind'), '?') END AS kind
    FROM device_log_entries WHERE type = 'fault' OR type = 'fw-rollback' OR (type = 'fw-health' AND json_extract(entry_json, '$.data.ok') = 0)
    ORDER BY at DESC LIMIT 1000`).all() as { deviceId: string; at: string; kind: string }[];
  const cameras = rows.map((r) => ({ ...r, faults: faults.filter((f) => f.deviceId === r.deviceId).slice(0, 5).map(({ at, kind }) => ({ at, kind: String(kind) })) }));
  return { docks, cameras };
}
