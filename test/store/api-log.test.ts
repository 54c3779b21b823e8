// Over HTTP: login, lockout, sessions, errors with status codes, and the access log behind them.
import test from 'ava';
import { FakeEvidence } from './fake-evidence.js';
import { DAY, PW, startApi } from './helpers.js';
import { countSessions } from '../../central-store/index/tables/sessions.js';
import { editLogRow, failLogWrites } from '../helpers/tamper.js';

async function setup(t: Parameters<typeof startApi>[0]) {
  const ev = new FakeEvidence();
  ev.add('c1'); ev.add('c2', 'cam-2');
  return { ev, ...await startApi(t, ev) };
}

test('every operation by an evidence officer is logged with time, user, action and criterion', async (t) => {
  const s = await setup(t);
  const token = await s.login('owen');
  const start = (await s.log.entries()).length;
  const steps: [string, string, unknown, string, RegExp][] = [
    ['GET', '/clips?deviceId=cam-2&from=2026-01-01T00:00:00Z&onHold=false', undefined, 'search', /^\{"deviceId":"cam-2","from":"2026-01-01T00:00:00Z","onHold":"false"\}$/],
    ['GET', '/clips/c1', undefined, 'metadata', /^\{"clipId":"c1"\}$/],
    ['GET', '/clips/c1/video', undefined, 'view', /^\{"clipId":"c1"\}$/],
    ['POST', '/clips/c1/hold', { reason: 'complaint', caseNumber: 'K-9' }, 'hold', /"caseNumber":"K-9"/],
    ['DELETE', '/clips/c1', { reason: 'try' }, 'delete', /"clipId":"c1"/],
    ['DELETE', '/clips/c1/hold', { reason: 'closed' }, 'unhold', /"reason":"closed"/],
    ['POST', '/exports', { clipIds: ['c1', 'c2'], journalNumber: 'J-1', recipient: 'Police' }, 'export', /^\{"clipIds":\["c1","c2"\],"journalNumber":"J-1","recipient":"Police"\}$/],
    ['POST', '/dsar', { clipIds: ['c2'], subject: 'J. Doe' }, 'dsar', /"subject":"J. Doe"/],
    ['DELETE', '/clips/c1', { reason: 'done' }, 'delete', /"reason":"done"/],
  ];
  for (const [method, path, body, action, crit] of steps) {
    const before = (await s.log.entries()).length;
    const r = await s.call(method, path, { token, body });
    const added = await s.log.entries({ sinceSeq: before });
    t.true(added.length >= 1, `${action} logged`);
    const e = added[added.length - 1];
    t.is(e.user, 'owen'); t.is(e.action, action); t.regex(e.criterion, crit);
    t.is(e.at, new Date(s.clock.now()).toISOString());
    if (action === 'delete' && body && (body as { reason: string }).reason === 'try') {
      t.is(r.status, 409, r.text); t.is(r.json.error, 'on-hold'); t.is(e.outcome, 'error'); t.regex(e.reason!, /on hold/);
    } else t.true(r.status < 300, `${action}: ${r.status} ${r.text}`);
  }
  t.is((await s.log.entries()).length - start, steps.length + 1); // + the 'ok' written before the refused delete
  t.false(s.ev.clips.has('c1'));
  t.true((await s.log.verify()).ok);
});

test('view streams the plaintext; export shows the password once and records the journal number', async (t) => {
  const s = await setup(t);
  const token = await s.login('owen');
  const v = await s.call('GET', '/clips/c2/video', { token });
  t.is(v.text, 'video of c2');
  t.is(v.headers.get('content-type'), 'video/mp2t');
  const d = await s.call('GET', '/clips/c2/video?download=1', { token });
  t.regex(d.headers.get('content-disposition') ?? '', /attachment; filename="c2.ts"/);
  const ex = await s.call('POST', '/exports', { token, body: { clipIds: ['c2'], journalNumber: 'J-77', recipient: 'Police' } });
  t.is(ex.status, 201);
  t.true(ex.json.password.length >= 12);
  t.regex(ex.json.note, /shown only in this response/);
  const logged = (await s.log.entries()).filter((e) => e.action === 'export');
  t.false(logged.some((e) => e.criterion.includes(ex.json.password) || (e.reason ?? '').includes(ex.json.password)));
  t.regex(logged[0].criterion, /J-77/);
});

