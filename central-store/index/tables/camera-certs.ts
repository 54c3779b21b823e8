// Owner of `camera_certs`: each camera certificate whose key sealed a stored clip (an auditor re-verifies
// the clip's signature with it), kept while a stored clip needs it.
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

const TABLE = 'CREATE TABLE camera_certs (sha256 TEXT PRIMARY KEY, device_id TEXT NOT NULL, cert_der TEXT NOT NULL, first_seen TEXT NOT NULL);';

/** Part of 'ingest-3' (migrations.ts merges the parts of one name). */
export const CAMERA_CERTS_MIGRATIONS: Migration[] = [{ name: 'ingest-3', sqlite: TABLE, pg: TABLE }];

export async function rememberCameraCert(u: Unit, sha256: string, deviceId: string, derB64: string, at = new Date().toISOString()): Promise<void> {
  await u.run('INSERT INTO camera_certs (sha256, device_id, cert_der, first_seen) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING', [sha256, deviceId, derB64, at]);
}

export async function cameraCert(u: Unit, sha256: string): Promise<{ deviceId: string; derB64: string; firstSeen: string } | undefined> {
  const r = await u.get<{ device_id: string; cert_der: string; first_seen: string }>('SELECT device_id, cert_der, first_seen FROM camera_certs WHERE sha256 = ?', [sha256]);
  return r && { deviceId: r.device_id, derB64: r.cert_der, firstSeen: r.first_seen };
}

/** The certificates (DER base64) kept for `deviceId`, newest first, at most `limit`. */
export async function cameraCertsOfDevice(u: Unit, deviceId: string, limit = 16): Promise<string[]> {
  return (await u.all<{ cert_der: string }>('SELECT cert_der FROM camera_certs WHERE device_id = ? ORDER BY first_seen DESC LIMIT ?', [deviceId, limit])).map((r) => r.cert_der);
}

const UNUSED = 'sha256 NOT IN (SELECT camera_cert_sha256 FROM clips WHERE camera_cert_sha256 IS NOT NULL)';

/** Certificates first seen before `cutoff` that no stored clip was sealed under. */
export async function purgeCameraCerts(u: Unit, cutoff: string): Promise<number> {
  return (await u.run(`DELETE FROM camera_certs WHERE first_seen < ? AND ${UNUSED}`, [cutoff])).changes;
}

export function cameraCertsCensus(u: Unit, cutoff: string): Promise<Census> {
  return censusOf(u, 'camera_certs', 'first_seen', cutoff, { overdueWhere: UNUSED });
}
