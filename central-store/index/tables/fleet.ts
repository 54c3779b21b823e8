// The fleet as ingest knows it (docs/web-office.md "Fleet"): a read-only report over the ingest tables
// (clips, device_log_entries, wipe_certificates; their owners write them). No heartbeat of its own, only
// what docks have delivered, and when.
import type { Unit } from '../port.js';

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

export async function fleet(u: Unit): Promise<{ docks: DockSeen[]; cameras: CameraSeen[] }> {
  const j = (col: string, path: string) => u.dialect === 'pg' ? `(${col}::jsonb #>> '{${path.split('.').join(',')}}')` : `json_extract(${col}, '$.${path}')`;
  const seen = `SELECT dock_id, device_id, received_at FROM clips UNION ALL SELECT dock_id, device_id, received_at FROM device_log_entries
    UNION ALL SELECT dock_id, device_id, received_at FROM wipe_certificates`;
  const docks = await u.all<DockSeen>(`SELECT s.dock_id AS "dockId", MAX(s.received_at) AS "lastSeen", COUNT(DISTINCT s.device_id) AS cameras,
      (SELECT COUNT(*) FROM clips c WHERE c.dock_id = s.dock_id) AS clips
    FROM (${seen}) s GROUP BY s.dock_id ORDER BY "lastSeen" DESC`);
  const clipOf = j('d.entry_json', 'data.clipId');
  const rows = await u.all<Omit<CameraSeen, 'faults'>>(`SELECT s.device_id AS "deviceId", MAX(s.received_at) AS "lastSeen",
      (SELECT s2.dock_id FROM (${seen}) s2 WHERE s2.device_id = s.device_id ORDER BY s2.received_at DESC LIMIT 1) AS "lastDock",
      (SELECT MAX(c.received_at) FROM clips c WHERE c.device_id = s.device_id) AS "lastOffload",
      (SELECT COUNT(*) FROM clips c WHERE c.device_id = s.device_id) AS clips,
      (SELECT MAX(d.at) FROM device_log_entries d WHERE d.device_id = s.device_id) AS "lastLogAt",
      (SELECT COUNT(DISTINCT ${clipOf}) FROM device_log_entries d
        WHERE d.device_id = s.device_id AND d.type = 'record-stop'
          AND NOT EXISTS (SELECT 1 FROM clips c WHERE c.clip_id = ${clipOf})
          AND NOT EXISTS (SELECT 1 FROM wipe_certificates w WHERE w.clip_id = ${clipOf})) AS backlog
    FROM (${seen}) s GROUP BY s.device_id ORDER BY "lastSeen" DESC`);
  // Faults: 'fault' entries by kind, a firmware rollback by the launcher, a trial firmware that failed its health checks.
  const failed = u.dialect === 'pg' ? `${j('entry_json', 'data.ok')} = 'false'` : `${j('entry_json', 'data.ok')} = 0`;
  const faults = await u.all<{ deviceId: string; at: string; kind: string }>(`SELECT device_id AS "deviceId", at,
      CASE type WHEN 'fw-rollback' THEN 'rollback' WHEN 'fw-health' THEN 'health-check-failed' ELSE coalesce(${j('entry_json', 'data.kind')}, '?') END AS kind
    FROM device_log_entries WHERE type = 'fault' OR type = 'fw-rollback' OR (type = 'fw-health' AND ${failed}) ORDER BY at DESC LIMIT 1000`);
  return {
    docks: docks.map((d) => ({ ...d, clips: Number(d.clips), cameras: Number(d.cameras) })),
    cameras: rows.map((r) => ({ ...r, clips: Number(r.clips), backlog: Number(r.backlog),
      faults: faults.filter((f) => f.deviceId === r.deviceId).slice(0, 5).map(({ at, kind }) => ({ at, kind: String(kind) })) })),
  };
}
