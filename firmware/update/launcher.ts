// The launcher systemd starts (Restart=always): pick the slot from the boot state, count a trial boot
// BEFORE starting it, roll back when the trial has used up its boots or its files do not verify, then
// run `node <slot>/firmware.js <args>` and exit with the child's code.
// Usage: launcher --slots DIR [--] [firmware args...]   (or BODYCAM_SLOTS_DIR)
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { other, readBootState, withRollback, writeBootState, type BootState, type Slot } from './boot-state.js';
import { checkSlot } from './slots.js';
import { FIRMWARE_NODE_FLAGS } from '../node-flags.js';

export interface Choice {
  slot: Slot;
  version: string;
  state: BootState;
  /** What the launcher did on the way (rollback reasons, skipped slots), for its own stderr. */
  notes: string[];
}

const bootable = (s: BootState, slotsDir: string, slot: Slot) => s.slots[slot].bootable && checkSlot(join(slotsDir, slot), s.slots[slot].manifestSha256).ok;

export async function chooseSlot(slotsDir: string, now: () => Date = () => new Date()): Promise<Choice> {
  let s = readBootState(slotsDir);
  const notes: string[] = [];
  if (s.trial && s.trial.bootCount >= s.bootLimit && s.trial.fallback && bootable(s, slotsDir, s.trial.fallback)) {
    notes.push(`trial of ${s.slots[s.trial.slot].version} started ${s.trial.bootCount} times without being marked good: rolling back`);
    s = await writeBootState(slotsDir, withRollback(s, 'boot-limit', now().toISOString()));
  }
  const active = s.active;
  const check = s.slots[active].bootable ? checkSlot(join(slotsDir, active), s.slots[active].manifestSha256) : { ok: false as const, reason: 'marked not bootable' };
  if (!check.ok) {
    const alt = s.trial?.slot === active ? s.trial.fallback : other(active);
    if (!alt || !bootable(s, slotsDir, alt)) throw new Error(`no bootable slot: slot ${active}: ${check.reason}; slot ${other(active)} not bootable either`);
    notes.push(`slot ${active} does not verify (${check.reason}): booting slot ${alt}`);
    const trial = s.trial ?? { slot: active, bootCount: 0, fallback: alt };
    s = await writeBootState(slotsDir, withRollback({ ...s, trial: { ...trial, fallback: alt } }, `slot-corrupt: ${check.reason}`, now().toISOString()));
  }
  if (s.trial && s.trial.slot === s.active) {
    s = await writeBootState(slotsDir, { ...s, trial: { ...s.trial, bootCount: s.trial.bootCount + 1 } });
    notes.push(`trial boot ${s.trial!.bootCount} of ${s.bootLimit} for ${s.slots[s.active].version}`);
  }
  return { slot: s.active, version: s.slots[s.active].version ?? '?', state: s, notes };
}

export async function launch(slotsDir: string, args: string[]): Promise<number> {
  const c = await chooseSlot(slotsDir);
  for (const n of c.notes) process.stderr.write(`launcher: ${n}\n`);
  // Under tsx in tests the loader flags are passed on; the built launcher has none of its own.
  const child = spawn(process.execPath, [...process.execArgv, ...FIRMWARE_NODE_FLAGS, join(slotsDir, c.slot, 'firmware.js'), ...args], {
    stdio: 'inherit',
    env: { ...process.env, BODYCAM_SLOT: c.slot, BODYCAM_SLOTS_DIR: slotsDir, BODYCAM_FW_VERSION: c.version },
  });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, forward(sig));
  return new Promise<number>((resolve) => {
    child.once('error', (err) => {
      process.stderr.write(`launcher: cannot start slot ${c.slot}: ${err.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

function parse(argv: string[]): { slotsDir?: string; args: string[] } {
  const args = [...argv];
  let slotsDir = process.env.BODYCAM_SLOTS_DIR;
  if (args[0] === '--slots') {
    slotsDir = args[1];
    args.splice(0, 2);
  }
  if (args[0] === '--') args.shift();
  return { slotsDir, args };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { slotsDir, args } = parse(process.argv.slice(2));
  if (!slotsDir) {
    process.stderr.write('usage: launcher --slots DIR [--] [firmware args...]\n');
    process.exit(2);
  }
  launch(slotsDir, args).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`launcher: ${err.message}\n`);
      process.exit(1);
    },
  );
}
