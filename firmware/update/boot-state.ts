// A/B boot state (slotsDir/boot-state.json): which slot boots, what each slot holds, the trial and
// its boot count, the anti-rollback floor. Every change is ONE atomic replace: temp + fsync + rename +
// fsync dir, so a power cut leaves either the old or the new state, never a torn one.
import { closeSync, existsSync, mkdirSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { int } from '../../shared/zod-mini.js';
import { issueText } from '../../shared/config.js';
import { fsyncPathSync } from '../../shared/durable-file.js';
import { compareVersions } from '../../shared/firmware-bundle/manifest.js';

export type Slot = 'a' | 'b';
export const other = (s: Slot): Slot => (s === 'a' ? 'b' : 'a');
export const DEFAULT_BOOT_LIMIT = 3;

const slot = z.enum(['a', 'b']);
const slotState = z.object({
  version: z.nullable(z.string()),
  bootable: z.boolean(),
  good: z.boolean(),
  /** SHA-256 of the slot's .manifest.json, so the launcher can check the slot's files. */
  manifestSha256: z.nullable(z.string()),
});
const schema = z.object({
  format: z.literal(1),
  active: slot,
  slots: z.object({ a: slotState, b: slotState }),
  trial: z.nullable(z.object({ slot, bootCount: int(0), fallback: z.nullable(slot) })),
  bootLimit: int(1),
  floor: z.string(),
  lastRollback: z.nullable(
    z.object({
      fromSlot: slot, fromVersion: z.nullable(z.string()), toSlot: slot, toVersion: z.nullable(z.string()),
      at: z.string(), reason: z.string(), bootCount: int(), reported: z.boolean(),
    }),
  ),
  generation: int(0),
});
export type BootState = z.infer<typeof schema>;
export type SlotState = z.infer<typeof slotState>;

export const statePath = (slotsDir: string) => join(slotsDir, 'boot-state.json');

/** A camera that never had a bundle installed: both slots empty, nothing on trial, floor 0.0.0. */
export function initialState(bootLimit = DEFAULT_BOOT_LIMIT): BootState {
  const empty = { version: null, bootable: false, good: false, manifestSha256: null };
  return { format: 1, active: 'a', slots: { a: { ...empty }, b: { ...empty } }, trial: null, bootLimit, floor: '0.0.0', lastRollback: null, generation: 0 };
}

export function readBootState(slotsDir: string, bootLimit = DEFAULT_BOOT_LIMIT): BootState {
  const p = statePath(slotsDir);
  if (!existsSync(p)) return initialState(bootLimit);
  const r = schema.safeParse(JSON.parse(readFileSync(p, 'utf8')));
  if (!r.success) throw new Error(`${p}: ${r.error.issues.map((i) => issueText(i)).join('; ')}`);
  return r.data;
}

/**
 * Replace the boot state atomically. `midway` runs after the temp file is durable and before the
 * rename (tests cut the power there).
 */
export async function writeBootState(slotsDir: string, state: BootState, midway?: () => void | Promise<void>): Promise<BootState> {
  const next = { ...state, generation: state.generation + 1 };
  const p = statePath(slotsDir);
  const tmp = `${p}.tmp`;
  mkdirSync(slotsDir, { recursive: true });
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, JSON.stringify(next, null, 1));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  await midway?.();
  renameSync(tmp, p);
  fsyncPathSync(slotsDir);
  return next;
}

/** The trial slot passed its health checks: it becomes good and the floor rises to its version. */
export function withGood(s: BootState, slot: Slot): BootState {
  if (!s.trial || s.trial.slot !== slot) throw new Error(`slot ${slot} is not on trial`);
  const version = s.slots[slot].version!;
  const floor = compareVersions(version, s.floor) > 0 ? version : s.floor;
  return { ...s, slots: { ...s.slots, [slot]: { ...s.slots[slot], good: true } }, trial: null, floor };
}

/** Give up on the trial slot: boot its fallback again and remember why. */
export function withRollback(s: BootState, reason: string, at: string): BootState {
  const t = s.trial!;
  const to = t.fallback!;
  return {
    ...s,
    active: to,
    slots: { ...s.slots, [t.slot]: { ...s.slots[t.slot], bootable: false } },
    trial: null,
    lastRollback: {
      fromSlot: t.slot, fromVersion: s.slots[t.slot].version, toSlot: to, toVersion: s.slots[to].version,
      at, reason, bootCount: t.bootCount, reported: false,
    },
  };
}

export async function markGood(slotsDir: string, slot: Slot): Promise<BootState> {
  return writeBootState(slotsDir, withGood(readBootState(slotsDir), slot));
}
