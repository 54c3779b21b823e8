// Owner of `dock_heartbeats`: each dock's newest verified heartbeat (docs/mqtt-topics.md, "Heartbeat"),
// one row per dock, replaced by a newer one (higher seq) and never by an older or replayed one. The
// body is kept as the dock signed it (already validated and bounded by the codec's schema).
import type { Migration, Unit } from '../port.js';

const TABLE = (big: string) => `CREATE TABLE dock_heartbeats (
  dock_id TEXT PRIMARY KEY, seq ${big} NOT NULL, sent_at TEXT NOT NULL, received_at TEXT NOT NULL, body_json TEXT NOT NULL
);`;
export const DOCK_HEARTBEATS_MIGRATIONS: Migration[] = [
  { name: 'dock-heartbeats-1', sqlite: TABLE('INTEGER'), pg: TABLE('BIGINT') },
];

/** Keep a heartbeat if it is newer than the dock's stored one; false when it is not (old, replayed). */
export async function recordHeartbeat(u: Unit, h: { dockId: string; seq: number; sentAt: string; bodyJson: string }, receivedAt: string): Promise<boolean> {
  const r = await u.run(`INSERT INTO dock_heartbeats (dock_id, seq, sent_at, received_at, body_json) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (dock_id) DO UPDATE SET seq = excluded.seq, sent_at = excluded.sent_at, received_at = excluded.received_at, body_json = excluded.body_json
    WHERE excluded.seq > dock_heartbeats.seq`, [h.dockId, h.seq, h.sentAt, receivedAt, h.bodyJson]);
  return r.changes === 1;
}

export interface StoredHeartbeat { dockId: string; seq: number; sentAt: string; receivedAt: string; bodyJson: string }
export async function latestHeartbeats(u: Unit): Promise<StoredHeartbeat[]> {
  const rows = await u.all<{ dock_id: string; seq: number | string; sent_at: string; received_at: string; body_json: string }>('SELECT * FROM dock_heartbeats ORDER BY dock_id');
  return rows.map((r) => ({ dockId: r.dock_id, seq: Number(r.seq), sentAt: r.sent_at, receivedAt: r.received_at, bodyJson: r.body_json }));
}
