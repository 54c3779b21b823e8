// A hostile requester for tests: writes any bytes or frames on a line and reads what comes back.
import type { Duplex } from 'node:stream';
import { FLAG_ERROR, FrameDecoder, encodeFrame, type Frame } from '../../shared/wire/frame.js';

export class RawPeer {
  private readonly dec = new FrameDecoder();
  private readonly waiters = new Set<(f: Frame) => void>();
  private seq = 1000;
  constructor(readonly line: Duplex) {
    line.pipe(this.dec);
    this.dec.on('data', (f: Frame) => { for (const w of [...this.waiters]) w(f); });
  }

  static frame(type: number, seq: number, payload: Buffer): Buffer {
    return encodeFrame(type, 0, seq, payload);
  }

  write(b: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.line.write(b)) resolve();
      else this.line.once('drain', resolve);
    });
  }

  /** One request; resolves with the response payload or its error, rejects after `timeoutMs`. */
  async request(type: number, payload: Buffer, timeoutMs = 5000): Promise<{ payload: Buffer; error?: { code: number; reason: string } }> {
    const seq = ++this.seq;
    const got = new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => { this.waiters.delete(w); reject(new Error(`no answer to type 0x${type.toString(16)} in ${timeoutMs} ms`)); }, timeoutMs);
      const w = (f: Frame) => { if (f.seq === seq) { clearTimeout(timer); this.waiters.delete(w); resolve(f); } };
      this.waiters.add(w);
    });
    await this.write(encodeFrame(type, 0, seq, payload));
    const f = await got;
    return { payload: f.payload, ...(f.flags & FLAG_ERROR ? { error: JSON.parse(f.payload.toString()) as { code: number; reason: string } } : {}) };
  }

  /** Never read the camera's answers (they pile up in the tty, then the camera must push back). */
  stopReading(): void {
    this.line.unpipe(this.dec);
    this.line.pause();
  }

  detach(): void {
    this.line.unpipe(this.dec);
    this.dec.destroy();
  }
}
