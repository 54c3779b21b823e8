// Every role × every operation over HTTP: what the role lacks is refused (403) without reaching the
// evidence store, and the refusal is in the access log; what it has succeeds and is logged 'ok'.
import test from 'ava';
import { ACTIONS, type Action } from '../../central-store/operations.js';
import { ROLES, can, type Role } from '../../central-store/users.js';
import { FakeEvidence } from './fake-evidence.js';
import { PW, ROLE_USERS, startApi } from './helpers.js';

const OPS: { action: Action; method: string; path: string; body?: unknown; crit: RegExp }[] = [
  { action: 'search', method: 'GET', path: '/clips?deviceId=cam-1', crit: /"deviceId":"cam-1"/ },
  { action: 'metadata', method: 'GET', path: '/clips/c1', crit: /"clipId":"c1"/ },
  { action: 'view', method: 'GET', path: '/clips/c1/video', crit: /"clipId":"c1"/ },
  { action: 'download', method: 'GET', path: '/clips/c1/video?download=1', crit: /"clipId":"c1"/ },
  { action: 'hold', method: 'POST', path: '/clips/c1/hold', body: { reason: 'assault report', caseNumber: 'K-17' }, crit: /"caseNumber":"K-17"/ },
  { action: 'marker-add', method: 'POST', path: '/clips/c1/markers', body: { offsetMs: 1500, note: 'door opens' }, crit: /"clipId":"c1","offsetMs":1500,"note":"door opens"/ },
  { action: 'category', method: 'POST', path: '/clips/c1/category', body: { purpose: 'police-report', reason: 'reported to police' }, crit: /"clipId":"c1","purpose":"police-report","reason":"reported to police"/ },
  { action: 'case-add', method: 'POST', path: '/clips/c3/cases', body: { caseNumber: 'K-9' }, crit: /"clipId":"c3","caseNumber":"K-9"/ },
  { action: 'case-remove', method: 'DELETE', path: '/clips/c3/cases', body: { caseNumber: 'K-9', reason: 'wrong case' }, crit: /"clipId":"c3","caseNumber":"K-9","reason":"wrong case"/ },
  { action: 'unhold', method: 'DELETE', path: '/clips/c2/hold', body: { reason: 'case closed' }, crit: /"clipId":"c2","reason":"case closed"/ },
  { action: 'delete', method: 'DELETE', path: '/clips/c3', body: { reason: 'recorded by mistake' }, crit: /"clipId":"c3"/ },
  { action: 'export', method: 'POST', path: '/exports', body: { clipIds: ['c1'], journalNumber: 'J-2026-5', recipient: 'Police North' }, crit: /"journalNumber":"J-2026-5"/ },
  { action: 'dsar', method: 'POST', path: '/dsar', body: { clipIds: ['c1'], subject: 'Jane Doe' }, crit: /"subject":"Jane Doe"/ },
  { action: 'redact-start', method: 'POST', path: '/redactions', body: { clipIds: ['c1'], subject: 'Jane Doe' }, crit: /"clipIds":\["c1"\],"subject":"Jane Doe"/ },
  { action: 'redact-show', method: 'GET', path: '/redactions/rd-000000000001', crit: /"caseId":"rd-000000000001"/ },
  { action: 'redact-edit', method: 'POST', path: '/redactions/rd-000000000001/edit', body: { clipId: 'c1', keep: ['t1'] }, crit: /"caseId":"rd-000000000001","clipId":"c1","keep":\["t1"\]/ },
  { action: 'redact-preview', method: 'GET', path: '/redactions/rd-000000000001/clips/c1/preview', crit: /"caseId":"rd-000000000001","clipId":"c1"/ },
  { action: 'redact-approve', method: 'POST', path: '/redactions/rd-000000000001/approve', crit: /"caseId":"rd-000000000001"/ },
  { action: 'redact-package', method: 'POST', path: '/redactions/rd-000000000001/package', crit: /"caseId":"rd-000000000001"/ },
  { action: 'export-download', method: 'GET', path: '/exports/1/package', crit: /"exportId":"1"/ },
  { action: 'deletion-receipts', method: 'GET', path: '/deletion-receipts?since=2026-01-01', crit: /"since":"2026-01-01"/ },
  { action: 'incidents', method: 'GET', path: '/incidents?kind=clip-conflict', crit: /"kind":"clip-conflict"/ },
  { action: 'review', method: 'GET', path: '/review', crit: /\{\}/ },
  { action: 'fleet', method: 'GET', path: '/fleet', crit: /^\{\}$/ },
  { action: 'log-read', method: 'GET', path: '/access-log?user=root&action=user-create', crit: /"user":"root","action":"user-create"/ },
  { action: 'log-verify', method: 'GET', path: '/access-log/verify', crit: /\{\}/ },
  { action: 'retention-run', method: 'POST', path: '/retention/run', crit: /\{\}/ },
  { action: 'records-purge', method: 'POST', path: '/records/purge', crit: /./ },
  { action: 'user-list', method: 'GET', path: '/users', crit: /\{\}/ },
  { action: 'user-create', method: 'POST', path: '/users', body: { username: 'newbie', role: 'viewer', password: PW }, crit: /^\{"username":"newbie","role":"viewer"\}$/ },
  { action: 'user-role', method: 'PUT', path: '/users/temp/role', body: { role: 'auditor', reason: 'moves to audit' }, crit: /"username":"temp","role":"auditor","reason":"moves to audit"/ },
  { action: 'user-unlock', method: 'POST', path: '/users/temp/unlock', crit: /"username":"temp"/ },
  { action: 'user-disable', method: 'POST', path: '/users/temp/disable', body: { reason: 'left' }, crit: /"username":"temp","reason":"left"/ },
  { action: 'user-enable', method: 'POST', path: '/users/temp/enable', body: { reason: 'back' }, crit: /"username":"temp","reason":"back"/ },
  { action: 'log-purge', method: 'POST', path: '/access-log/purge', crit: /./ },
  { action: 'case-hold', method: 'POST', path: '/cases/K-none/hold', body: { reason: 'case opened' }, crit: /^\{"caseNumber":"K-none","reason":"case opened"\}$/ },
  { action: 'case-unhold', method: 'DELETE', path: '/cases/K-none/hold', body: { reason: 'case closed' }, crit: /^\{"caseNumber":"K-none","reason":"case closed"\}$/ },
];

