// Owner of `ingest_incidents`: something refused or inconsistent at ingest, for the evidence officer,
// one row per distinct (kind, dock, device, clip, reason), counted, so a flood of the same forgery
// cannot grow the table without bound.
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

const TABLE = (id: string, big: string) => `
    CREATE TABLE ingest_incidents (
      id ${id}, kind TEXT NOT NULL, dock_id TEXT NOT NULL, device_id TEXT NOT NULL, clip_id TEXT NOT NULL,
      reason TEXT NOT NULL, first_at TEXT NOT NULL, last_at TEXT NOT NULL, count ${big} NOT NULL,
      UNIQUE(kind, dock_id, device_id, clip_id, reason));`;

/** Part of 'ingest-3' (migrations.ts merges the parts of one name). */
export const INGEST_INCIDENTS_MIGRATIONS: Migration[] = [
  { name: 'ingest-3', sqlite: TABLE('INTEGER PRIMARY KEY', 'INTEGER'), pg: TABLE('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', 'BIGINT') },
];

export const INCIDENT_KINDS = ['upload-refused', 'clip-refused', 'clip-conflict', 'wipe-cert-refused', 'device-log-refused', 'device-log-gap', 'device-log-fork'] as const;
export type IncidentKind = typeof INCIDENT_KINDS[number];
export interface IncidentIn { kind: IncidentKind; dockId?: string; deviceId?: string; clipId?: string; reason: string }
export interface Incident { kind: IncidentKind; dock_id: string; device_id: string; clip_id: string; reason: string; first_at: string; last_at: string; count: number }

export async function recordIncident(u: Unit, i: IncidentIn, now = new Date().toISOString()): Promise<void> {
  await u.run(`INSERT INTO ingest_incidents (kind, dock_id, device_id, clip_id, reason, first_at, last_at, count) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
    ON CONFLICT (kind, dock_id, device_id, clip_id, reason) DO UPDATE SET last_at = excluded.last_at, count = ingest_incidents.count + 1`,
  [i.kind, i.dockId ?? '', i.deviceId ?? '', i.clipId ?? '', i.reason.slice(0, 500), now, now]);
}

/** Incidents in the order first seen, optionally of one kind and/or one clip. */
export async function incidents(u: Unit, o: { kind?: IncidentKind; clipId?: string } = {}): Promise<Incident[]> {
  const where: string[] = [];
  const args: string[] = [];
  if (o.kind !== undefined) { where.push('kind = ?'); args.push(o.kind); }
  if (o.clipId !== undefined) { where.push('clip_id = ?'); args.push(o.clipId); }
  const rows = await u.all<Incident>(`SELECT kind, dock_id, device_id, clip_id, reason, first_at, last_at, count FROM ingest_incidents
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`, args);
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

/** Incidents whose last occurrence is before `cutoff`. */
export async function purgeIncidents(u: Unit, cutoff: string): Promise<number> {
  return (await u.run('DELETE FROM ingest_incidents WHERE last_at < ?', [cutoff])).changes;
}

export function incidentsCensus(u: Unit, cutoff: string): Promise<Census> {
  return censusOf(u, 'ingest_incidents', 'last_at', cutoff);
}
