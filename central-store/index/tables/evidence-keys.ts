// Owner of `evidence_keys`: the public record of each evidence key the store holds (epoch keys and the
// hold key): id, public half, validity window, and when its private half was destroyed. The private
// halves are never here: they are files sealed under the master key (../../keys.ts).
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

const TABLE = `
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
);`;
export const EVIDENCE_KEYS_MIGRATIONS: Migration[] = [{ name: 'evidence-keys-1', sqlite: TABLE, pg: TABLE }];

export type KeyKind = 'epoch' | 'hold';
export interface KeyRecord {
  name: string; kind: KeyKind; keyId: string; publicKeyPem: string; notBefore: string | null; notAfter: string | null;
  source: 'generated' | 'imported'; createdAt: string; destroyedAt: string | null;
}
type Row = { name: string; kind: KeyKind; key_id: string; public_pem: string; not_before: string | null; not_after: string | null; source: KeyRecord['source']; created_at: string; destroyed_at: string | null };
const fromRow = (r: Row): KeyRecord => ({ name: r.name, kind: r.kind, keyId: r.key_id, publicKeyPem: r.public_pem, notBefore: r.not_before ?? null,
  notAfter: r.not_after ?? null, source: r.source, createdAt: r.created_at, destroyedAt: r.destroyed_at ?? null });

export async function keyRecord(u: Unit, name: string): Promise<KeyRecord | undefined> {
  const r = await u.get<Row>('SELECT * FROM evidence_keys WHERE name = ?', [name]);
  return r && fromRow(r);
}
export async function keyRecords(u: Unit, kind?: KeyKind): Promise<KeyRecord[]> {
  const rows = kind ? await u.all<Row>('SELECT * FROM evidence_keys WHERE kind = ? ORDER BY name', [kind]) : await u.all<Row>('SELECT * FROM evidence_keys ORDER BY name');
  return rows.map(fromRow);
}
/** Record a key; false when one of that name is already recorded (another node stored it first). */
export async function insertKeyRecord(u: Unit, k: Omit<KeyRecord, 'destroyedAt'>): Promise<boolean> {
  return (await u.run(`INSERT INTO evidence_keys (name, kind, key_id, public_pem, not_before, not_after, source, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`, [k.name, k.kind, k.keyId, k.publicKeyPem, k.notBefore, k.notAfter, k.source, k.createdAt])).changes === 1;
}
export async function markKeyDestroyed(u: Unit, name: string, at: string): Promise<void> {
  await u.run('UPDATE evidence_keys SET destroyed_at = ? WHERE name = ? AND destroyed_at IS NULL', [at, name]);
}
/** Public records of epoch keys destroyed before `cutoff` that no stored clip names; returns how many. */
export async function purgeDestroyedKeys(u: Unit, cutoff: string): Promise<number> {
  return (await u.run(`DELETE FROM evidence_keys WHERE kind = 'epoch' AND destroyed_at IS NOT NULL AND destroyed_at < ?
      AND name NOT IN (SELECT epoch_id FROM clips)`, [cutoff])).changes;
}

/** The review's figures: records of destroyed keys, past `cutoff` unless an epoch's clips are still stored. */
export function destroyedKeysCensus(u: Unit, cutoff: string): Promise<Census> {
  return censusOf(u, 'evidence_keys', 'destroyed_at', cutoff, { where: 'destroyed_at IS NOT NULL', overdueWhere: "kind = 'epoch' AND name NOT IN (SELECT epoch_id FROM clips)" });
}