test('the table covers every operation', (t) => {
  t.deepEqual(OPS.map((o) => o.action).sort(), (Object.keys(ACTIONS) as Action[]).filter((a) => a !== 'user-bootstrap').sort());
});

for (const role of ROLES as readonly Role[]) {
  test(`${role}: refused every operation it lacks, each refusal logged; allowed ones succeed`, async (t) => {
    const ev = new FakeEvidence();
    for (const id of ['c1', 'c2', 'c3']) ev.add(id);
    await ev.placeHold('c2', { reason: 'r', caseNumber: 'K-1', by: 'x' });
    const s = await startApi(t, ev);
    await s.ops.createUser('root', { username: 'temp', role: 'viewer', password: PW });
    const user = ROLE_USERS[role];
    const token = await s.login(user);
    for (const op of OPS) {
      const allowed = can(role, ACTIONS[op.action]);
      const calls = ev.calls.length;
      const before = (await s.log.entries()).length;
      const r = await s.call(op.method, op.path, { token, body: op.body });
      const mine = (await s.log.entries({ sinceSeq: before })).filter((e) => e.user === user && e.action === op.action);
      if (allowed) {
        t.true(r.status >= 200 && r.status < 300, `${role} ${op.action}: ${r.status} ${r.text}`);
        t.true(mine.some((e) => e.outcome === 'ok'), `${role} ${op.action} logged ok`);
      } else {
        t.is(r.status, 403, `${role} ${op.action}: ${r.text}`);
        t.is(r.json.error, 'forbidden');
        t.is(ev.calls.length, calls, `${role} ${op.action} did not reach the evidence store`);
        t.is(mine.length, 1, `${role} ${op.action}: one log entry`);
        t.is(mine[0].outcome, 'denied');
        t.regex(mine[0].reason!, new RegExp(`role ${role} lacks the ${ACTIONS[op.action]} permission`));
      }
      for (const e of mine) {
        t.regex(e.at, /^\d{4}-\d\d-\d\dT/);
        t.regex(e.criterion, op.crit, `${role} ${op.action} criterion ${e.criterion}`);
      }
    }
    t.true((await s.log.verify()).ok);
  });
}