test('lockout over HTTP: 5 failures lock (answered 401 like any wrong password), right password → 423, still locked days later, logged; admin unlock', async (t) => {
  const s = await setup(t);
  for (let i = 1; i <= 4; i++) {
    t.is((await s.call('POST', '/login', { body: { username: 'vera', password: 'wrong-wrong-wrong' } })).status, 401);
    s.clock.advance(60_000); // past this source's throttle delay
  }
  const fifth = await s.call('POST', '/login', { body: { username: 'vera', password: 'wrong-wrong-wrong' } });
  t.is(fifth.status, 401); t.is(fifth.json.error, 'unauthenticated');
  t.truthy((await s.users.get('vera'))!.lockedAt);
  s.clock.advance(10 * DAY);
  t.is((await s.call('POST', '/login', { body: { username: 'vera', password: PW } })).status, 423);
  const fails = (await s.log.entries()).filter((e) => e.action === 'login-failure' && e.user === 'vera');
  t.is(fails.length, 6);
  t.true(fails.every((e) => e.outcome === 'denied' && e.criterion === '{"username":"vera"}'));
  const lock = (await s.log.entries()).filter((e) => e.action === 'lockout');
  t.is(lock.length, 1); t.regex(lock[0].criterion, /"username":"vera","failedLogins":5/);
  const admin = await s.login('root');
  const u = await s.call('POST', '/users/vera/unlock', { token: admin });
  t.is(u.status, 200); t.is(u.json.lockedAt, null);
  t.is((await s.call('POST', '/login', { body: { username: 'vera', password: PW } })).status, 200);
  t.is((await s.log.entries()).filter((e) => e.action === 'login' && e.user === 'vera').length, 1);
});

