// Owner of `wipe_certificates`: a camera's signed word that it wiped a clip after the store's receipt,
// forwarded by the dock (ingest-records.ts), kept beside the clip's receipt.
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

const TABLE = (id: string) => `
CREATE TABLE wipe_certificates (
  id ${id},
  clip_id TEXT NOT NULL UNIQUE,
  device_id TEXT NOT NULL,
  dock_id TEXT NOT NULL,
  cert_json TEXT NOT NULL,
  receipt_matches INTEGER NOT NULL,
  signature_verified INTEGER NOT NULL,
  received_at TEXT NOT NULL
);`;

/** Part of 'ingest-1' (migrations.ts merges the parts of one name). */
export const WIPE_CERTIFICATES_MIGRATIONS: Migration[] = [
  { name: 'ingest-1', sqlite: TABLE('INTEGER PRIMARY KEY'), pg: TABLE('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY') },
];

export interface WipeCertIn { clipId: string; deviceId: string; dockId: string; certJson: string; receiptMatches: boolean; signatureVerified: boolean }
export interface WipeCert extends WipeCertIn { receivedAt: string }

/** Keep the first certificate for a clip (a resent one is ignored). */
export async function insertWipeCert(u: Unit, r: WipeCertIn, at = new Date().toISOString()): Promise<void> {
  await u.run(`INSERT INTO wipe_certificates (clip_id, device_id, dock_id, cert_json, receipt_matches, signature_verified, received_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (clip_id) DO NOTHING`, [r.clipId, r.deviceId, r.dockId, r.certJson, r.receiptMatches ? 1 : 0, r.signatureVerified ? 1 : 0, at]);
}

type Row = { clip_id: string; device_id: string; dock_id: string; cert_json: string; receipt_matches: number; signature_verified: number; received_at: string };
const fromRow = (r: Row): WipeCert => ({ clipId: r.clip_id, deviceId: r.device_id, dockId: r.dock_id, certJson: r.cert_json,
  receiptMatches: Number(r.receipt_matches) === 1, signatureVerified: Number(r.signature_verified) === 1, receivedAt: r.received_at });

export async function wipeCertOf(u: Unit, clipId: string): Promise<WipeCert | undefined> {
  const r = await u.get<Row>('SELECT * FROM wipe_certificates WHERE clip_id = ?', [clipId]);
  return r && fromRow(r);
}

/** Every stored certificate, oldest first (optionally one camera's). */
export async function wipeCerts(u: Unit, o: { deviceId?: string } = {}): Promise<WipeCert[]> {
  const rows = o.deviceId === undefined ? await u.all<Row>('SELECT * FROM wipe_certificates ORDER BY id')
    : await u.all<Row>('SELECT * FROM wipe_certificates WHERE device_id = ? ORDER BY id', [o.deviceId]);
  return rows.map(fromRow);
}

/** Certificates received before `cutoff`, except a held clip's. */
export async function purgeWipeCerts(u: Unit, cutoff: string): Promise<number> {
  return (await u.run('DELETE FROM wipe_certificates WHERE received_at < ? AND clip_id NOT IN (SELECT clip_id FROM holds)', [cutoff])).changes;
}

export function wipeCertsCensus(u: Unit, cutoff: string): Promise<Census> {
  return censusOf(u, 'wipe_certificates', 'received_at', cutoff, { overdueWhere: 'clip_id NOT IN (SELECT clip_id FROM holds)' });
}
