// A central.db as the store wrote it before these tables moved behind the index port (main at 9f1e6e5):
// the migrations the old modules (clips-index.ts, retention.ts, holds.ts, export.ts, access-log.ts, users.ts, markers.ts, cases.ts, redaction/plans.ts, keys.ts) applied, their names
// and SQL copied verbatim, so the tests can check an existing store opens unchanged.
import type { Db } from '../../central-store/db.js';

export const LEGACY_MIGRATIONS: [string, string][] = [
  ['ingest-1', `
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
`],
  ['ingest-2', 'ALTER TABLE clips ADD COLUMN purpose TEXT'],
  ['ingest-3', `
    ALTER TABLE clips ADD COLUMN camera_cert_sha256 TEXT;
    ALTER TABLE clips ADD COLUMN clock_note TEXT;
    CREATE TABLE camera_certs (sha256 TEXT PRIMARY KEY, device_id TEXT NOT NULL, cert_der TEXT NOT NULL, first_seen TEXT NOT NULL);
    CREATE TABLE ingest_incidents (
      id INTEGER PRIMARY KEY, kind TEXT NOT NULL, dock_id TEXT NOT NULL, device_id TEXT NOT NULL, clip_id TEXT NOT NULL,
      reason TEXT NOT NULL, first_at TEXT NOT NULL, last_at TEXT NOT NULL, count INTEGER NOT NULL,
      UNIQUE(kind, dock_id, device_id, clip_id, reason));`],
  ['ingest-4', `
    CREATE INDEX clips_start_id ON clips(started_at, clip_id);
    CREATE INDEX clips_device_sort ON clips(device_id, started_at DESC, clip_id DESC);
    CREATE INDEX clips_purpose_sort ON clips(purpose, started_at DESC, clip_id DESC);
    CREATE INDEX clips_received_id ON clips(received_at, clip_id);`],
  ['ingest-5', 'CREATE TABLE device_log_anchors (device_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL, cut_at TEXT NOT NULL)'],
  ['evidence-retention-1', `
CREATE TABLE pending_deletions (
  clip_id TEXT PRIMARY KEY,
  blob_key TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  rule TEXT NOT NULL,
  by TEXT NOT NULL,
  requested_at TEXT NOT NULL
);`],
  ['evidence-retention-2', 'CREATE INDEX IF NOT EXISTS clips_started ON clips(started_at); CREATE INDEX IF NOT EXISTS clips_epoch ON clips(epoch_id)'],
  ['evidence-holds-1', `
CREATE TABLE holds (
  clip_id TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  case_number TEXT NOT NULL,
  placed_by TEXT NOT NULL,
  placed_at TEXT NOT NULL
);
CREATE TABLE hold_events (
  id INTEGER PRIMARY KEY,
  clip_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('place', 'lift')),
  reason TEXT NOT NULL,
  case_number TEXT,
  by TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX hold_events_clip ON hold_events(clip_id, id);
-- Data keys of held clips re-wrapped to the hold key before their epoch key is destroyed.
CREATE TABLE hold_wraps (
  clip_id TEXT PRIMARY KEY,
  key_name TEXT NOT NULL,
  wrapped_key BLOB NOT NULL,
  created_at TEXT NOT NULL
);
`],
  ['evidence-exports-1', `
CREATE TABLE exports (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  journal_number TEXT,
  recipient TEXT,
  subject TEXT,
  exported_by TEXT NOT NULL,
  exported_at TEXT NOT NULL,
  clip_ids TEXT NOT NULL,
  package_sha256 TEXT NOT NULL
);`],
  ['evidence-exports-2', 'ALTER TABLE exports ADD COLUMN package_path TEXT; ALTER TABLE exports ADD COLUMN package_removed_at TEXT'],
  // access-log.ts
  ['access-log-1', `
CREATE TABLE access_log (
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL, criterion TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok','denied','error')), reason TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX access_log_at ON access_log(at);
CREATE TABLE access_log_anchor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
CREATE TABLE access_log_gate (id INTEGER PRIMARY KEY CHECK (id = 1), open INTEGER NOT NULL);
INSERT INTO access_log_gate (id, open) VALUES (1, 0);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
  BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log WHEN (SELECT open FROM access_log_gate WHERE id = 1) = 0
  BEGIN SELECT RAISE(ABORT, 'access log entries are removed only by the purge job'); END;
`],
  // users.ts
  ['users-1', `
CREATE TABLE users (
  username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_at TEXT, disabled_at TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL, changed_at TEXT NOT NULL,
  changed_by TEXT NOT NULL, last_login_at TEXT
);`],
  // markers.ts, cases.ts
  ['markers-1', `
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
    CREATE UNIQUE INDEX markers_camera ON markers(clip_id, at_ms) WHERE source = 'camera';`],
  ['cases-1', `
    CREATE TABLE case_clips (
      case_number TEXT NOT NULL,
      clip_id TEXT NOT NULL REFERENCES clips(clip_id) ON DELETE CASCADE,
      added_by TEXT NOT NULL,
      added_at TEXT NOT NULL,
      PRIMARY KEY (case_number, clip_id)
    );
    CREATE INDEX case_clips_clip ON case_clips(clip_id);`],
  // redaction/plans.ts
  ['redaction-plans-1', `
CREATE TABLE redaction_plans (
  case_id TEXT NOT NULL,
  clip_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  plan_json TEXT NOT NULL,
  plan_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('proposed', 'approved')),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  approved_by TEXT,
  approved_at TEXT,
  delete_after TEXT NOT NULL,
  PRIMARY KEY (case_id, clip_id)
);
CREATE INDEX redaction_plans_delete_after ON redaction_plans(delete_after);`],
  // keys.ts
  ['evidence-keys-1', `
CREATE TABLE evidence_keys (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('epoch', 'hold')),
  key_id TEXT NOT NULL UNIQUE,
  public_pem TEXT NOT NULL,
  not_before TEXT,
  not_after TEXT,
  source TEXT NOT NULL,
  created_at TEXT NOT NULL,
  destroyed_at TEXT
);`],
];

/** Migrations of tables that did not exist before the port (an existing store gets them on its first open since). */
export const NEW_WITH_PORT = ['sessions-1', 'dock-heartbeats-1', 'job-leases-1', 'dock-leases-1', 'clip-put-claims-1'];
/** The schema objects those create. */
export const NEW_WITH_PORT_OBJECTS = ['sessions', 'sessions_kind_created', 'dock_heartbeats', 'job_leases', 'dock_leases', 'clip_put_claims'];

/** receipts.db as deletion-receipts.ts wrote it before the port (main at 742c122): one migration, SQL verbatim. */
export const LEGACY_RECEIPTS_MIGRATIONS: [string, string][] = [['receipts-1', `
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
CREATE INDEX deletion_receipts_at ON deletion_receipts(deleted_at);
CREATE TABLE key_destructions (
  id INTEGER PRIMARY KEY,
  key_name TEXT NOT NULL UNIQUE,
  destroyed_at TEXT NOT NULL,
  doc_json TEXT NOT NULL
);
`]];

/** Apply the legacy migrations the way db.ts migrate() did (each once, in a transaction, recorded by name). */
export function buildLegacy(db: Db, list: [string, string][] = LEGACY_MIGRATIONS): void {
  for (const [name, sql] of list) {
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO migrations (name, applied_at) VALUES (?, ?)').run(name, '2026-01-01T00:00:00.000Z');
    })();
  }
}
