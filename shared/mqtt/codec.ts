// Payload codecs of docs/mqtt-topics.md, shared by dock and central store.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const DEFAULT_CHUNK_SIZE = 256 * 1024;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
export const CHUNK_MAGIC = Buffer.from('BCC1', 'ascii');
export const CHUNK_HEADER_BYTES = 44;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex SHA-256');
const signedDocument = z.object({ body: z.string(), sig: z.string(), keyId: z.string() });

export const ClipMetaSchema = z.object({
  v: z.literal(1),
  dockId: z.string(),
  clipId: z.string(),
  deviceId: z.string(),
  state: z.enum(['closed', 'truncated']),
  bytes: z.number().int().nonnegative(),
  sha256: hex64,
  startedAt: z.string(),
  stoppedAt: z.string().nullable(),
  epochId: z.string(),
  chunkSize: z.number().int().min(1024).max(MAX_CHUNK_SIZE),
  chunkCount: z.number().int().nonnegative(),
  /** Request number, echoed in the status answering this meta. */
  req: z.number().int().nonnegative(),
}).refine((m) => m.chunkCount === chunkCountOf(m.bytes, m.chunkSize), { message: 'chunkCount must be ceil(bytes / chunkSize)', path: ['chunkCount'] });
export type ClipMeta = z.infer<typeof ClipMetaSchema>;

export const StatusSchema = z.discriminatedUnion('state', [
  z.object({ v: z.literal(1), clipId: z.string(), req: z.number().int(), state: z.literal('missing'), missing: z.array(z.tuple([z.number().int(), z.number().int()])), have: z.number().int() }),
  z.object({ v: z.literal(1), clipId: z.string(), req: z.number().int(), state: z.literal('complete'), receipt: signedDocument }),
  z.object({ v: z.literal(1), clipId: z.string(), req: z.number().int(), state: z.literal('rejected'), reason: z.string() }),
]);
export type Status = z.infer<typeof StatusSchema>;

export const WipeCertMessageSchema = z.object({ v: z.literal(1), deviceId: z.string(), clipId: z.string(), cert: signedDocument });
export type WipeCertMessage = z.infer<typeof WipeCertMessageSchema>;

const logEntry = z.object({ seq: z.number().int().nonnegative(), at: z.string(), type: z.string(), data: z.record(z.string(), z.unknown()), prevHash: z.string(), hash: z.string() });
export const DeviceLogMessageSchema = z.object({ v: z.literal(1), deviceId: z.string(), entries: z.array(logEntry) });
export type DeviceLogMessage = z.infer<typeof DeviceLogMessageSchema>;

export const AckSchema = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(1), kind: z.literal('wipe-cert'), clipId: z.string() }),
  z.object({ v: z.literal(1), kind: z.literal('device-log'), deviceId: z.string(), seq: z.number().int() }),
]);
export type Ack = z.infer<typeof AckSchema>;

export function chunkCountOf(bytes: number, chunkSize: number): number {
  return Math.ceil(bytes / chunkSize);
}

/** Parse a JSON payload with a schema; the error names the field that is wrong. */
export function decodeJson<T>(schema: z.ZodType<T>, payload: Buffer, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new Error(`${what}: payload is not JSON`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${what}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Chunk payload: "BCC1" | u32 BE index | u32 BE chunkSize | 32-byte SHA-256 of data | data. */
export function encodeChunk(index: number, chunkSize: number, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(CHUNK_HEADER_BYTES + data.length);
  data.copy(out, CHUNK_HEADER_BYTES);
  return sealChunk(out, index, chunkSize);
}

/**
 * The same payload built in place: `frame` already holds the data from offset CHUNK_HEADER_BYTES on
 * (read straight into it, no copy); writes the header in front of it and returns frame.
 */
export function sealChunk(frame: Buffer, index: number, chunkSize: number): Buffer {
  CHUNK_MAGIC.copy(frame, 0);
  frame.writeUInt32BE(index, 4);
  frame.writeUInt32BE(chunkSize, 8);
  createHash('sha256').update(frame.subarray(CHUNK_HEADER_BYTES)).digest().copy(frame, 12);
  return frame;
}

export interface DecodedChunk { index: number; chunkSize: number; sha256: Buffer; data: Buffer }

/** Decode and verify a chunk payload; throws naming the reason. */
export function decodeChunk(payload: Buffer): DecodedChunk {
  if (payload.length < CHUNK_HEADER_BYTES) throw new Error('chunk: shorter than its 44-byte header');
  if (!payload.subarray(0, 4).equals(CHUNK_MAGIC)) throw new Error('chunk: bad magic');
  const index = payload.readUInt32BE(4);
  const chunkSize = payload.readUInt32BE(8);
  const sha256 = payload.subarray(12, 44);
  const data = payload.subarray(CHUNK_HEADER_BYTES);
  if (chunkSize < 1024 || chunkSize > MAX_CHUNK_SIZE) throw new Error(`chunk: chunkSize ${chunkSize} out of range`);
  if (data.length === 0 || data.length > chunkSize) throw new Error(`chunk: data length ${data.length} not in 1..chunkSize`);
  if (!createHash('sha256').update(data).digest().equals(sha256)) throw new Error(`chunk ${index}: SHA-256 does not match its data`);
  return { index, chunkSize, sha256, data };
}

/** Inclusive ranges [from, to] of the indices in 0..count-1 not in `have`. */
export function missingRanges(count: number, have: (i: number) => boolean): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let i = 0; i < count; i++) {
    if (!have(i)) { if (start < 0) start = i; }
    else if (start >= 0) { out.push([start, i - 1]); start = -1; }
  }
  if (start >= 0) out.push([start, count - 1]);
  return out;
}
