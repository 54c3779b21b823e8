// Each record kind's count, oldest record, deadline and how many are past it, for the store review
// (`bodycam store review`, GET /review): the DPO's view of docs/data-inventory.md on a running store.
// Read-only. Each index table is counted by its owner module, all in one unit (one consistent view, on
// sqlite or PostgreSQL). The receipts are in the PostgreSQL index, or on sqlite in receipts.db, opened
// read-only beside the index (no master key needed).
import { existsSync } from 'node:fs';
import type { StoreConfig } from './config.js';
import { daysAgo, hoursAgo, monthsAgo } from './deadlines.js';
import { receiptsCensus } from './deletion-receipts.js';
import { SqliteIndex } from './index/sqlite.js';
import type { Index } from './index/port.js';
import { cameraCertsCensus } from './index/tables/camera-certs.js';
import { clipsCensus } from './index/tables/clips.js';
import { deviceLogCensus } from './index/tables/device-log.js';
import { exportsCensus, livePackagesCensus } from './index/tables/exports.js';
import { holdEventsCensus, holdsCensus } from './index/tables/holds.js';
import { incidentsCensus } from './index/tables/ingest-incidents.js';
import { pendingCensus } from './index/tables/pending-deletions.js';
import { wipeCertsCensus } from './index/tables/wipe-certificates.js';
import { accessLogCensus } from './index/tables/access-log.js';
import { destroyedKeysCensus } from './index/tables/evidence-keys.js';
import { plansCensus } from './index/tables/redaction-plans.js';
import { disabledUsersCensus } from './index/tables/users.js';
import { parseRetention } from './retention.js';
import { PLAN_RETENTION_DAYS } from './index/tables/redaction-plans.js';

export interface RecordKind { kind: string; place: string; count: number; oldest: string | null; deadline: string; overdue: number }

type Cfg = Pick<StoreConfig, 'retention' | 'deadlines' | 'accessLogMonths'>;

export async function recordCensus(index: Index, receiptsPath: string, cfg: Cfg, now: number): Promise<RecordKind[]> {
  const d = cfg.deadlines;
  const ret = parseRetention(cfg.retention);
  const longest = Math.max(ret.defaultDays, ...Object.values(ret.perPurpose));
  const out: RecordKind[] = [];
  const add = (kind: string, place: string, deadline: string, c: { count: number; oldest: string | null; overdue: number }) => out.push({ kind, place, deadline, ...c });
  // One unit: the owners' figures are one consistent view.
  await index.tx(async (u) => {
    add('clips', 'central.db#clips', `retention ${ret.defaultDays} days${Object.keys(ret.perPurpose).length ? ` (per purpose up to ${longest})` : ''} from the recording; not while held`,
      await clipsCensus(u, daysAgo(now, longest)));
    add('deletions in progress', 'central.db#pending_deletions', 'the next retention run', await pendingCensus(u));
    add('evidence holds', 'central.db#holds', 'until lifted', await holdsCensus(u));
    add('hold history', 'central.db#hold_events', `${d.holdEventMonths} months after the clip is gone`, await holdEventsCensus(u, monthsAgo(now, d.holdEventMonths)));
    add('device-log entries', 'central.db#device_log_entries', `${d.deviceLogDays} days from receipt`, await deviceLogCensus(u, daysAgo(now, d.deviceLogDays)));
    add('wipe certificates', 'central.db#wipe_certificates', `${d.wipeCertificateDays} days from receipt; not while held`, await wipeCertsCensus(u, daysAgo(now, d.wipeCertificateDays)));
    add('ingest incidents', 'central.db#ingest_incidents', `${d.ingestIncidentDays} days from the last occurrence`, await incidentsCensus(u, daysAgo(now, d.ingestIncidentDays)));
    add('camera certificates', 'central.db#camera_certs', `${d.cameraCertDays} days once no stored clip needs it`, await cameraCertsCensus(u, daysAgo(now, d.cameraCertDays)));
    add('export records', 'central.db#exports', `${d.exportRecordMonths} months`, await exportsCensus(u, monthsAgo(now, d.exportRecordMonths)));
    add('export packages on the server', 'exports/*', `one download, at most ${d.exportPackageHours} hours`, await livePackagesCensus(u, hoursAgo(now, d.exportPackageHours)));
    add('disabled accounts', 'central.db#users', `${d.disabledUserDays} days after disabling`, await disabledUsersCensus(u, daysAgo(now, d.disabledUserDays)));
    add('redaction plans', 'central.db#redaction_plans', `${PLAN_RETENTION_DAYS} days (delete_after)`, await plansCensus(u, new Date(now).toISOString()));
    add('access-log entries', 'central.db#access_log', `${cfg.accessLogMonths} months`, await accessLogCensus(u, monthsAgo(now, cfg.accessLogMonths)));
    add('destroyed key records', 'central.db#evidence_keys', `${d.keyDestructionMonths} months after destruction`, await destroyedKeysCensus(u, monthsAgo(now, d.keyDestructionMonths)));
  });
  // `receiptsPath` (sqlite's receipts.db) is not there before the first deletion store opened: nothing to count.
  const rx = index.dialect === 'pg' ? index : existsSync(receiptsPath) ? SqliteIndex.openReadOnly(receiptsPath) : null;
  const none = { count: 0, oldest: null, overdue: 0 };
  try {
    const r = rx ? await receiptsCensus(rx, { deletionsBefore: monthsAgo(now, d.deletionReceiptMonths), keyDestructionsBefore: monthsAgo(now, d.keyDestructionMonths) }) : null;
    const place = index.dialect === 'pg' ? 'index' : 'receipts.db';
    add('deletion receipts', `${place}#deletion_receipts`, `${d.deletionReceiptMonths} months from the deletion`, r?.deletionReceipts ?? none);
    add('key-destruction receipts', `${place}#key_destructions`, `${d.keyDestructionMonths} months`, r?.keyDestructions ?? none);
  } finally { if (rx && rx !== index) await rx.close(); }
  return out;
}

export function censusText(rows: RecordKind[]): string {
  const head = ['record', 'count', 'oldest', 'past deadline', 'deadline'];
  const body = rows.map((r) => [r.kind, String(r.count), r.oldest ?? '-', String(r.overdue), r.deadline]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const late = rows.filter((r) => r.overdue > 0);
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '',
    late.length ? `Past their deadline (the next job run deletes them; if they stay, the job is failing): ${late.map((r) => `${r.kind} ${r.overdue}`).join(', ')}` : 'Nothing past its deadline.', ''].join('\n');
}
