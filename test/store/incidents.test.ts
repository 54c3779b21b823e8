// The evidence officer sees what ingest refused (forged or conflicting uploads, revoked cameras, device-
// log gaps): through the operations layer, so the permission check and the access log apply.
import test from 'ava';
import { recordIncident } from '../../central-store/index/tables/ingest-incidents.js';
import { AccessLog } from '../../central-store/access-log.js';
import { Operations } from '../../central-store/operations.js';
import { Users } from '../../central-store/users.js';
import { FAST_SCRYPT, PW, ROLE_USERS, TestClock, tempDb } from './helpers.js';
import type { EvidenceApi } from '../../central-store/op-schemas.js';

test('incidents: listed for search roles, refused and logged for administrators and auditors, kind validated', async (t) => {
  const { db, ix } = await tempDb(t);
  const clock = new TestClock();
  const users = new Users(ix, { now: clock.now, scrypt: FAST_SCRYPT });
  const log = new AccessLog(ix, { now: clock.now });
  const ops = new Operations({ db, users, log, evidence: async () => ({}) as EvidenceApi, now: clock.now });
  await ops.bootstrapAdmin('root', PW);
  for (const [role, name] of Object.entries(ROLE_USERS)) if (name !== 'root') await ops.createUser('root', { username: name, role, password: PW });

  await ix.tx(async (u) => {
    await recordIncident(u, { kind: 'clip-refused', dockId: 'dock-1', clipId: 'c-1', reason: 'camera cam-lost revoked (serial 0a)' });
    await recordIncident(u, { kind: 'clip-refused', dockId: 'dock-1', clipId: 'c-1', reason: 'camera cam-lost revoked (serial 0a)' });
    await recordIncident(u, { kind: 'device-log-gap', dockId: 'dock-2', deviceId: 'cam-2', reason: 'entries 21..25 never arrived' });
  });

  const all = await ops.incidents(ROLE_USERS['evidence-officer']);
  t.deepEqual(all.map((i) => [i.kind, i.count]), [['clip-refused', 2], ['device-log-gap', 1]]);
  t.deepEqual((await ops.incidents(ROLE_USERS.viewer, { kind: 'device-log-gap' })).map((i) => i.device_id), ['cam-2']);
  await t.throwsAsync(ops.incidents(ROLE_USERS['evidence-officer'], { kind: 'nonsense' }), { message: /kind: one of upload-refused/ });
  await t.throwsAsync(ops.incidents(ROLE_USERS.auditor), { message: /incidents: refused \(role auditor lacks the search permission\)/ });
  await t.throwsAsync(ops.incidents('root'), { message: /refused/ });

  const entries = (await log.entries()).filter((e) => e.action === 'incidents');
  t.deepEqual(entries.map((e) => [e.user, e.outcome, e.criterion]), [
    [ROLE_USERS['evidence-officer'], 'ok', '{}'],
    [ROLE_USERS.viewer, 'ok', '{"kind":"device-log-gap"}'],
    [ROLE_USERS['evidence-officer'], 'error', '{"kind":"nonsense"}'],
    [ROLE_USERS.auditor, 'denied', '{}'],
    ['root', 'denied', '{}'],
  ]);
});
