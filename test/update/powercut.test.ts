// Power cut (SIGKILL of a real install process) at each install step: the launcher then starts the old
// or the new version from a slot whose files verify, never a broken camera; an interrupted install
// can simply be repeated.
import test from 'ava';
import { fork } from 'node:child_process';
import { existsSync, readFileSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBootState, statePath } from '../../firmware/update/boot-state.js';
import { Updater } from '../../firmware/update/install.js';
import { checkSlot } from '../../firmware/update/slots.js';
import { HW, keysOf, makeBundle, readLines, runLauncher, signer, tmpDir } from './fixtures.js';

const release = signer('release-main');
const CHILD = fileURLToPath(new URL('./install-child.ts', import.meta.url));

function installInChild(env: Record<string, string>): Promise<{ at: string; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let at = '';
    child.on('message', (m: { at: string }) => {
      at = m.at;
      if (at !== 'done' && at !== 'error') child.kill('SIGKILL'); // the power cut
    });
    child.once('error', reject);
    child.once('exit', (_code, signal) => resolve({ at, signal }));
  });
}

const cases: { step: string; expect: 'old' | 'new'; tornTemp?: boolean }[] = [
  { step: 'verified', expect: 'old' },
  { step: 'slot-marked', expect: 'old' },
  { step: 'mid-file', expect: 'old' },
  { step: 'slot-written', expect: 'old' },
  { step: 'state-temp', expect: 'old' },
  { step: 'state-temp', expect: 'old', tornTemp: true },
  { step: 'switched', expect: 'new' },
  { step: 'none', expect: 'new' },
];

for (const c of cases) {
  test(`power cut at ${c.step}${c.tornTemp ? ' (torn temp file)' : ''}: boots the ${c.expect} version`, async (t) => {
    const dir = tmpDir(t, 'fwcut-');
    const slotsDir = path.join(dir, 'slots');
    const env = { MARKER: path.join(dir, 'marker.jsonl'), EVENTS: path.join(dir, 'events.jsonl'), FAKE_MODE: 'exit' };
    const up = new Updater({ slotsDir, trust: { releaseKeys: keysOf(release) }, hardware: HW });
    await up.install(makeBundle(dir, { version: '1.0.0', signer: release }));
    await up.markGood('b');
    const bundle = makeBundle(dir, { version: '2.0.0', signer: release, extra: { 'lib.bin': Buffer.alloc(9 * 1024 * 1024, 5) } });

    const cut = await installInChild({ SLOTS: slotsDir, KEYS: JSON.stringify(keysOf(release)), HW, BUNDLE: bundle, KILL_AT: c.step });
    t.is(cut.at, c.step === 'none' ? 'done' : c.step);
    if (c.step !== 'none') t.is(cut.signal, 'SIGKILL');
    if (c.step === 'mid-file') {
      const part = statSync(path.join(slotsDir, 'a', 'lib.bin')).size;
      t.true(part > 0 && part < 9 * 1024 * 1024, `cut inside the file (${part} bytes written)`);
      t.false(readBootState(slotsDir).slots.a.bootable);
    }
    if (c.tornTemp) {
      const tmp = `${statePath(slotsDir)}.tmp`;
      t.true(existsSync(tmp));
      truncateSync(tmp, Math.floor(readFileSync(tmp).length / 2));
    }

    const boot = await runLauncher(slotsDir, env);
    t.is(boot.code, 0, boot.stderr);
    const ran = readLines<{ version: string; slot: 'a' | 'b' }>(env.MARKER);
    t.deepEqual(ran.map((r) => r.version), [c.expect === 'old' ? '1.0.0' : '2.0.0']);
    const s = readBootState(slotsDir);
    t.is(s.active, ran[0]!.slot);
    t.true(checkSlot(path.join(slotsDir, s.active), s.slots[s.active].manifestSha256).ok, 'the slot that booted verifies');
    t.is(s.floor, '1.0.0');
    if (c.expect === 'new') {
      t.deepEqual(s.trial, { slot: 'a', bootCount: 1, fallback: 'b' });
      return;
    }
    t.is(s.trial, null);
    // The interrupted install is simply repeated.
    t.like(await up.install(bundle), { version: '2.0.0', slot: 'a', switched: true });
    t.is((await runLauncher(slotsDir, env)).code, 0);
    t.is(readLines<{ version: string }>(env.MARKER).at(-1)!.version, '2.0.0');
  });
}
