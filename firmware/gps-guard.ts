// GPS guard: with GPS disabled by policy, drive power-enable low and watch the port for ever;
// any sentence that still arrives is a fault (broken power switch). Positions are never parsed.
import type { DigitalOutput, GpsModule } from '../shared/hal.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from 'pino';
import type { FirmwareConfig } from './config.js';
import type { EventLog } from './event-log.js';

export interface GpsGuardDeps {
  gps: GpsModule;
  led: DigitalOutput;
  clock: Clock;
  deviceLog: EventLog;
  logger: Logger;
}

export class GpsGuard {
  fault: { sentenceType: string; atMs: number } | undefined;
  private unsub: (() => void) | undefined;
  private blink: NodeJS.Timeout | undefined;
  constructor(private readonly d: GpsGuardDeps) {}

  /** Call at boot and on every config load. */
  async apply(gps: FirmwareConfig['gps']): Promise<void> {
    this.unsub?.();
    this.unsub = undefined;
    if (gps.policy === 'enabled') {
      this.d.logger.warn({ justification: gps.justification }, 'GPS enabled by explicit policy');
      this.d.deviceLog.append('config', { gps: 'enabled', justification: gps.justification });
      await this.d.gps.setPower(true);
      return;
    }
    await this.d.gps.setPower(false);
    this.d.deviceLog.append('config', { gps: 'disabled' });
    this.unsub = this.d.gps.onSentence((sentenceType, atMs) => this.raise(sentenceType, atMs));
  }

  private raise(sentenceType: string, atMs: number): void {
    if (this.fault) return; // one fault per boot is enough; the LED keeps blinking
    this.fault = { sentenceType, atMs };
    this.d.logger.error({ sentenceType }, 'GPS fault: NMEA sentences while power-enable is low');
    this.d.deviceLog.append('fault', { kind: 'gps-chatter', sentenceType, atMs });
    let on = false;
    this.blink = this.d.clock.setInterval(() => void this.d.led.set((on = !on)), 250);
  }

  close(): void {
    this.unsub?.();
    if (this.blink) this.d.clock.clearInterval(this.blink);
  }
}
