// What the evidence office's access log must show: each step as (user, action, criterion fields),
// outcome ok. Checked against the stored entries, not against what the API answered.
import type { AccessEntry } from '../central-store/access-log.js';

export const USERS = { admin: 'office-admin', officer: 'evidence-officer-1', auditor: 'auditor-1' } as const;
export const HOLD = { reason: 'assault reported near the station', caseNumber: 'CASE-2026-0412' };
export const EXPORT = { journalNumber: 'POL-4100-80123-00042-26', recipient: 'Central Copenhagen Police, investigation unit' };

export interface Expected { user: string; action: string; criterion: Record<string, unknown> }

export function expectedLog(o: { deviceIds: string[]; clipId: string }): Expected[] {
  const { admin, officer, auditor } = USERS;
  return [
    { user: 'system', action: 'user-bootstrap', criterion: { username: admin, role: 'administrator' } },
    { user: admin, action: 'login', criterion: { username: admin } },
    { user: admin, action: 'user-create', criterion: { username: officer, role: 'evidence-officer' } },
    { user: admin, action: 'user-create', criterion: { username: auditor, role: 'auditor' } },
    { user: officer, action: 'login', criterion: { username: officer } },
    ...o.deviceIds.map((deviceId) => ({ user: officer, action: 'search', criterion: { deviceId } })),
    { user: officer, action: 'view', criterion: { clipId: o.clipId } },
    { user: officer, action: 'hold', criterion: { clipId: o.clipId, ...HOLD } },
    { user: officer, action: 'export', criterion: { clipIds: [o.clipId], ...EXPORT } },
    { user: admin, action: 'retention-run', criterion: {} },
    { user: auditor, action: 'login', criterion: { username: auditor } },
    { user: auditor, action: 'deletion-receipts', criterion: {} },
    { user: auditor, action: 'review', criterion: {} },
  ];
}

/** The expected steps with no matching 'ok' entry (every expected criterion field equal), as text. */
export function missingFromLog(entries: AccessEntry[], expected: Expected[]): string[] {
  const fits = (e: AccessEntry, x: Expected) => {
    if (e.user !== x.user || e.action !== x.action || e.outcome !== 'ok') return false;
    let c: unknown;
    try { c = JSON.parse(e.criterion); } catch { return false; }
    if (c === null || typeof c !== 'object') return false;
    return Object.entries(x.criterion).every(([k, v]) => JSON.stringify((c as Record<string, unknown>)[k]) === JSON.stringify(v));
  };
  return expected.filter((x) => !entries.some((e) => fits(e, x))).map((x) => `${x.user} ${x.action} ${JSON.stringify(x.criterion)}`);
}
