// The spec's receiver (docs/wire-protocol.md section 2.1) run one step at a time over the whole
// input: the reference the frame decoder must match exactly (it has no candidate cap or deadline).
import { crc32 } from 'node:zlib';
import { MAX_PAYLOAD } from '../../shared/wire/frame.js';

export function specDecode(buf: Buffer): { seqs: number[]; corrupt: number[] } {
  const seqs: number[] = [];
  const corrupt: number[] = [];
  let pos = 0;
  for (;;) {
    const idx = buf.indexOf(Buffer.from([0xb0, 0xca]), pos);
    if (idx < 0 || buf.length - idx < 18) return { seqs, corrupt };
    const length = buf.readUInt32BE(idx + 10);
    if (buf[idx + 2] !== 1 || length > MAX_PAYLOAD || buf.readUInt32BE(idx + 14) !== crc32(buf.subarray(idx, idx + 14))) { pos = idx + 1; continue; }
    const end = idx + 18 + length;
    if (buf.length < end + 4) return { seqs, corrupt };
    if (buf.readUInt32BE(end) !== crc32(buf.subarray(idx, end))) { corrupt.push(buf.readUInt32BE(idx + 6)); pos = idx + 1; continue; }
    seqs.push(buf.readUInt32BE(idx + 6));
    pos = end + 4;
  }
}
