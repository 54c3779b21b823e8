// `bodycam store` end to end as separate processes: bootstrap, users, lockout, review, log verify.
import test from 'ava';
import { AccessLog } from '../../central-store/access-log.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { openCentralDb } from '../../central-store/db.js';
import { bodycam } from './cli-helpers.js';
import { PW, tempDb } from './helpers.js';
import { editLogRow } from '../helpers/tamper.js';

test('bootstrap once, users, lockout until unlocked, review, log verify; usage errors exit 2', async (t) => {
  const { dir } = await tempDb(t);
  const data = `${dir}/data`;
  const as = (user: string, args: string[], o: { pw?: string; stdin?: string; env?: Record<string, string> } = {}) =>
    bodycam([...args, '--dir', data, '--user', user], { env: { BODYCAM_PASSWORD: o.pw ?? PW, ...o.env }, stdin: o.stdin });

  const help = await bodycam(['--help']);
  t.is(help.code, 0); t.regex(help.stdout, /bootstrap-admin NAME/);
  const u = await bodycam(['frobnicate', '--dir', data]);
  t.is(u.code, 2); t.regex(u.stderr, /unknown command "frobnicate"/); t.regex(u.stderr, /usage: bodycam store/);
  t.is((await bodycam(['search', '--dir', data, '--bogus'])).code, 2);

  // No users yet: nobody can log in; bootstrap takes the password from stdin.
  const none = await as('root', ['user', 'list']);
  t.is(none.code, 1); t.regex(none.stderr, /wrong username or password/);
  const b = await bodycam(['bootstrap-admin', 'root', '--dir', data], { stdin: `${PW}\n` });
  t.is(b.code, 0, b.stderr); t.deepEqual(b.json, { created: 'root', role: 'administrator' });
  const again = await bodycam(['bootstrap-admin', 'root2', '--dir', data], { stdin: `${PW}\n` });
  t.is(again.code, 1); t.regex(again.stderr, /an administrator already exists/);

  // user add: acting password on stdin line 1, the new user's on line 2.
  const add = await bodycam(['user', 'add', 'vera', '--role', 'viewer', '--dir', data, '--user', 'root'], { stdin: `${PW}\n${PW}-vera\n` });
  t.is(add.code, 0, add.stderr); t.is(add.json.role, 'viewer');
  const short = await as('root', ['user', 'add', 'sam', '--role', 'viewer'], { env: { BODYCAM_NEW_PASSWORD: 'short' } });
  t.is(short.code, 1); t.regex(short.stderr, /^bodycam store: password: at least 12/m);

  // A viewer may not administer users: refused, exit 1, logged.
  const denied = await as('vera', ['user', 'list'], { pw: `${PW}-vera` });
  t.is(denied.code, 1); t.regex(denied.stderr, /role viewer lacks the admin permission/);

  // Five wrong passwords lock vera; the right one then fails too; root unlocks.
  // Five processes at once: the counter is updated atomically, so all five count.
  const tries = await Promise.all([1, 2, 3, 4, 5].map(() => as('vera', ['search'], { pw: 'wrong password!!' })));
  t.deepEqual(tries.map((r) => r.code), [1, 1, 1, 1, 1]);
  const locked = await as('vera', ['search'], { pw: `${PW}-vera` });
  t.is(locked.code, 1); t.regex(locked.stderr, /account locked/);
  t.is((await as('root', ['user', 'unlock', 'vera'])).code, 0);
  // A change of rights needs a reason: without one a usage error (exit 2), with one logged.
  t.is((await as('root', ['user', 'role', 'vera', 'evidence-officer'])).code, 2);
  const role = await as('root', ['user', 'role', 'vera', 'evidence-officer', '--reason', 'case desk']);
  t.is(role.code, 0, role.stderr); t.is(role.json.role, 'evidence-officer');
  t.is((await as('root', ['user', 'role', 'vera', 'viewer', '--reason', 'back to viewing'])).code, 0);
  t.is((await as('root', ['user', 'disable', 'vera'])).code, 2);
  t.is((await as('root', ['user', 'disable', 'vera', '--reason', 'on leave'])).code, 0);
  t.is((await as('vera', ['search'], { pw: `${PW}-vera` })).code, 1);
  t.is((await as('root', ['user', 'enable', 'vera', '--reason', 'back'])).code, 0);
  const rev = await as('root', ['review']);
  t.is(rev.code, 0); t.regex(rev.stdout, /^vera\s+viewer\s+search,view\s+active/m);

  const v = await as('root', ['log', 'verify']);
  t.is(v.code, 0, v.stderr); t.true(v.json.ok);
  const db = openCentralDb(`${data}/central.db`);
  const entries = await new AccessLog(SqliteIndex.for(db)).entries();
  const actions = entries.map((e) => `${e.user}:${e.action}:${e.outcome}`);
  t.true(entries.some((e) => e.action === 'user-role' && e.criterion === '{"username":"vera","role":"evidence-officer","reason":"case desk"}'));
  t.true(entries.some((e) => e.action === 'user-disable' && e.criterion === '{"username":"vera","reason":"on leave"}'));
  t.true(entries.some((e) => e.action === 'user-enable' && e.criterion === '{"username":"vera","reason":"back"}'));
  for (const want of ['system:user-bootstrap:ok', 'system:user-bootstrap:error', 'root:user-create:ok', 'vera:user-list:denied', 'vera:login-failure:denied', 'system:lockout:ok', 'root:user-unlock:ok', 'root:review:ok', 'root:log-verify:ok']) {
    t.true(actions.includes(want), want);
  }
  t.false(entries.some((e) => e.criterion.includes(PW)), 'no password in the log');
  // Tamper with one row: verify exits 1 naming the seq.
  const target = entries.find((e) => e.action === 'user-unlock')!;
  editLogRow(db, target.seq, { criterion: '{"username":"root"}' });
  db.close();
  const bad = await as('root', ['log', 'verify']);
  t.is(bad.code, 1); t.regex(bad.stderr, new RegExp(`chain broken at seq ${target.seq}`));
});
