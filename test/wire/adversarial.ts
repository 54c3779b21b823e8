// Byte streams that attack a frame decoder (issue 12): back-to-back headers whose header CRCs verify,
// each claiming a 1 MiB payload, so every one is a candidate that must wait and then be checked.
import { crc32 } from 'node:zlib';
import { HEADER_BYTES, MAGIC0, MAGIC1, MAX_PAYLOAD, WIRE_VERSION } from '../../shared/wire/frame.js';

export function stackedHeader(seq: number, length = MAX_PAYLOAD, type = 0x10): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h[0] = MAGIC0;
  h[1] = MAGIC1;
  h[2] = WIRE_VERSION;
  h[3] = type;
  h.writeUInt32BE(seq >>> 0, 6);
  h.writeUInt32BE(length, 10);
  h.writeUInt32BE(crc32(h.subarray(0, 14)), 14);
  return h;
}

/** `bytes` of stacked headers, 18 bytes apart, each claiming `length` bytes of payload. */
export function stackedHeaders(bytes: number, length = MAX_PAYLOAD): Buffer {
  const n = Math.ceil(bytes / HEADER_BYTES);
  return Buffer.concat(Array.from({ length: n }, (_, i) => stackedHeader(i, length))).subarray(0, bytes);
}
