// The raw baseline for serial benches: `bytes` bytes from one end of a pty pair to the other, in
// 64 KiB pieces with backpressure, no framing. Returns seconds.
import type { Duplex } from 'node:stream';

export async function rawPtySeconds(from: Duplex, to: Duplex, bytes: number): Promise<number> {
  let got = 0;
  const t0 = process.hrtime.bigint();
  const done = new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      got += d.length;
      if (got >= bytes) {
        to.off('data', onData);
        resolve();
      }
    };
    to.on('data', onData);
  });
  const piece = Buffer.alloc(64 * 1024, 0x5a);
  for (let sent = 0; sent < bytes; sent += piece.length) {
    if (!from.write(piece.subarray(0, Math.min(piece.length, bytes - sent)))) await new Promise((r) => from.once('drain', r));
  }
  await done;
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
