// Simulated GPS module. chatter(true) emits NMEA sentence types even when powered off, modelling a
// broken power switch; a healthy module only talks while powered.
import type { GpsModule, Unsubscribe } from '../shared/hal.js';
import { systemClock, type Clock } from '../shared/clock.js';

export class SimGps implements GpsModule {
  private powered = false;
  private forced = false;
  private timer: NodeJS.Timeout | undefined;
  private listeners = new Set<(t: string, atMs: number) => void>();
  constructor(private readonly clock: Clock = systemClock, private readonly periodMs = 200) {}
  async setPower(on: boolean): Promise<void> {
    this.powered = on;
    this.update();
  }
  isPowered(): boolean {
    return this.powered;
  }
  chatter(on: boolean): void {
    this.forced = on;
    this.update();
  }
  private update(): void {
    const talk = this.powered || this.forced;
    if (talk && !this.timer) {
      let i = 0;
      const types = ['GPGGA', 'GPRMC', 'GPGSV'];
      this.timer = this.clock.setInterval(() => {
        const t = types[i++ % types.length]!;
        for (const l of [...this.listeners]) l(t, this.clock.now());
      }, this.periodMs);
    } else if (!talk && this.timer) {
      this.clock.clearInterval(this.timer);
      this.timer = undefined;
    }
  }
  onSentence(l: (t: string, atMs: number) => void): Unsubscribe {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async close(): Promise<void> {
    this.forced = false;
    this.powered = false;
    this.update();
    this.listeners.clear();
  }
}
