// Owner of `device_log_entries` and `device_log_anchors`: each camera's hash-chained device log as the
// docks deliver it (verified to the camera's signed head by ingest-records.ts), and where the record
// deadline cut it (the last deleted entry's seq and hash), so what is kept stays one verifiable chain.
import { GENESIS_HASH } from '../../../shared/device-log-chain.js';
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

const ENTRIES = (id: string, big: string) => `
CREATE TABLE device_log_entries (
  id ${id},
  device_id TEXT NOT NULL,
  seq ${big} NOT NULL,
  at TEXT NOT NULL,
  type TEXT NOT NULL,
  entry_json TEXT NOT NULL,
  chain_ok INTEGER NOT NULL,
  dock_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE(device_id, seq)
);`;
const ANCHORS = (big: string) => `CREATE TABLE device_log_anchors (device_id TEXT PRIMARY KEY, seq ${big} NOT NULL, hash TEXT NOT NULL, cut_at TEXT NOT NULL)`;

/** Parts of 'ingest-1' and 'ingest-5' (migrations.ts merges the parts of one name). */
export const DEVICE_LOG_MIGRATIONS: Migration[] = [
  { name: 'ingest-1', sqlite: ENTRIES('INTEGER PRIMARY KEY', 'INTEGER'), pg: ENTRIES('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', 'BIGINT') },
  // Issue 19: where a camera's stored log was cut by the deadline job, the last deleted entry's hash.
  { name: 'ingest-5', sqlite: ANCHORS('INTEGER'), pg: ANCHORS('BIGINT') },
];

export interface LogEntryIn { seq: number; at: string; type: string; data: Record<string, unknown>; prevHash: string; hash: string; json: string }
export interface StoredLogEntry { deviceId: string; seq: number; at: string; type: string; entryJson: string; chainOk: boolean; dockId: string; receivedAt: string }

const entryHash = (json: string) => (JSON.parse(json) as { hash: string }).hash;

/**
 * Store a run of a camera's device log entries, already verified as one chain ending at the camera's
 * signed head (ingest-records.ts). Entries already stored with the same hash are ignored. chain_ok = 1 when
 * the entry links to the stored previous entry (genesis for seq 1): always inside the run, and for the
 * first entry when nothing is missing before it. A gap (entries before the run never arrived) is stored
 * and named; a fork (a seq already stored with another hash) stores nothing and is named.
 */
export async function storeDeviceLog(u: Unit, deviceId: string, dockId: string, entries: LogEntryIn[], now = new Date().toISOString()): Promise<{ gap: string | null; fork: string | null }> {
  const a = await u.get<{ seq: number | string; hash: string }>('SELECT seq, hash FROM device_log_anchors WHERE device_id = ?', [deviceId]);
  const anchor = a && { seq: Number(a.seq), hash: a.hash };
  const jsonAt = async (seq: number) => (await u.get<{ entry_json: string }>('SELECT entry_json FROM device_log_entries WHERE device_id = ? AND seq = ?', [deviceId, seq]))?.entry_json;
  const hashAt = async (seq: number): Promise<string | undefined> => {
    if (anchor && seq === anchor.seq) return anchor.hash;
    const j = await jsonAt(seq);
    return j === undefined ? undefined : entryHash(j);
  };
  // Entries up to the anchor were deleted on their deadline: a dock sending them again does not bring them back.
  const anchored = anchor && entries.find((e) => e.seq === anchor.seq);
  if (anchor && anchored && anchored.hash !== anchor.hash) return { gap: null, fork: `seq ${anchor.seq} was stored with hash ${anchor.hash.slice(0, 16)}…, this run has ${anchored.hash.slice(0, 16)}…: the camera's log forked` };
  if (anchor) entries = entries.filter((e) => e.seq > anchor.seq);
  if (!entries.length) return { gap: null, fork: null };
  for (const e of entries) {
    const h = await hashAt(e.seq);
    if (h !== undefined && h !== e.hash) return { gap: null, fork: `seq ${e.seq} is stored with hash ${h.slice(0, 16)}…, this run has ${e.hash.slice(0, 16)}…: the camera's log forked` };
  }
  const first = entries[0]!;
  const before = first.seq === 1 ? GENESIS_HASH : await hashAt(first.seq - 1);
  if (before !== undefined && before !== first.prevHash) {
    return { gap: null, fork: `seq ${first.seq} follows hash ${first.prevHash.slice(0, 16)}…, the stored seq ${first.seq - 1} is ${before.slice(0, 16)}…: the camera's log forked` };
  }
  let gap: string | null = null;
  if (before === undefined) {
    const m = await u.get<{ m: number | string | null }>('SELECT MAX(seq) AS m FROM device_log_entries WHERE device_id = ? AND seq < ?', [deviceId, first.seq]);
    gap = `entries ${Number(m?.m ?? 0) + 1}..${first.seq - 1} never arrived`;
  }
  for (const [i, e] of entries.entries()) {
    await u.run(`INSERT INTO device_log_entries (device_id, seq, at, type, entry_json, chain_ok, dock_id, received_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, seq) DO NOTHING`, [deviceId, e.seq, e.at, e.type, e.json, i > 0 || before !== undefined ? 1 : 0, dockId, now]);
  }
  // A late run that fills a gap links the entry after it.
  const last = entries[entries.length - 1]!;
  const next = await jsonAt(last.seq + 1);
  if (next !== undefined && (JSON.parse(next) as { prevHash: string }).prevHash === last.hash) {
    await u.run('UPDATE device_log_entries SET chain_ok = 1 WHERE device_id = ? AND seq = ? AND chain_ok = 0', [deviceId, last.seq + 1]);
  }
  return { gap, fork: null };
}

