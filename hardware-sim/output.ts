// Simulated digital output (LED, haptic, GPS power-enable) that records an on/off timeline.
import type { DigitalOutput } from '../shared/hal.js';
import { systemClock, type Clock } from '../shared/clock.js';

export class SimOutput implements DigitalOutput {
  private on = false;
  readonly timeline: { atMs: number; on: boolean }[] = [];
  constructor(readonly name: string, private readonly clock: Clock = systemClock) {}
  async set(on: boolean): Promise<void> {
    if (on === this.on && this.timeline.length > 0) return;
    this.on = on;
    this.timeline.push({ atMs: this.clock.now(), on });
  }
  get(): boolean {
    return this.on;
  }
  /** Number of off→on transitions (pulses) seen. */
  pulses(): number {
    return this.timeline.filter((e) => e.on).length;
  }
  async close(): Promise<void> {}
}
