// The launcher as a real process: trial boot counting, automatic rollback of a version that fails
// its health checks, rollback reported once, a slot whose files do not verify skipped, signals passed.
import test from 'ava';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readBootState } from '../../firmware/update/boot-state.js';
import { Updater } from '../../firmware/update/install.js';
import { HW, keysOf, makeBundle, readLines, runLauncher, signer, tmpDir } from './fixtures.js';

const release = signer('release-main');

function setup(t: import('ava').ExecutionContext) {
  const dir = tmpDir(t, 'fwlaunch-');
  const slotsDir = path.join(dir, 'slots');
  const env = { MARKER: path.join(dir, 'marker.jsonl'), EVENTS: path.join(dir, 'events.jsonl'), FAKE_MODE: 'trial' };
  const up = new Updater({ slotsDir, trust: { releaseKeys: keysOf(release) }, hardware: HW });
  return { dir, slotsDir, env, up };
}
type Ran = { version: string; slot: string; pid: number };

test('a version that fails its health check rolls back to the good one after N boots, reported once', async (t) => {
  const { dir, slotsDir, env, up } = setup(t);
  await up.install(makeBundle(dir, { version: '1.0.0', signer: release }));
  t.is((await runLauncher(slotsDir, env)).code, 0);
  t.like(readBootState(slotsDir), { active: 'b', trial: null, floor: '1.0.0' });
  t.like(readLines(env.EVENTS).map((e) => e.type), ['fw-health', 'fw-good']);

  await up.install(makeBundle(dir, { version: '2.0.0-broken', signer: release }));
  const codes: (number | null)[] = [];
  for (let boot = 0; boot < 6; boot++) {
    const r = await runLauncher(slotsDir, env); // systemd's Restart=always
    codes.push(r.code);
    if (r.code === 0) break;
  }
  t.deepEqual(codes, [70, 70, 70, 0], 'three failed trial boots, then the old slot');
  t.deepEqual(readLines<Ran>(env.MARKER).map((m) => `${m.version}@${m.slot}`), ['1.0.0@b', '2.0.0-broken@a', '2.0.0-broken@a', '2.0.0-broken@a', '1.0.0@b']);
  const s = readBootState(slotsDir);
  t.is(s.active, 'b');
  t.false(s.slots.a.bootable);
  t.is(s.floor, '1.0.0', 'the failed version never raised the floor');
  t.like(s.lastRollback, { fromSlot: 'a', fromVersion: '2.0.0-broken', toSlot: 'b', toVersion: '1.0.0', reason: 'boot-limit', bootCount: 3, reported: true });
  const events = readLines<{ type: string; data: Record<string, unknown> }>(env.EVENTS);
  const health = events.filter((e) => e.type === 'fw-health' && e.data.version === '2.0.0-broken');
  t.is(health.length, 3);
  const checks = health[0]!.data.checks as { name: string; ok: boolean }[];
  t.deepEqual(checks.filter((c) => !c.ok).map((c) => c.name), ['camera'], 'only the camera check fails');
  t.is(events.filter((e) => e.type === 'fw-rollback').length, 1);

  await runLauncher(slotsDir, env);
  t.is(readLines(env.EVENTS).filter((e) => e.type === 'fw-rollback').length, 1, 'the rollback is reported once');
  // The camera can be updated again afterwards, into the slot the failed version occupied.
  t.like(await up.install(makeBundle(dir, { version: '2.0.1', signer: release })), { slot: 'a', switched: true });
});

test('a slot whose files do not verify is not started: the other slot boots and the rollback is recorded', async (t) => {
  const { dir, slotsDir, env, up } = setup(t);
  await up.install(makeBundle(dir, { version: '1.0.0', signer: release }));
  await up.markGood('b');
  await up.install(makeBundle(dir, { version: '1.1.0', signer: release }));
  await up.markGood('a');
  const fw = path.join(slotsDir, 'a', 'firmware.js');
  writeFileSync(fw, readFileSync(fw, 'utf8').replace('1.1.0', '6.6.6'));
  const r = await runLauncher(slotsDir, { ...env, FAKE_MODE: 'exit' });
  t.is(r.code, 0);
  t.regex(r.stderr, /slot a does not verify \(firmware\.js: SHA-256 differs/);
  t.deepEqual(readLines<Ran>(env.MARKER).map((m) => m.version), ['1.0.0']);
  t.like(readBootState(slotsDir).lastRollback, { fromSlot: 'a', toSlot: 'b', reason: 'slot-corrupt: firmware.js: SHA-256 differs from the manifest' });

  // With both slots broken there is nothing to start: the launcher says so and exits non-zero.
  writeFileSync(path.join(slotsDir, 'b', 'firmware.js'), 'process.exit(0)\n');
  const none = await runLauncher(slotsDir, env);
  t.is(none.code, 1);
  t.regex(none.stderr, /no bootable slot/);
  t.is(readLines(env.MARKER).length, 1);
});

test('the launcher passes SIGTERM to the firmware and exits with its status', async (t) => {
  const { dir, slotsDir, env, up } = setup(t);
  await up.install(makeBundle(dir, { version: '1.0.0', signer: release }));
  await up.markGood('b');
  let launcherPid = 0;
  const done = runLauncher(slotsDir, { ...env, FAKE_MODE: 'hang' }, (c) => (launcherPid = c.pid!));
  let ran: Ran[] = [];
  while (ran.length === 0) {
    await new Promise((r) => setTimeout(r, 50));
    ran = readLines<Ran>(env.MARKER);
  }
  process.kill(launcherPid, 'SIGTERM');
  const r = await done;
  t.is(r.code, 143, 'killed by SIGTERM: 128 + 15');
  t.throws(() => process.kill(ran[0]!.pid, 0), { code: 'ESRCH' }, 'the firmware process is gone');
  t.is(readBootState(slotsDir).trial, null, 'a good slot is not on trial: no boot counting');
});
