// The redaction_plans table (its only owner): one plan per clip of a redaction case (a data subject's
// access request). The plan is kept with the case as the record of what was disclosed and why; the
// rendered video is never kept. Rows are deleted (not hidden) after PLAN_RETENTION_DAYS.
import { randomBytes } from 'node:crypto';
import { migrate, type Db } from '../db.js';
import { checkPlan, planHash, type Plan } from './plan.js';

/** Plans document a disclosure like the access log documents access: kept as long (6 months). */
export const PLAN_RETENTION_DAYS = 183;

const MIGRATION = `
CREATE TABLE redaction_plans (
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

export function migratePlans(db: Db): void { migrate(db, 'redaction-plans-1', MIGRATION); }

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

export function insertCase(db: Db, caseId: string, subject: string, plans: Plan[], by: string, now: number): StoredPlan[] {
  const at = new Date(now).toISOString();
  const del = new Date(now + PLAN_RETENTION_DAYS * 86_400_000).toISOString();
  const ins = db.prepare(`INSERT INTO redaction_plans (case_id, clip_id, subject, plan_json, plan_hash, state, created_by, created_at, updated_by, updated_at, delete_after)
    VALUES (?, ?, ?, ?, ?, 'proposed', ?, ?, ?, ?, ?)`);
  db.transaction(() => { for (const p of plans) ins.run(caseId, p.clipId, subject, JSON.stringify(p), planHash(p), by, at, by, at, del); })();
  return getCase(db, caseId);
}

export function getCase(db: Db, caseId: string): StoredPlan[] {
  return (db.prepare('SELECT * FROM redaction_plans WHERE case_id = ? ORDER BY rowid').all(caseId) as Row[]).map(fromRow);
}

/** Replace a proposed plan (checked again); refused once approved. */
export function updatePlan(db: Db, caseId: string, plan: Plan, by: string, now: number): StoredPlan {
  const p = checkPlan(plan);
  const r = db.prepare(`UPDATE redaction_plans SET plan_json = ?, plan_hash = ?, updated_by = ?, updated_at = ? WHERE case_id = ? AND clip_id = ? AND state = 'proposed'`)
    .run(JSON.stringify(p), planHash(p), by, new Date(now).toISOString(), caseId, p.clipId);
  if (r.changes !== 1) throw Object.assign(new Error(`case ${caseId} clip ${p.clipId}: no proposed plan (approved plans are not changed)`), { code: 'conflict' });
  return getCase(db, caseId).find((x) => x.clipId === p.clipId)!;
}

export function approveCase(db: Db, caseId: string, by: string, now: number): StoredPlan[] {
  const at = new Date(now).toISOString();
  db.prepare(`UPDATE redaction_plans SET state = 'approved', approved_by = ?, approved_at = ? WHERE case_id = ? AND state = 'proposed'`).run(by, at, caseId);
  return getCase(db, caseId);
}

/** Delete plans past their deadline; returns how many. */
export function purgeExpiredPlans(db: Db, now: number): number {
  return db.prepare('DELETE FROM redaction_plans WHERE delete_after <= ?').run(new Date(now).toISOString()).changes;
}
