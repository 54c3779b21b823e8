// Simulated record button. press()/longPress() emit debounced edges; bounce() emits raw chatter
// that a debouncer must collapse (used by the contract suite).
import type { ButtonInput, Unsubscribe } from '../shared/hal.js';
import { systemClock, type Clock } from '../shared/clock.js';

export class SimButton implements ButtonInput {
  private listeners = new Set<(edge: 'down' | 'up', atMs: number) => void>();
  private down = false;
  constructor(private readonly clock: Clock = systemClock) {}

  onEdge(listener: (edge: 'down' | 'up', atMs: number) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  isDown(): boolean {
    return this.down;
  }
  private emit(edge: 'down' | 'up'): void {
    if ((edge === 'down') === this.down) return; // no repeated edges
    this.down = edge === 'down';
    const at = this.clock.now();
    for (const l of [...this.listeners]) l(edge, at);
  }
  setDown(d: boolean): void {
    this.emit(d ? 'down' : 'up');
  }
  /** Short press: down, then up after `holdMs` (clock time). */
  press(holdMs = 100): Promise<void> {
    this.emit('down');
    return new Promise((res) => this.clock.setTimeout(() => (this.emit('up'), res()), holdMs));
  }
  longPress(holdMs = 3500): Promise<void> {
    return this.press(holdMs);
  }
  async close(): Promise<void> {
    this.listeners.clear();
  }
}
