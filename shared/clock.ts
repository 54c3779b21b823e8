// Time source for every component, so the fleet simulator can run a shift faster than real time.
export interface Clock {
  /** Milliseconds since the Unix epoch, in this clock's time. */
  now(): number;
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout;
  setInterval(fn: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(t: NodeJS.Timeout): void;
  clearInterval(t: NodeJS.Timeout): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearTimeout: (t) => clearTimeout(t),
  clearInterval: (t) => clearInterval(t),
};

/**
 * A clock that runs `speed` times faster than real time from `startMs`, and can be jumped forward
 * (retention tests, clock-skew faults). Timers are scaled accordingly.
 */
export class ScaledClock implements Clock {
  private base = Date.now();
  private offset: number;
  constructor(startMs = Date.now(), private readonly speed = 1) {
    this.offset = startMs;
  }
  now(): number {
    return Math.floor(this.offset + (Date.now() - this.base) * this.speed);
  }
  /** Jump forward (or back, for skew) by ms without waiting. */
  advance(ms: number): void {
    this.offset += ms;
  }
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout {
    return setTimeout(fn, Math.max(0, ms / this.speed));
  }
  setInterval(fn: () => void, ms: number): NodeJS.Timeout {
    return setInterval(fn, Math.max(1, ms / this.speed));
  }
  clearTimeout(t: NodeJS.Timeout): void {
    clearTimeout(t);
  }
  clearInterval(t: NodeJS.Timeout): void {
    clearInterval(t);
  }
}
