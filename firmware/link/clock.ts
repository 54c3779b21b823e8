// SET_CLOCK on the dock link: the requester's time, applied by the camera's clock rules (firmware/clock-sync.ts).
import { ClockRefused, MAX_EPOCH_MS, type ClockSetter } from '../clock-sync.js';
import { encodeJson } from '../../shared/wire/messages.js';
import { bad, json, uint } from './fields.js';

export type OnSetClock = (epochMs: number, ctx: { by: ClockSetter; force?: { reason: string } }) => void | Promise<void>;

export async function setClock(p: Buffer, by: ClockSetter, apply: OnSetClock | undefined): Promise<Buffer> {
  const r = json<{ epochMs?: unknown; force?: unknown }>(p, 'SET_CLOCK');
  const epochMs = uint(r.epochMs, 'epochMs');
  if (epochMs > MAX_EPOCH_MS) throw bad(`epochMs: expected at most ${MAX_EPOCH_MS}`);
  let force: { reason: string } | undefined;
  if (r.force !== undefined) {
    const reason = (r.force as { reason?: unknown } | null)?.reason;
    if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > 500) throw bad('force.reason: expected a non-empty string of at most 500 characters');
    force = { reason };
  }
  try {
    await apply?.(epochMs, { by, force });
  } catch (err) {
    if (err instanceof ClockRefused) throw bad(err.message);
    throw err;
  }
  return encodeJson({ ok: true });
}
