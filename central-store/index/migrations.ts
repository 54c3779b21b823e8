// Every index migration, in the one order they apply on every backend. Each owner module in tables/
// contributes its entries; new ones go at the end. A name sqlite stores applied before the index port
// that created several tables ('ingest-1': clips, wipe_certificates, device_log_entries) is one step
// here made of each owner's part, so an existing central.db finds it applied and re-runs nothing.
// The receipts' tables are a list of their own (RECEIPTS_MIGRATIONS): on sqlite they live in receipts.db.
import type { Dialect, Migration } from './port.js';
import { ACCESS_LOG_MIGRATIONS } from './tables/access-log.js';
import { CAMERA_CERTS_MIGRATIONS } from './tables/camera-certs.js';
import { CLIPS_MIGRATIONS } from './tables/clips.js';
import { CLIP_PUT_CLAIMS_MIGRATIONS } from './tables/clip-put-claims.js';
import { DELETION_RECEIPTS_MIGRATIONS } from './tables/deletion-receipts.js';
import { DEVICE_LOG_MIGRATIONS } from './tables/device-log.js';
import { DOCK_HEARTBEATS_MIGRATIONS } from './tables/dock-heartbeats.js';
import { DOCK_LEASES_MIGRATIONS } from './tables/dock-leases.js';
import { EXPORTS_MIGRATIONS } from './tables/exports.js';
import { HOLDS_MIGRATIONS } from './tables/holds.js';
import { INGEST_INCIDENTS_MIGRATIONS } from './tables/ingest-incidents.js';
import { CASES_MIGRATIONS } from './tables/cases.js';
import { MARKERS_MIGRATIONS } from './tables/markers.js';
import { JOB_LEASES_MIGRATIONS } from './tables/job-leases.js';
import { KEY_DESTRUCTIONS_MIGRATIONS } from './tables/key-destructions.js';
import { EVIDENCE_KEYS_MIGRATIONS } from './tables/evidence-keys.js';
import { REDACTION_PLANS_MIGRATIONS } from './tables/redaction-plans.js';
import { SESSIONS_MIGRATIONS } from './tables/sessions.js';
import { USERS_MIGRATIONS } from './tables/users.js';
import { PENDING_DELETIONS_MIGRATIONS } from './tables/pending-deletions.js';
import { WIPE_CERTIFICATES_MIGRATIONS } from './tables/wipe-certificates.js';

const end = (sql: string) => sql.trimEnd().replace(/;$/, '');

/** One step per name, in first-seen order; a name's parts joined in the owners' order. */
export function merge(...owners: readonly Migration[][]): Migration[] {
  const steps = new Map<string, Migration>();
  for (const m of owners.flat()) {
    const s = steps.get(m.name);
    steps.set(m.name, s ? { name: m.name, sqlite: `${end(s.sqlite)};\n${m.sqlite}`, pg: `${end(s.pg)};\n${m.pg}` } : { ...m });
  }
  return [...steps.values()];
}

export const MIGRATIONS: readonly Migration[] = merge(
  // The names and order sqlite stores applied them in before the port (ingest, retention, holds, exports).
  CLIPS_MIGRATIONS.filter((m) => m.name.startsWith('ingest-')), WIPE_CERTIFICATES_MIGRATIONS, DEVICE_LOG_MIGRATIONS,
  CAMERA_CERTS_MIGRATIONS, INGEST_INCIDENTS_MIGRATIONS, PENDING_DELETIONS_MIGRATIONS,
  CLIPS_MIGRATIONS.filter((m) => !m.name.startsWith('ingest-')), HOLDS_MIGRATIONS,
  EXPORTS_MIGRATIONS, ACCESS_LOG_MIGRATIONS, USERS_MIGRATIONS, MARKERS_MIGRATIONS, CASES_MIGRATIONS,
  REDACTION_PLANS_MIGRATIONS, EVIDENCE_KEYS_MIGRATIONS,
  // New with the port (no sqlite store has them yet).
  SESSIONS_MIGRATIONS, DOCK_HEARTBEATS_MIGRATIONS, JOB_LEASES_MIGRATIONS, DOCK_LEASES_MIGRATIONS,
  CLIP_PUT_CLAIMS_MIGRATIONS,
);

/**
 * Deletion and key-destruction receipts ('receipts-1', the name receipts.db stores applied before the
 * port). PostgreSQL: in the index database after MIGRATIONS, so a receipt is signed once and listed by
 * every node. sqlite: in their own receipts.db beside central.db (deletion-receipts.ts), as before.
 */
export const RECEIPTS_MIGRATIONS: readonly Migration[] = merge(DELETION_RECEIPTS_MIGRATIONS, KEY_DESTRUCTIONS_MIGRATIONS);

/** Everything the index database holds on this backend. */
export const migrationsFor = (d: Dialect): readonly Migration[] => (d === 'pg' ? [...MIGRATIONS, ...RECEIPTS_MIGRATIONS] : MIGRATIONS);
