// The camera's clock: the board clock plus the offset the dock last set. The dock is the camera's
// only trusted time source (GPS stays off), so each correction is kept in the device log with the
// old and new time; clips already written keep the times they were recorded with.
import type { Clock } from '../shared/clock.js';

export class AdjustableClock implements Clock {
  private offset = 0;
  constructor(private readonly base: Clock) {}
  now(): number {
    return this.base.now() + this.offset;
  }
  /** Set the time to `epochMs`; returns the correction applied in ms (new - old). */
  set(epochMs: number): number {
    const skew = epochMs - this.now();
    this.offset += skew;
    return skew;
  }
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout {
    return this.base.setTimeout(fn, ms);
  }
  setInterval(fn: () => void, ms: number): NodeJS.Timeout {
    return this.base.setInterval(fn, ms);
  }
  clearTimeout(t: NodeJS.Timeout): void {
    this.base.clearTimeout(t);
  }
  clearInterval(t: NodeJS.Timeout): void {
    this.base.clearInterval(t);
  }
}

/** Largest time a JavaScript Date holds (8.64e15 ms, year 275760). */
export const MAX_EPOCH_MS = 8.64e15;

export interface ClockPolicy {
  /** Nothing before this firmware's build time (firmware/build-info.ts). */
  buildTimeMs: number;
  /** How far a dock may move a plausible clock forward / back; further needs a technician's forced set. */
  maxForwardMs: number;
  maxBackwardMs: number;
}

export interface ClockSetter {
  role: 'dock' | 'technician';
  id: string;
}

/** A SET_CLOCK the camera will not apply; the message names the field and the limit. */
export class ClockRefused extends Error {}

export type ClockBasis = 'in-window' | 'rtc-implausible' | 'forced';

/**
 * Decide whether `epochMs` may replace the time `now`. Never before the build time or past what a
 * Date holds; within the window around a plausible clock, or anything after the build time when the
 * clock itself is implausible (before the build: a reset RTC); outside the window only when a
 * technician forces it with a reason. Backward steps are small: a clip must never look older than it is.
 */
export function checkClockSet(epochMs: number, now: number, by: ClockSetter, force: { reason: string } | undefined, p: ClockPolicy): ClockBasis {
  if (!Number.isSafeInteger(epochMs) || epochMs > MAX_EPOCH_MS) throw new ClockRefused(`epochMs: expected an integer up to ${MAX_EPOCH_MS}`);
  if (epochMs < p.buildTimeMs) {
    throw new ClockRefused(`epochMs: ${new Date(epochMs).toISOString()} is before this firmware was built (${new Date(p.buildTimeMs).toISOString()})`);
  }
  if (force) {
    if (by.role !== 'technician') throw new ClockRefused('force: only a technician certificate may force the clock');
    return 'forced';
  }
  if (now < p.buildTimeMs || now > MAX_EPOCH_MS) return 'rtc-implausible';
  const delta = epochMs - now;
  if (delta > p.maxForwardMs || -delta > p.maxBackwardMs) {
    throw new ClockRefused(`epochMs: ${delta} ms from the camera's clock is outside -${p.maxBackwardMs}..+${p.maxForwardMs} ms; a technician must force it, with a reason`);
  }
  return 'in-window';
}
