// Owner of `key_destructions`: the signed receipt of each destroyed evidence key (one per key name).
// Kept where the deletion receipts are (tables/deletion-receipts.ts): the index database on PostgreSQL,
// receipts.db on sqlite.
import type { SignedDocument } from '../../../shared/evidence.js';
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

// sqlite: the SQL receipts.db stores applied as part of 'receipts-1' before the port, verbatim.
const TABLE = (id: string) => `CREATE TABLE key_destructions (
  id ${id},
  key_name TEXT NOT NULL UNIQUE,
  destroyed_at TEXT NOT NULL,
  doc_json TEXT NOT NULL
);
`;
export const KEY_DESTRUCTIONS_MIGRATIONS: Migration[] = [
  { name: 'receipts-1', sqlite: TABLE('INTEGER PRIMARY KEY'), pg: TABLE('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY') },
];

export async function keyDestructionDoc(u: Unit, keyName: string): Promise<SignedDocument | undefined> {
  const r = await u.get<{ doc_json: string }>('SELECT doc_json FROM key_destructions WHERE key_name = ?', [keyName]);
  return r ? JSON.parse(r.doc_json) as SignedDocument : undefined;
}

/** Keep a receipt; false when this key already has one (another node signed it first: that one stands). */
export async function insertKeyDestruction(u: Unit, r: { keyName: string; destroyedAt: string; doc: SignedDocument }): Promise<boolean> {
  return (await u.run('INSERT INTO key_destructions (key_name, destroyed_at, doc_json) VALUES (?, ?, ?) ON CONFLICT (key_name) DO NOTHING',
    [r.keyName, r.destroyedAt, JSON.stringify(r.doc)])).changes === 1;
}

export async function keyDestructionDocs(u: Unit): Promise<SignedDocument[]> {
  return (await u.all<{ doc_json: string }>('SELECT doc_json FROM key_destructions ORDER BY id')).map((r) => JSON.parse(r.doc_json) as SignedDocument);
}

/** Receipts of destructions before `before` (deadlines.keyDestructionMonths); returns how many. */
export async function purgeKeyDestructions(u: Unit, before: string): Promise<number> {
  return (await u.run('DELETE FROM key_destructions WHERE destroyed_at < ?', [before])).changes;
}

export function keyDestructionsCensus(u: Unit, cutoff: string): Promise<Census> {
  return censusOf(u, 'key_destructions', 'destroyed_at', cutoff);
}
