// Deletion deadlines of the central store's records other than clips (clips: retention.ts) and the
// access log (accessLogMonths). One key per record kind; the data inventory (docs/data-inventory.md,
// shared/data-inventory.ts) names the key each place is deleted by. Maximums keep a typo from turning
// a deadline into "for ever".
import { z } from 'zod';

const n = (max: number, d: number, why: string) => z.number().int().min(1).max(max, `at most ${max} (${why})`).default(d);

export const DEADLINE_DEFAULTS = {
  deviceLogDays: 60, wipeCertificateDays: 60, ingestIncidentDays: 90, cameraCertDays: 60, holdEventMonths: 6,
  deletionReceiptMonths: 6, keyDestructionMonths: 12, exportRecordMonths: 6, exportPackageHours: 24, disabledUserDays: 30,
} as const;
const D = DEADLINE_DEFAULTS;

export const DeadlinesSchema = z.object({
  /** Device-log entries central received (counted from receipt); entries naming a held clip stay. */
  deviceLogDays: n(400, D.deviceLogDays, 'device logs are personal data: a guard\'s activity'),
  /** Wipe certificates docks forwarded (from receipt); a held clip's stays. */
  wipeCertificateDays: n(400, D.wipeCertificateDays, 'documentation of a camera wipe'),
  /** Refused or inconsistent uploads (from the last occurrence). */
  ingestIncidentDays: n(400, D.ingestIncidentDays, 'incidents are for the evidence officer, not an archive'),
  /** Camera certificates no stored clip was sealed under any more (from first seen). */
  cameraCertDays: n(400, D.cameraCertDays, 'certificates only serve re-verifying stored clips'),
  /** Hold history of a clip that is gone (from its last place/lift). */
  holdEventMonths: n(24, D.holdEventMonths, 'hold history outlives the clip only as documentation'),
  /** Signed deletion receipts in receipts.db (from the deletion). */
  deletionReceiptMonths: n(24, D.deletionReceiptMonths, 'receipts name deleted clips'),
  /** Key-destruction receipts and the destroyed keys' public records (from the destruction). */
  keyDestructionMonths: n(60, D.keyDestructionMonths, 'no personal data, but no archive either'),
  /** The exports table: who exported which clips for which journal number or subject (from the export). */
  exportRecordMonths: n(60, D.exportRecordMonths, 'disclosure records name the subject'),
  /** An export package left in the exports directory (from the export; a completed download removes it at once). */
  exportPackageHours: n(168, D.exportPackageHours, 'a package is for collection, not storage'),
  /** A disabled account (from disabling); the access log keeps its entries for accessLogMonths. */
  disabledUserDays: n(365, D.disabledUserDays, 'an account nobody may use is not kept'),
}).strict();
export type Deadlines = z.infer<typeof DeadlinesSchema>;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Calendar months back from `now` (UTC), as the access-log purge counts them. */
export function monthsAgo(now: number, months: number): string {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.toISOString();
}
export const daysAgo = (now: number, days: number) => new Date(now - days * DAY_MS).toISOString();
export const hoursAgo = (now: number, hours: number) => new Date(now - hours * HOUR_MS).toISOString();
