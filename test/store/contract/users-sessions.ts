// Users and sessions table owners on every index backend: accounts and lockout counting with two
// nodes at once, and sessions that another node (or this one after a restart) finds. Registered by index-contract.ts.
import type { ExecutionContext, TestFn } from 'ava';
import { MIGRATIONS } from '../../../central-store/index/migrations.js';
import type { Index } from '../../../central-store/index/port.js';
import { Users } from '../../../central-store/users.js';
import { SessionBook } from '../../../central-store/web/sessions.js';

type Ready = (t: ExecutionContext) => Promise<Index>;
type Again = (t: ExecutionContext, ix: Index) => Promise<Index>;
const FAST = { N: 1 << 10, r: 8, p: 1 };
const PW = 'correct horse battery';

export function usersSessionsContract(test: TestFn, name: string, ready: Ready, again: Again): void {
  test(`${name}: users: create, roles, last administrator, lockout counted once per failure across two nodes`, async (t) => {
    const a = await ready(t);
    await a.migrate(MIGRATIONS);
    const b = await again(t, a);
    const ua = new Users(a, { scrypt: FAST, maxFailures: 6 }), ub = new Users(b, { scrypt: FAST, maxFailures: 6 });
    await ua.bootstrapAdmin('root', PW);
    await t.throwsAsync(ub.bootstrapAdmin('root2', PW), { message: /already exists/ });
    await ub.create('root', 'ann', 'viewer', PW);
    t.deepEqual((await ua.list()).map((u) => [u.username, u.role]), [['ann', 'viewer'], ['root', 'administrator']]);
    await t.throwsAsync(ua.setRole('root', 'root', 'viewer'), { message: /last active administrator/ });
    await t.throwsAsync(ub.disable('root', 'root'), { message: /last active administrator/ });
    // Six wrong passwords, three through each node at once: every one counts, the sixth locks.
    const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? ub : ua).login('ann', 'wrong password!')));
    t.deepEqual(rs.map((r) => !r.ok && r.failedLogins).sort(), [1, 2, 3, 4, 5, 6]);
    t.is(rs.filter((r) => !r.ok && r.lockedNow).length, 1);
    t.truthy((await ub.get('ann'))!.lockedAt);
    await ub.unlock('root', 'ann');
    t.true((await ua.login('ann', PW)).ok);
    await ua.disable('root', 'ann');
    t.deepEqual(await ub.removeDisabled('2999-01-01T00:00:00.000Z'), ['ann']);
    t.is(await ua.get('ann'), undefined);
  });

  test(`${name}: sessions: made on one node, found on another and after a restart; logout and expiry end them everywhere`, async (t) => {
    const a = await ready(t);
    await a.migrate(MIGRATIONS);
    const b = await again(t, a);
    let now = 1_000;
    const times = { idleMs: 10_000, absoluteMs: 60_000, maxSessions: 100 };
    const onA = new SessionBook(a, 'office', times, () => now), onB = new SessionBook(b, 'office', times, () => now);
    const s = await onA.create('owen');
    now += 5_000;
    const seen = await onB.get(s.token);
    t.deepEqual(seen, { username: 'owen', csrf: s.session.csrf, createdAt: 1_000, lastSeenAt: 6_000 });
    // A restart: a new book over the same index.
    now += 9_000;
    t.is(typeof await new SessionBook(a, 'office', times, () => now).get(s.token), 'object', 'B touched it, so it is not idle on A');
    const api = new SessionBook(b, 'api', { ...times, idleMs: Number.MAX_SAFE_INTEGER }, () => now);
    const token = (await api.create('vera')).token;
    t.is(await onA.get(token), 'none', 'an API token is no office session');
    t.is((await new SessionBook(a, 'api', { ...times, idleMs: Number.MAX_SAFE_INTEGER }, () => now).get(token) as { username: string }).username, 'vera');
    await onB.drop(s.token);
    t.is(await onA.get(s.token), 'none', 'logged out on B is logged out on A');
    now += 60_000;
    t.is(await api.get(token), 'expired');
    t.is(await api.size(), 0);
  });
}
