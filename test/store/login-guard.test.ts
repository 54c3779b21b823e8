// The login guard's logic on its own (a test clock, checks that finish when the test says): growing
// per-source delays before any check, bounded memory, per-source in-flight cap, bounded queue.
import test from 'ava';
import { LoginGuard, LoginRefused, sourceKey } from '../../central-store/login-guard.js';
import { TestClock } from './helpers.js';

const wrong = () => Promise.reject(new Error('wrong password'));
const isWrong = (e: unknown) => (e as Error).message === 'wrong password';
const refusal = async (p: Promise<unknown>) => { try { await p; } catch (e) { return e instanceof LoginRefused ? e : undefined; } return undefined; };

test('delays grow after the free failures, are capped, and are enforced before the password is checked', async (t) => {
  const clock = new TestClock();
  const g = new LoginGuard({ freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000 }, clock.now);
  t.deepEqual([1, 2, 3, 4, 5, 6, 7, 50].map((n) => g.delayFor(n)), [0, 0, 1000, 2000, 4000, 8000, 8000, 8000]);
  let checks = 0;
  const attempt = () => g.check('10.0.0.1', () => { checks++; return wrong(); }, isWrong);
  const delays: number[] = [];
  for (let i = 1; i <= 6; i++) {
    await t.throwsAsync(attempt(), { message: 'wrong password' });
    t.is(checks, i);
    if (i < 3) continue;
    const r = await refusal(attempt()); // at once again: refused without a check
    t.is(r?.code, 'throttled'); t.is(checks, i);
    delays.push(r!.retryAfterMs);
    clock.advance(r!.retryAfterMs);
  }
  t.deepEqual(delays, [1000, 2000, 4000, 8000]);
  // Another source is not affected; a right password clears the source.
  t.is(await g.check('10.0.0.2', async () => 'ok', isWrong), 'ok');
  clock.advance(8000);
  t.is(await g.check('10.0.0.1', async () => 'ok', isWrong), 'ok');
  t.is((await refusal(attempt())), undefined);
  t.is(g.stats.throttled, 4);
});

test('memory is bounded: a million-source spray keeps at most maxSources entries; idle sources are forgotten', async (t) => {
  const clock = new TestClock();
  const g = new LoginGuard({ maxSources: 100, forgetAfterMs: 60_000 }, clock.now);
  for (let i = 0; i < 5000; i++) await g.check(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, wrong, isWrong).catch(() => undefined);
  t.is(g.size, 100);
  clock.advance(61_000);
  await g.check('192.168.0.1', wrong, isWrong).catch(() => undefined);
  t.is(g.size, 1, 'the forgotten ones went first');
  // Successes and bad input leave nothing behind.
  await g.check('192.168.0.2', async () => 1, isWrong);
  await g.check('192.168.0.3', () => Promise.reject(new Error('bad input')), isWrong).catch(() => undefined);
  t.is(g.size, 1);
});

test('per-source in-flight cap and a bounded queue: excess is refused at once; a queued check runs when a slot frees', async (t) => {
  const g = new LoginGuard({ perSourceInFlight: 1, maxConcurrent: 1, maxQueued: 2, queueTimeoutMs: 60_000 });
  const gates: (() => void)[] = [];
  const held = () => new Promise<string>((resolve) => gates.push(() => resolve('done')));
  const first = g.check('a', held, isWrong);
  const sameSource = await refusal(g.check('a', held, isWrong));
  t.is(sameSource?.code, 'throttled');
  const q1 = g.check('b', held, isWrong);
  const q2 = g.check('c', held, isWrong);
  const over = await refusal(g.check('d', held, isWrong));
  t.is(over?.code, 'busy');
  t.is(gates.length, 1, 'only one check runs at a time');
  gates[0]();
  t.is(await first, 'done');
  await new Promise((r) => setImmediate(r));
  t.is(gates.length, 2); gates[1]();
  t.is(await q1, 'done');
  await new Promise((r) => setImmediate(r));
  gates[2]();
  t.is(await q2, 'done');
  t.deepEqual(g.stats, { checked: 3, throttled: 1, busy: 1 });
});

test('a queued check that waits too long is refused busy and never runs', async (t) => {
  const g = new LoginGuard({ maxConcurrent: 1, maxQueued: 4, queueTimeoutMs: 50 });
  let release!: () => void;
  const running = g.check('a', () => new Promise<void>((r) => { release = r; }), isWrong);
  let ran = false;
  const r = await refusal(g.check('b', async () => { ran = true; }, isWrong));
  t.is(r?.code, 'busy'); t.false(ran);
  release(); await running;
  await g.check('c', async () => undefined, isWrong);
  t.is(g.stats.checked, 2);
});

test('source keys: IPv4 and IPv4-mapped alike, IPv6 by /64; bad options refused', (t) => {
  t.is(sourceKey('::ffff:10.1.2.3'), '10.1.2.3');
  t.is(sourceKey('10.1.2.3'), '10.1.2.3');
  t.is(sourceKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  t.is(sourceKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  t.is(sourceKey('::1'), '0:0:0:0::/64');
  t.is(sourceKey('fe80::1'), 'fe80:0:0:0::/64');
  t.throws(() => new LoginGuard({ maxConcurrent: 0 }), { message: /maxConcurrent/ });
});

test('a full queue makes way for a clean source: the check of a source that keeps failing is dropped, not the newcomer', async (t) => {
  const clock = new TestClock();
  const g = new LoginGuard({ freeFailures: 10, maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 60_000 }, clock.now);
  await g.check('dirty', wrong, isWrong).catch(() => undefined); // one failure on record
  let release!: () => void;
  const running = g.check('x', () => new Promise<void>((r) => { release = r; }), isWrong);
  const order: string[] = [];
  const dirty = g.check('dirty', async () => { order.push('dirty'); }, isWrong);
  const clean = g.check('clean', async () => { order.push('clean'); }, isWrong);
  t.is((await refusal(dirty))?.code, 'busy');
  // Another dirty one cannot push the clean one out.
  t.is((await refusal(g.check('dirty', async () => { order.push('dirty'); }, isWrong)))?.code, 'busy');
  release(); await running; await clean;
  t.deepEqual(order, ['clean']);
});
