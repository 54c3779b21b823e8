import test from 'ava';
import { PERMISSIONS, ROLES, ROLE_PERMISSIONS, Users, can, checkPassword, hashPassword } from '../../central-store/users.js';
import { reviewReport, reviewText } from '../../central-store/review.js';
import { DAY, FAST_SCRYPT, TestClock, tempDb } from './helpers.js';

const PW = 'correct horse battery';

async function setup(t: Parameters<typeof tempDb>[0]) {
  const { db, ix } = await tempDb(t);
  const clock = new TestClock();
  const users = new Users(ix, { now: clock.now, scrypt: FAST_SCRYPT });
  await users.bootstrapAdmin('root', PW);
  await users.create('root', 'ann', 'viewer', PW);
  return { db, ix, clock, users };
}

test('scrypt hash: per-user salt, parameters stored, wrong password refused', async (t) => {
  const a = await hashPassword(PW, FAST_SCRYPT);
  const b = await hashPassword(PW, FAST_SCRYPT);
  t.not(a, b);
  t.regex(a, /^scrypt\$1024\$8\$1\$/);
  t.true(await checkPassword(PW, a));
  t.false(await checkPassword(`${PW}x`, a));
  t.false(await checkPassword(PW, 'plain'));
});

test('no default users; bootstrap creates the first administrator once', async (t) => {
  const { db, ix } = await tempDb(t);
  const users = new Users(ix, { scrypt: FAST_SCRYPT });
  t.deepEqual(await users.list(), []);
  await t.throwsAsync(users.bootstrapAdmin('root', 'short'), { message: /^password: at least 12/ });
  const admin = await users.bootstrapAdmin('root', PW);
  t.is(admin.role, 'administrator');
  t.is(admin.createdBy, 'bootstrap');
  await t.throwsAsync(users.bootstrapAdmin('root2', PW), { message: /already exists/ });
  await users.create('root', 'root2', 'administrator', PW); // a disabled admin still blocks a second bootstrap
  await users.disable('root2', 'root');
  await t.throwsAsync(users.bootstrapAdmin('root3', PW), { message: /already exists/ });
  t.deepEqual((await users.list()).map((u) => u.username), ['root', 'root2']);
});

test('5 failures lock the account; days later it is still locked, even with the right password; admin unlock works', async (t) => {
  const { clock, users } = await setup(t);
  for (let i = 1; i <= 4; i++) {
    const r = await users.login('ann', 'wrong password!');
    t.deepEqual(r, { ok: false, code: 'bad-credentials', proved: false, lockedNow: false, failedLogins: i });
  }
  const fifth = await users.login('ann', 'wrong password!');
  t.deepEqual(fifth, { ok: false, code: 'locked', proved: false, lockedNow: true, failedLogins: 5 });
  // Locked: a wrong password is not "proved"; the right one is (only then may the caller say "locked").
  t.deepEqual(await users.login('ann', 'wrong password!'), { ok: false, code: 'locked', proved: false, lockedNow: false, failedLogins: 5 });
  t.truthy((await users.get('ann'))!.lockedAt);
  for (const days of [1, 30, 400]) {
    clock.advance(days * DAY);
    const r = await users.login('ann', PW);
    t.false(r.ok, `still locked after +${days} days`);
    t.is(!r.ok && r.code, 'locked');
    t.true(!r.ok && r.proved);
  }
  await users.unlock('root', 'ann');
  const ok = await users.login('ann', PW);
  t.true(ok.ok);
  t.is((await users.get('ann'))!.failedLogins, 0);
  t.is((await users.get('ann'))!.changedBy, 'root');
});

test('a successful login resets the counter; the threshold is configurable', async (t) => {
  const { db, ix, users } = await setup(t);
  for (let i = 0; i < 4; i++) await users.login('ann', 'nope nope nope');
  t.true((await users.login('ann', PW)).ok);
  for (let i = 0; i < 4; i++) t.false((await users.login('ann', 'nope nope nope')).ok);
  t.is((await users.get('ann'))!.lockedAt, null);
  const strict = new Users(ix, { scrypt: FAST_SCRYPT, maxFailures: 2 });
  await strict.login('root', 'x'); const r = await strict.login('root', 'y');
  t.is(!r.ok && r.code, 'locked');
  t.throws(() => new Users(ix, { maxFailures: 0 }), { message: /maxFailures/ });
});

test('unknown user and disabled user are refused; the last active administrator cannot be removed', async (t) => {
  const { users } = await setup(t);
  const r = await users.login('nobody', PW);
  t.is(!r.ok && r.code, 'bad-credentials');
  await users.disable('root', 'ann');
  const d = await users.login('ann', PW);
  t.is(!d.ok && d.code, 'disabled'); t.true(!d.ok && d.proved);
  const dw = await users.login('ann', 'not her password');
  t.is(!dw.ok && dw.code, 'disabled'); t.false(!dw.ok && dw.proved);
  await t.throwsAsync(users.disable('root', 'root'), { message: /last active administrator/ });
  await t.throwsAsync(users.setRole('root', 'root', 'viewer'), { message: /last active administrator/ });
  await t.throwsAsync(users.setRole('root', 'ann', 'boss'), { message: /^role: one of/ });
  await t.throwsAsync(users.unlock('root', 'ghost'), { message: /does not exist/ });
  await t.throwsAsync(users.create('root', 'Bad Name', 'viewer', PW), { message: /^username:/ });
  await t.throwsAsync(users.create('root', 'ann', 'viewer', PW), { message: /already exists/ });
});

test('permission table: every role is listed, only known permissions, admins do not see footage', (t) => {
  t.deepEqual(Object.keys(ROLE_PERMISSIONS).sort(), [...ROLES].sort());
  for (const r of ROLES) for (const p of ROLE_PERMISSIONS[r]) t.true(PERMISSIONS.includes(p));
  t.false(can('administrator', 'view'));
  t.false(can('viewer', 'download'));
  t.true(can('evidence-officer', 'export'));
  t.deepEqual(ROLE_PERMISSIONS.auditor, ['audit']);
});

test('review report: rights, lock state, last login, unused for more than 6 months', async (t) => {
  const { clock, users } = await setup(t);
  await users.create('root', 'bob', 'evidence-officer', PW);
  t.true((await users.login('root', PW)).ok);
  clock.advance(100 * DAY);
  t.true((await users.login('bob', PW)).ok);
  for (let i = 0; i < 5; i++) await users.login('ann', 'bad password!');
  clock.advance(100 * DAY); // root: last login 200 days ago; ann: never, created 200 days ago; bob: 100 days
  const r = await reviewReport(users, clock.now());
  t.deepEqual(r.unused, ['ann', 'root']);
  const bob = r.users.find((u) => u.username === 'bob')!;
  t.deepEqual(bob.permissions, [...ROLE_PERMISSIONS['evidence-officer']]);
  t.false(bob.unused);
  t.true(r.users.find((u) => u.username === 'ann')!.locked);
  const text = reviewText(r);
  t.regex(text, /^ann\s+viewer\s+search,view\s+LOCKED\s+never/m);
  t.regex(text, /review or disable\): ann, root/);
});
