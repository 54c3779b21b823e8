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
