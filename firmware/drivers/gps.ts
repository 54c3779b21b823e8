// Real GPS driver: a power-enable output plus the NMEA serial port. Only the sentence type
// ('$GPGGA,...' → 'GPGGA') leaves this file; the rest of each line is dropped unparsed.
import { SerialPort } from 'serialport';
import type { DigitalOutput, GpsModule, Unsubscribe } from '../../shared/hal.js';
import { systemClock, type Clock } from '../../shared/clock.js';

/** The talker+sentence type of an NMEA line, or undefined for anything else. */
export function sentenceType(line: string): string | undefined {
  const m = /^\$([A-Z]{2}[A-Z]{3}),/.exec(line.trim());
  return m?.[1];
}

export class SerialGps implements GpsModule {
  private port: SerialPort;
  private listeners = new Set<(t: string, at: number) => void>();
  private partial = '';
  constructor(private readonly power: DigitalOutput, path: string, baudRate = 9600, private readonly clock: Clock = systemClock) {
    this.port = new SerialPort({ path, baudRate });
    this.port.on('data', (chunk: Buffer) => this.onData(chunk));
    this.port.on('error', () => {}); // a missing port means a silent module: nothing to report
  }
  private onData(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString('latin1')).split('\n');
    this.partial = (lines.pop() ?? '').slice(-256); // bound memory on a line-less stream
    for (const line of lines) {
      const t = sentenceType(line);
      if (!t) continue;
      const at = this.clock.now();
      for (const l of [...this.listeners]) l(t, at);
    }
  }
  async setPower(on: boolean): Promise<void> {
    await this.power.set(on);
  }
  isPowered(): boolean {
    return this.power.get();
  }
  onSentence(l: (t: string, at: number) => void): Unsubscribe {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async close(): Promise<void> {
    this.listeners.clear();
    if (this.port.isOpen) await new Promise((r) => this.port.close(() => r(null)));
  }
}
