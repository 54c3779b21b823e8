// Real GPIO drivers (onoff, sysfs): record button with software debounce, and digital outputs.
import { Gpio } from 'onoff';
import type { ButtonInput, DigitalOutput, Unsubscribe } from '../../shared/hal.js';
import { systemClock, type Clock } from '../../shared/clock.js';

export const gpioAccessible: boolean = Gpio.accessible;

export class GpioButton implements ButtonInput {
  private gpio: Gpio;
  private listeners = new Set<(e: 'down' | 'up', at: number) => void>();
  private down = false;
  private timer: NodeJS.Timeout | undefined;
  /** activeLow: button pulls the line to ground when pressed (usual wiring with a pull-up). */
  constructor(pin: number, private readonly debounceMs = 20, activeLow = true, private readonly clock: Clock = systemClock) {
    this.gpio = new Gpio(pin, 'in', 'both', { activeLow });
    this.down = this.gpio.readSync() === 1;
    this.gpio.watch((err) => {
      if (err) return;
      // Software debounce: act on the level once it has been stable for debounceMs.
      if (this.timer) this.clock.clearTimeout(this.timer);
      this.timer = this.clock.setTimeout(() => {
        const d = this.gpio.readSync() === 1;
        if (d === this.down) return;
        this.down = d;
        const at = this.clock.now();
        for (const l of [...this.listeners]) l(d ? 'down' : 'up', at);
      }, this.debounceMs);
    });
  }
  onEdge(l: (e: 'down' | 'up', at: number) => void): Unsubscribe {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  isDown(): boolean {
    return this.down;
  }
  async close(): Promise<void> {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.gpio.unwatchAll();
    this.gpio.unexport();
  }
}

export class GpioOutput implements DigitalOutput {
  private gpio: Gpio;
  private on = false;
  constructor(pin: number, activeLow = false) {
    this.gpio = new Gpio(pin, 'low', 'none', { activeLow });
  }
  async set(on: boolean): Promise<void> {
    await this.gpio.write(on ? 1 : 0);
    this.on = on;
  }
  get(): boolean {
    return this.on;
  }
  async close(): Promise<void> {
    this.gpio.unexport();
  }
}
