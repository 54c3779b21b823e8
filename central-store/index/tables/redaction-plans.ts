// Owner of `redaction_plans`: one plan per clip of a redaction case (a data subject's access request).
// The plan is kept with the case as the record of what was disclosed and why; the rendered video is
// never kept. Rows are deleted (not hidden) after PLAN_RETENTION_DAYS.
import { randomBytes } from 'node:crypto';
import { checkPlan, planHash, type Plan } from '../../redaction/plan.js';
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

/** Plans document a disclosure like the access log documents access: kept as long (6 months). */
export const PLAN_RETENTION_DAYS = 183;

// PostgreSQL has no rowid: a `seq` column keeps the plans of a case in the order they were proposed.
const COLUMNS = `
  case_id TEXT NOT NULL,
  clip_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  plan_json TEXT NOT NULL,
  plan_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('proposed', 'approved')),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  approved_by TEXT,
  approved_at TEXT,
  delete_after TEXT NOT NULL,
  PRIMARY KEY (case_id, clip_id)
);
CREATE INDEX redaction_plans_delete_after ON redaction_plans(delete_after);`;

export const REDACTION_PLANS_MIGRATIONS: Migration[] = [
  { name: 'redaction-plans-1', sqlite: `
CREATE TABLE redaction_plans (${COLUMNS}`,
    pg: `
CREATE TABLE redaction_plans (
  seq BIGINT GENERATED ALWAYS AS IDENTITY,${COLUMNS}` },
];

export interface StoredPlan {
  caseId: string; clipId: string; subject: string; plan: Plan; planHash: string; state: 'proposed' | 'approved';
  createdBy: string; createdAt: string; updatedBy: string; updatedAt: string; approvedBy: string | null; approvedAt: string | null; deleteAfter: string;
}
interface Row {
  case_id: string; clip_id: string; subject: string; plan_json: string; plan_hash: string; state: 'proposed' | 'approved';
  created_by: string; created_at: string; updated_by: string; updated_at: string; approved_by: string | null; approved_at: string | null; delete_after: string;
}
const fromRow = (r: Row): StoredPlan => ({
  caseId: r.case_id, clipId: r.clip_id, subject: r.subject, plan: JSON.parse(r.plan_json) as Plan, planHash: r.plan_hash, state: r.state,
  createdBy: r.created_by, createdAt: r.created_at, updatedBy: r.updated_by, updatedAt: r.updated_at, approvedBy: r.approved_by, approvedAt: r.approved_at, deleteAfter: r.delete_after,
});

export const newCaseId = (): string => `rd-${randomBytes(6).toString('hex')}`;

export async function insertCase(u: Unit, caseId: string, subject: string, plans: Plan[], by: string, now: number): Promise<StoredPlan[]> {
  const at = new Date(now).toISOString();
  const del = new Date(now + PLAN_RETENTION_DAYS * 86_400_000).toISOString();
  for (const p of plans) {
    await u.run(`INSERT INTO redaction_plans (case_id, clip_id, subject, plan_json, plan_hash, state, created_by, created_at, updated_by, updated_at, delete_after)
      VALUES (?, ?, ?, ?, ?, 'proposed', ?, ?, ?, ?, ?)`, [caseId, p.clipId, subject, JSON.stringify(p), planHash(p), by, at, by, at, del]);
  }
  return getCase(u, caseId);
}

export async function getCase(u: Unit, caseId: string): Promise<StoredPlan[]> {
  return (await u.all<Row>(`SELECT * FROM redaction_plans WHERE case_id = ? ORDER BY ${u.dialect === 'pg' ? 'seq' : 'rowid'}`, [caseId])).map(fromRow);
}

/** Replace a proposed plan (checked again); refused once approved. */
export async function updatePlan(u: Unit, caseId: string, plan: Plan, by: string, now: number): Promise<StoredPlan> {
  const p = checkPlan(plan);
  const r = await u.run(`UPDATE redaction_plans SET plan_json = ?, plan_hash = ?, updated_by = ?, updated_at = ? WHERE case_id = ? AND clip_id = ? AND state = 'proposed'`,
    [JSON.stringify(p), planHash(p), by, new Date(now).toISOString(), caseId, p.clipId]);
  if (r.changes !== 1) throw Object.assign(new Error(`case ${caseId} clip ${p.clipId}: no proposed plan (approved plans are not changed)`), { code: 'conflict' });
  return (await getCase(u, caseId)).find((x) => x.clipId === p.clipId)!;
}

export async function approveCase(u: Unit, caseId: string, by: string, now: number): Promise<StoredPlan[]> {
  await u.run(`UPDATE redaction_plans SET state = 'approved', approved_by = ?, approved_at = ? WHERE case_id = ? AND state = 'proposed'`, [by, new Date(now).toISOString(), caseId]);
  return getCase(u, caseId);
}

/** Delete plans past their deadline; returns how many. */
export async function purgeExpiredPlans(u: Unit, now: number): Promise<number> {
  return (await u.run('DELETE FROM redaction_plans WHERE delete_after <= ?', [new Date(now).toISOString()])).changes;
}

/** The review's figures: plans, oldest by creation; past their own delete_after at `now`. */
export async function plansCensus(u: Unit, now: string): Promise<Census> {
  const c = await censusOf(u, 'redaction_plans', 'created_at', null);
  const late = await u.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM redaction_plans WHERE delete_after <= ?', [now]);
  return { ...c, overdue: Number(late!.n) };
}
