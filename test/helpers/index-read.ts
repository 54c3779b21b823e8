// Tests read a store's index through the port, on the same connection (and the same queue of units)
// as the store under test: SqliteIndex.for gives the one index over that connection.
import type { Db } from '../../central-store/db.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import type { Unit } from '../../central-store/index/port.js';
import { clipCount, getClip } from '../../central-store/index/tables/clips.js';
import { allDeviceLogEntries } from '../../central-store/index/tables/device-log.js';
import { incidents, type IncidentKind } from '../../central-store/index/tables/ingest-incidents.js';
import { wipeCertOf, wipeCerts } from '../../central-store/index/tables/wipe-certificates.js';

/**
 * One read-only unit on a central.db another process owns (what an auditor with file access sees):
 * opened, read through the owner modules, closed.
 */
export async function readIndexFile<T>(file: string, fn: (u: Unit) => Promise<T>): Promise<T> {
  const ix = SqliteIndex.openReadOnly(file);
  try { return await ix.tx(fn); } finally { await ix.close(); }
}

/** One unit of work on the store's index. */
export const inIndex = <T>(db: Db, fn: (u: Unit) => Promise<T>): Promise<T> => SqliteIndex.for(db).tx(fn);
export const clipIn = (db: Db, clipId: string) => inIndex(db, (u) => getClip(u, clipId));
export const incidentsIn = (db: Db, o: { kind?: IncidentKind; clipId?: string } = {}) => inIndex(db, (u) => incidents(u, o));
export const clipCountIn = (db: Db) => inIndex(db, (u) => clipCount(u));
export const wipeCertsIn = (db: Db) => inIndex(db, (u) => wipeCerts(u));
export const wipeCertIn = (db: Db, clipId: string) => inIndex(db, (u) => wipeCertOf(u, clipId));
export const deviceLogIn = (db: Db) => inIndex(db, (u) => allDeviceLogEntries(u));