test('errors: 400 names the field, 401 without/expired session (logged), 404, 405', async (t) => {
  const s = await setup(t);
  const token = await s.login('owen');
  const cases: [string, string, unknown, number, RegExp][] = [
    ['GET', '/clips?from=yesterday', undefined, 400, /^from: an ISO 8601/],
    ['GET', '/clips?colour=red', undefined, 400, /colour/],
    ['GET', '/clips?limit=0', undefined, 400, /^limit:/],
    ['POST', '/clips/c1/hold', { reason: 'x' }, 400, /^caseNumber:/],
    ['POST', '/exports', { clipIds: [], journalNumber: 'J', recipient: 'P' }, 400, /^clipIds: at least one/],
    ['POST', '/exports', { clipIds: ['c1'], recipient: 'P' }, 400, /^journalNumber:/],
    ['DELETE', '/clips/c1', undefined, 400, /reason/],
    ['GET', '/clips/nope', undefined, 404, /not found/],
    ['GET', '/nothing', undefined, 404, /no route/],
    ['PATCH', '/clips', undefined, 405, /not allowed/],
  ];
  for (const [m, p, body, status, msg] of cases) {
    const r = await s.call(m, p, { token, body });
    t.is(r.status, status, `${m} ${p}: ${r.text}`);
    t.regex(r.json.message, msg, `${m} ${p}`);
  }
  const bad = await fetch(`${s.base}/clips/c1/hold`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{not json' });
  t.is(bad.status, 400); t.regex((await bad.json() as { message: string }).message, /^body: not valid JSON/);
  // Bad input reaching an operation is logged as an error with the reason.
  t.true((await s.log.entries()).some((e) => e.action === 'export' && e.outcome === 'error' && /journalNumber/.test(e.reason!)));
  t.false(s.ev.calls.includes('exportForPolice'));
  const none = await s.call('GET', '/clips');
  t.is(none.status, 401);
  s.clock.advance(31 * 60 * 1000);
  t.is((await s.call('GET', '/clips', { token })).status, 401, 'session expired');
  const refused = (await s.log.entries()).filter((e) => e.user === '-' && e.action === 'search');
  t.is(refused.length, 2); t.true(refused.every((e) => e.outcome === 'denied'));
});

test('if the access log cannot be written, the operation fails and nothing is handed out', async (t) => {
  const s = await setup(t);
  const token = await s.login('owen');
  failLogWrites(s.db);
  const r = await s.call('GET', '/clips', { token });
  t.is(r.status, 500); t.is(r.json.error, 'log-failed'); t.false(r.text.includes('cam-1'));
  const d = await s.call('DELETE', '/clips/c1', { token, body: { reason: 'x' } });
  t.is(d.status, 500);
  t.true(s.ev.clips.has('c1'), 'delete not carried out');
  const v = await s.call('GET', '/clips/c1/video', { token });
  t.is(v.status, 500); t.false(v.text.includes('video of'));
});

test('a tampered log fails verify over the API, naming the seq', async (t) => {
  const s = await setup(t);
  const token = await s.login('owen');
  for (let i = 0; i < 3; i++) await s.call('GET', '/clips', { token });
  const target = (await s.log.entries()).find((e) => e.action === 'search')!;
  editLogRow(s.db, target.seq, { user: 'vera' });
  const aud = await s.login('aud');
  const v = await s.call('GET', '/access-log/verify', { token: aud });
  t.is(v.status, 200);
  t.false(v.json.ok); t.is(v.json.badSeq, target.seq);
  const rev = await s.call('GET', '/review?format=text', { token: aud });
  t.regex(rev.text, /^owen\s+evidence-officer/m);
});

test('TLS: with a certificate configured the API speaks HTTPS only, verified against the CA', async (t) => {
  const { createCA, issueCertificate } = await import('../../shared/pki/ca.js');
  const { createApi } = await import('../../central-store/api.js');
  const https = await import('node:https');
  const s = await setup(t);
  const ca = createCA();
  const leaf = issueCertificate({ role: 'central', id: 'store-1', ca });
  const api = createApi({ ops: s.ops, exportsDir: s.dir, tls: { cert: leaf.certPem, key: leaf.keyPem }, log: (await import('../../shared/log.js')).createLogger('api', 'silent') });
  const port = await api.listen(0);
  t.teardown(() => api.close());
  const post = (body: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/login', method: 'POST', ca: ca.certPem, checkServerIdentity: () => undefined }, (res) => {
      let b = ''; res.on('data', (d) => { b += d; }); res.on('end', () => resolve({ status: res.statusCode!, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
  const r = await post(JSON.stringify({ username: 'owen', password: PW }));
  t.is(r.status, 200); t.regex(JSON.parse(r.body).token, /^[A-Za-z0-9_-]{40,}$/);
  await t.throwsAsync(fetch(`http://127.0.0.1:${port}/login`, { method: 'POST', body: '{}' }));
});

test('a video stream that breaks mid-way is cut off and logged as an error after the view entry', async (t) => {
  const { Readable } = await import('node:stream');
  const s = await setup(t);
  s.ev.openPlaintext = async () => Readable.from((async function* () {
    yield Buffer.from('first segment ');
    throw Object.assign(new Error('segment 2 does not verify'), { code: 'corrupt' });
  })());
  const token = await s.login('owen');
  const res = await fetch(`${s.base}/clips/c1/video`, { headers: { authorization: `Bearer ${token}` } });
  await t.throwsAsync(res.text());
  // The server notices the broken pipe after the client does: wait for its entry (bounded).
  for (let i = 0; i < 200 && (await s.log.entries()).filter((x) => x.action === 'view').length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  const e = (await s.log.entries()).filter((x) => x.action === 'view');
  t.deepEqual(e.map((x) => x.outcome), ['ok', 'error']);
  t.regex(e[1].reason!, /stream ended early: segment 2 does not verify/);
  t.true((await s.log.verify()).ok);
});

test('input the API cannot parse (bad JSON, bad URL escape) is refused 400 and logged; a role without the permission gets denied', async (t) => {
  const s = await setup(t);
  const owen = await s.login('owen');
  const raw = (method: string, p: string, token: string, body?: string) =>
    fetch(`${s.base}${p}`, { method, headers: { authorization: `Bearer ${token}` }, body });
  const bad = await raw('POST', '/exports', owen, '{"clipIds":["c1"],');
  t.is(bad.status, 400); t.regex((await bad.json() as { message: string }).message, /^body: not valid JSON/);
  const esc = await raw('GET', '/clips/%E0%A4%A', owen);
  t.is(esc.status, 400); t.regex((await esc.json() as { message: string }).message, /^path: .* not valid URL encoding/);
  const vera = await s.login('vera');
  t.is((await raw('POST', '/dsar', vera, '{nope')).status, 403);
  const e = (await s.log.entries()).filter((x) => ['export', 'metadata', 'dsar'].includes(x.action));
  t.deepEqual(e.map((x) => [x.user, x.action, x.outcome, x.criterion]), [
    ['owen', 'export', 'error', '{"path":"/exports"}'],
    ['owen', 'metadata', 'error', '{"path":"/clips/%E0%A4%A"}'],
    ['vera', 'dsar', 'denied', '{"path":"/dsar"}'],
  ]);
  t.regex(e[0].reason!, /body: not valid JSON/);
  t.deepEqual(s.ev.calls, [], 'nothing reached the evidence store');
  t.true((await s.log.verify()).ok);
});

test('a bearer session lives in the index: it works on a second API over the same index, and after the first closes; logout ends it on both', async (t) => {
  const s = await startApi(t, new FakeEvidence());
  const token = await s.login('root');
  const { createApi } = await import('../../central-store/api.js');
  const { createLogger } = await import('../../shared/log.js');
  const other = createApi({ ops: s.ops, exportsDir: s.dir, now: s.clock.now, log: createLogger('api', 'silent') });
  const base = `http://127.0.0.1:${await other.listen(0)}`;
  t.teardown(() => other.close());
  const users = (tok: string) => fetch(`${base}/users`, { headers: { authorization: `Bearer ${tok}` } });
  t.is((await users(token)).status, 200, 'the other node knows the session');
  await s.api.close();
  t.is((await users(token)).status, 200, 'and still after the first node stopped');
  t.is((await fetch(`${base}/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status, 204);
  t.is((await users(token)).status, 401);
  t.is(await s.ops.index.tx(async (u) => await countSessions(u, 'api') + await countSessions(u, 'office')), 0);
});
