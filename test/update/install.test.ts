// A/B install: inactive slot written and verified, one atomic switch onto a trial, markGood raises
// the floor (only ever up), downgrades below the floor refused, and the update lock while recording.
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readBootState, withGood } from '../../firmware/update/boot-state.js';
import { BundleError } from '../../shared/firmware-bundle/manifest.js';
import { Updater } from '../../firmware/update/install.js';
import { checkSlot } from '../../firmware/update/slots.js';
import { HW, keysOf, makeBundle, signer, tmpDir } from './fixtures.js';

const release = signer('release-main');

function updater(slotsDir: string, o: Partial<ConstructorParameters<typeof Updater>[0]> = {}) {
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const up = new Updater({ slotsDir, trust: { releaseKeys: keysOf(release) }, hardware: HW, log: (type, data) => events.push({ type, data }), pollMs: 20, ...o });
  return { up, events };
}

test('install writes the inactive slot, switches onto a trial, markGood raises the floor; downgrade refused', async (t) => {
  const dir = tmpDir(t);
  const slotsDir = path.join(dir, 'slots');
  const { up, events } = updater(slotsDir);
  const progress: number[] = [];
  const r1 = await up.install(makeBundle(dir, { version: '1.0.0', signer: release, extra: { 'lib.bin': Buffer.alloc(9 * 1024 * 1024, 3) } }), {
    by: 'tech-1', onProgress: (done, total) => progress.push(done / total),
  });
  t.deepEqual(r1, { version: '1.0.0', slot: 'b', switched: true });
  t.true(progress.length >= 3 && progress.at(-1) === 1, `progress ${progress}`);
  let s = readBootState(slotsDir);
  t.is(s.active, 'b');
  t.deepEqual(s.trial, { slot: 'b', bootCount: 0, fallback: null });
  t.true(checkSlot(path.join(slotsDir, 'b'), s.slots.b.manifestSha256).ok);
  t.like(up.status(), { active: 'b', version: '1.0.0', floor: '0.0.0', trial: true });

  await t.throwsAsync(up.install(makeBundle(dir, { version: '1.1.0', signer: release })), { instanceOf: BundleError, message: /busy: .*on trial/ });
  await up.markGood('b');
  t.like(up.status(), { active: 'b', version: '1.0.0', floor: '1.0.0', trial: false });

  const r2 = await up.install(makeBundle(dir, { version: '1.2.0', signer: release }));
  t.like(r2, { slot: 'a', switched: true });
  s = readBootState(slotsDir);
  t.deepEqual(s.trial, { slot: 'a', bootCount: 0, fallback: 'b' });
  t.is(s.floor, '1.0.0', 'the floor moves only when the trial is marked good');
  await up.markGood('a');
  t.is(up.status().floor, '1.2.0');

  // Below the floor (1.2.0) is refused even though slot b still holds 1.0.0.
  const err = await t.throwsAsync(up.install(makeBundle(dir, { version: '1.1.0', signer: release })), { instanceOf: BundleError });
  t.is((err as BundleError).code, 'below-floor');
  t.is(readBootState(slotsDir).slots.b.version, '1.0.0', 'the refused downgrade did not touch slot b');
  t.deepEqual(events.filter((e) => e.type === 'fw-install').map((e) => e.data.outcome),
    ['written', 'switched', 'refused', 'written', 'switched', 'refused']);
  t.is(events[0]!.data.by, 'tech-1');
  t.deepEqual(events.filter((e) => e.type === 'fw-good').map((e) => e.data.floor), ['1.0.0', '1.2.0']);
});

test('the floor follows semver precedence and never moves down', async (t) => {
  const dir = tmpDir(t);
  const slotsDir = path.join(dir, 'slots');
  const { up } = updater(slotsDir);
  await up.install(makeBundle(dir, { version: '2.0.0', signer: release }));
  await up.markGood('b');
  // A pre-release above the floor is still newer by semver precedence rules only if > 2.0.0.
  const err = await t.throwsAsync(up.install(makeBundle(dir, { version: '2.0.0-rc.1', signer: release })), { instanceOf: BundleError });
  t.is((err as BundleError).code, 'below-floor');
  await up.install(makeBundle(dir, { version: '2.0.1-rc.1', signer: release }));
  await up.markGood('a');
  t.is(up.status().floor, '2.0.1-rc.1');
  // withGood on a (hand-made) trial of an older version keeps the higher floor.
  const s = readBootState(slotsDir);
  const older = withGood({ ...s, trial: { slot: 'b', bootCount: 1, fallback: 'a' } }, 'b');
  t.is(older.slots.b.version, '2.0.0');
  t.is(older.floor, '2.0.1-rc.1');
});

test('an update arriving while recording is written, waits, and switches only once recording stops', async (t) => {
  const dir = tmpDir(t);
  const slotsDir = path.join(dir, 'slots');
  let busy: string | null = null;
  const { up, events } = updater(slotsDir, { isBusy: () => busy });
  await up.install(makeBundle(dir, { version: '1.0.0', signer: release }));
  await up.markGood('b');
  const before = readFileSync(path.join(slotsDir, 'boot-state.json'), 'utf8');

  busy = 'recording';
  const r = await up.install(makeBundle(dir, { version: '1.1.0', signer: release }), { wait: false });
  t.deepEqual(r, { version: '1.1.0', slot: 'a', switched: false, waitingFor: 'recording' });
  t.like(up.status(), { active: 'b', version: '1.0.0', pending: '1.1.0', waitingFor: 'recording' });
  await new Promise((res) => setTimeout(res, 200)); // many poll rounds while still recording
  t.is(readBootState(slotsDir).active, 'b', 'no switch while recording');
  t.false(readBootState(slotsDir).slots.a.bootable);
  t.not(readFileSync(path.join(slotsDir, 'boot-state.json'), 'utf8'), before, 'slot a was marked not bootable for the write');
  await t.throwsAsync(up.install(makeBundle(dir, { version: '1.2.0', signer: release })), { message: /busy: another install/ });

  busy = 'offload';
  await new Promise((res) => setTimeout(res, 100));
  t.is(up.status().waitingFor, 'offload');
  busy = null;
  const done = await up.whenSwitched();
  t.deepEqual(done, { version: '1.1.0', slot: 'a', switched: true });
  t.like(up.status(), { active: 'a', version: '1.1.0', trial: true });
  t.is(up.status().pending, undefined);
  t.deepEqual(events.filter((e) => e.type === 'fw-install').map((e) => [e.data.outcome, e.data.waitingFor]).slice(2),
    [['written', undefined], ['waiting', 'recording'], ['refused', undefined], ['switched', undefined]]);
});

test('install with the default wait resolves only after the busy reason clears', async (t) => {
  const dir = tmpDir(t);
  const slotsDir = path.join(dir, 'slots');
  let busy: string | null = 'recording';
  const { up } = updater(slotsDir, { isBusy: () => busy });
  let settled = false;
  const p = up.install(makeBundle(dir, { version: '1.0.0', signer: release })).then((r) => { settled = true; return r; });
  await new Promise((res) => setTimeout(res, 300));
  t.false(settled);
  t.is(readBootState(slotsDir).trial, null);
  busy = null;
  t.like(await p, { switched: true, slot: 'b' });
});
