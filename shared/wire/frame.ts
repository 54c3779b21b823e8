// Frame codec of the camera<->dock serial link (docs/wire-protocol.md, "Frame").
// Header (18 bytes, big-endian): magic 0xB0 0xCA | version | type | flags | reserved | seq u32 |
// length u32 | header CRC-32 over bytes 0..13. Then payload, then CRC-32 over header+payload.
// The header CRC lets the decoder reject a garbage length at once instead of waiting for bytes.
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';

export const MAGIC0 = 0xb0;
export const MAGIC1 = 0xca;
export const WIRE_VERSION = 1;
export const HEADER_BYTES = 18;
export const TRAILER_BYTES = 4;
/** Largest payload a frame may carry (1 MiB). */
export const MAX_PAYLOAD = 1024 * 1024;
export const MAX_FRAME = HEADER_BYTES + MAX_PAYLOAD + TRAILER_BYTES;

export const FLAG_RESPONSE = 0x01;
export const FLAG_ERROR = 0x02;

const MAGIC = Buffer.from([MAGIC0, MAGIC1]);

export interface Frame {
  type: number;
  flags: number;
  seq: number;
  payload: Buffer;
}

/** Header of a frame whose header verified but whose payload CRC did not (so its seq is known). */
export interface CorruptFrame {
  type: number;
  flags: number;
  seq: number;
}

export function encodeFrame(type: number, flags: number, seq: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new Error(`frame payload ${payload.length} bytes exceeds the ${MAX_PAYLOAD}-byte cap`);
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length + TRAILER_BYTES);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = WIRE_VERSION;
  out[3] = type & 0xff;
  out[4] = flags & 0xff;
  out[5] = 0;
  out.writeUInt32BE(seq >>> 0, 6);
  out.writeUInt32BE(payload.length, 10);
  out.writeUInt32BE(crc32(out.subarray(0, 14)), 14);
  payload.copy(out, HEADER_BYTES);
  const end = HEADER_BYTES + payload.length;
  out.writeUInt32BE(crc32(out.subarray(0, end)), end);
  return out;
}

export interface DecoderStats {
  frames: number;
  /** Bytes skipped while hunting for the magic (garbage, or a frame that did not verify). */
  skippedBytes: number;
  badHeaders: number;
  badPayloads: number;
}

/**
 * Bytes in, Frame objects out (object mode readable side). Never buffers more than one maximal
 * frame plus the chunk being processed; payloads are views into the received bytes (no copy when
 * a frame arrived in one chunk, one copy otherwise).
 */
export class FrameDecoder extends Transform {
  readonly stats: DecoderStats = { frames: 0, skippedBytes: 0, badHeaders: 0, badPayloads: 0 };
  private chunks: Buffer[] = [];
  private held = 0;
  private need = HEADER_BYTES;

  constructor() {
    super({ readableObjectMode: true });
  }

  /** Bytes currently held waiting for the rest of a frame. */
  bufferedBytes(): number {
    return this.held;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (chunk.length === 0) return cb();
    this.chunks.push(chunk);
    this.held += chunk.length;
    if (this.held >= this.need) {
      const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.held);
      const rest = this.parse(buf);
      this.chunks = rest.length ? [rest] : [];
      this.held = rest.length;
    }
    cb();
  }

  /** Parse as many frames as buf holds; returns the unparsed tail and sets this.need. */
  private parse(buf: Buffer): Buffer {
    let pos = 0;
    for (;;) {
      const idx = buf.indexOf(MAGIC, pos);
      if (idx < 0) {
        // Keep a trailing first magic byte: the second may be in the next chunk.
        const keep = buf.length > pos && buf[buf.length - 1] === MAGIC0 ? 1 : 0;
        this.stats.skippedBytes += buf.length - pos - keep;
        this.need = HEADER_BYTES;
        return buf.subarray(buf.length - keep);
      }
      this.stats.skippedBytes += idx - pos;
      const avail = buf.length - idx;
      if (avail < HEADER_BYTES) {
        this.need = HEADER_BYTES;
        return buf.subarray(idx);
      }
      const length = buf.readUInt32BE(idx + 10);
      if (buf[idx + 2] !== WIRE_VERSION || length > MAX_PAYLOAD || buf.readUInt32BE(idx + 14) !== crc32(buf.subarray(idx, idx + 14))) {
        this.stats.badHeaders++;
        this.stats.skippedBytes += 1;
        pos = idx + 1;
        continue;
      }
      const total = HEADER_BYTES + length + TRAILER_BYTES;
      if (avail < total) {
        this.need = total;
        return buf.subarray(idx);
      }
      const end = idx + HEADER_BYTES + length;
      const type = buf[idx + 3]!;
      const flags = buf[idx + 4]!;
      const seq = buf.readUInt32BE(idx + 6);
      if (buf.readUInt32BE(end) !== crc32(buf.subarray(idx, end))) {
        // Drop it, but rescan its bytes: a lost chunk may have pulled the next frame inside it.
        this.stats.badPayloads++;
        this.stats.skippedBytes += 1;
        this.emit('corrupt', { type, flags, seq } satisfies CorruptFrame);
        pos = idx + 1;
        continue;
      }
      this.stats.frames++;
      this.push({ type, flags, seq, payload: buf.subarray(idx + HEADER_BYTES, end) } satisfies Frame);
      pos = idx + total;
    }
  }
}