type Row = { device_id: string; seq: number | string; at: string; type: string; entry_json: string; chain_ok: number; dock_id: string; received_at: string };

/** A camera's stored entries in seq order. */
export async function deviceLogOf(u: Unit, deviceId: string): Promise<StoredLogEntry[]> {
  const rows = await u.all<Row>('SELECT device_id, seq, at, type, entry_json, chain_ok, dock_id, received_at FROM device_log_entries WHERE device_id = ? ORDER BY seq', [deviceId]);
  return rows.map((r) => ({ deviceId: r.device_id, seq: Number(r.seq), at: r.at, type: r.type, entryJson: r.entry_json, chainOk: Number(r.chain_ok) === 1, dockId: r.dock_id, receivedAt: r.received_at }));
}

export async function deviceLogAnchor(u: Unit, deviceId: string): Promise<{ seq: number; hash: string; cutAt: string } | undefined> {
  const r = await u.get<{ seq: number | string; hash: string; cut_at: string }>('SELECT seq, hash, cut_at FROM device_log_anchors WHERE device_id = ?', [deviceId]);
  return r && { seq: Number(r.seq), hash: r.hash, cutAt: r.cut_at };
}

/** Whether an entry's JSON names a held clip (such entries, and all after them, outlive the deadline). */
const NAMES_HELD = (dialect: 'sqlite' | 'pg') => dialect === 'pg'
  ? `EXISTS (SELECT 1 FROM holds h WHERE strpos(e.entry_json, '"' || h.clip_id || '"') > 0)`
  : `EXISTS (SELECT 1 FROM holds h WHERE instr(e.entry_json, '"' || h.clip_id || '"') > 0)`;

/**
 * Delete each camera's stored log entries received before `cutoff`, oldest first, up to the first one
 * that is kept (newer, or naming a held clip), so the rest stays one chain; the last deleted entry's
 * seq and hash become the camera's anchor. Returns the entries deleted.
 */
export async function purgeDeviceLog(u: Unit, cutoff: string, at: string): Promise<number> {
  let n = 0;
  const devices = await u.all<{ device_id: string }>('SELECT DISTINCT device_id FROM device_log_entries WHERE received_at < ? ORDER BY device_id', [cutoff]);
  for (const { device_id: d } of devices) {
    const kept = await u.get<{ s: number | string | null }>(`SELECT MIN(seq) AS s FROM device_log_entries e WHERE device_id = ? AND (received_at >= ? OR ${NAMES_HELD(u.dialect)})`, [d, cutoff]);
    const keptSeq = kept?.s == null ? null : Number(kept.s);
    const last = await u.get<{ seq: number | string; entry_json: string }>(`SELECT seq, entry_json FROM device_log_entries WHERE device_id = ?${keptSeq === null ? '' : ' AND seq < ?'} ORDER BY seq DESC LIMIT 1`,
      keptSeq === null ? [d] : [d, keptSeq]);
    if (!last) continue;
    n += (await u.run('DELETE FROM device_log_entries WHERE device_id = ? AND seq <= ?', [d, Number(last.seq)])).changes;
    await u.run(`INSERT INTO device_log_anchors (device_id, seq, hash, cut_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, cut_at = excluded.cut_at`, [d, Number(last.seq), entryHash(last.entry_json), at]);
  }
  return n;
}

export function deviceLogCensus(u: Unit, cutoff: string): Promise<Census> {
  return censusOf(u, 'device_log_entries', 'received_at', cutoff);
}

/** Every camera's stored entries, by camera and seq (the simulator's end-of-shift check). */
export async function allDeviceLogEntries(u: Unit): Promise<StoredLogEntry[]> {
  const rows = await u.all<Row>('SELECT device_id, seq, at, type, entry_json, chain_ok, dock_id, received_at FROM device_log_entries ORDER BY device_id, seq');
  return rows.map((r) => ({ deviceId: r.device_id, seq: Number(r.seq), at: r.at, type: r.type, entryJson: r.entry_json, chainOk: Number(r.chain_ok) === 1, dockId: r.dock_id, receivedAt: r.received_at }));
}
