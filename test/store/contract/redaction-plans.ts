// redaction_plans table owner on every index backend: a case's plans in the order proposed, edits only
// while proposed, approval, and deletion at the deadline. Registered by index-contract.ts.
import type { ExecutionContext, TestFn } from 'ava';
import { MIGRATIONS } from '../../../central-store/index/migrations.js';
import type { Index } from '../../../central-store/index/port.js';
import { approveCase, getCase, insertCase, PLAN_RETENTION_DAYS, purgeExpiredPlans, updatePlan } from '../../../central-store/index/tables/redaction-plans.js';
import { checkPlan, planHash, type Plan } from '../../../central-store/redaction/plan.js';

const plan = (clipId: string): Plan => checkPlan({
  v: 1, clipId, sourceSha256: 'ab'.repeat(32), video: { width: 640, height: 360, fps: '25/1', frames: 50 },
  detector: { model: 'blazeface', every: 2, minScore: 0.3 }, track: { maxGapFrames: 12, holdFrames: 2, pad: 0, minIou: 0.15 },
  tracks: [{ id: 't1', keys: [[10, 100, 100, 50, 50, 90]] }], keep: [], boxes: [], mutes: [], muteAll: false, reason: '',
});

export function redactionPlansContract(test: TestFn, name: string, ready: (t: ExecutionContext) => Promise<Index>): void {
  test(`${name}: redaction_plans: a case in proposal order, edits while proposed, approval, deletion at the deadline`, async (t) => {
    const ix = await ready(t);
    await ix.migrate(MIGRATIONS);
    const now = Date.parse('2026-03-01T00:00:00Z');
    const ids = ['clip-z', 'clip-a', 'clip-m'];
    const stored = await ix.tx((u) => insertCase(u, 'rd-1', 'Jens Hansen', ids.map(plan), 'dpo', now));
    t.deepEqual(stored.map((p) => p.clipId), ids, 'in the order proposed, not by name');
    t.like(stored[0], { caseId: 'rd-1', subject: 'Jens Hansen', state: 'proposed', createdBy: 'dpo', approvedBy: null, planHash: planHash(plan('clip-z')),
      deleteAfter: new Date(now + PLAN_RETENTION_DAYS * 86_400_000).toISOString() });
    const edited = await ix.tx((u) => updatePlan(u, 'rd-1', { ...plan('clip-a'), keep: ['t1'], reason: 'the subject only' }, 'owen', now + 1000));
    t.like(edited, { clipId: 'clip-a', updatedBy: 'owen', state: 'proposed' });
    t.deepEqual(edited.plan.keep, ['t1']);
    const approved = await ix.tx((u) => approveCase(u, 'rd-1', 'owen', now + 2000));
    t.true(approved.every((p) => p.state === 'approved' && p.approvedBy === 'owen'));
    await t.throwsAsync(ix.tx((u) => updatePlan(u, 'rd-1', plan('clip-a'), 'owen', now + 3000)), { message: /no proposed plan/ });
    t.deepEqual(await ix.tx((u) => getCase(u, 'rd-2')), []);
    t.is(await ix.tx((u) => purgeExpiredPlans(u, now + (PLAN_RETENTION_DAYS - 1) * 86_400_000)), 0);
    t.is(await ix.tx((u) => purgeExpiredPlans(u, now + PLAN_RETENTION_DAYS * 86_400_000)), 3);
    t.deepEqual(await ix.tx((u) => getCase(u, 'rd-1')), []);
  });
}
