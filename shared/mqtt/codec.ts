// Payload codecs of docs/mqtt-topics.md, shared by dock and central store.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { issueText } from '../config.js';

export const DEFAULT_CHUNK_SIZE = 256 * 1024;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
export const CHUNK_MAGIC = Buffer.from('BCC1', 'ascii');
export const CHUNK_HEADER_BYTES = 44;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex SHA-256');
const signedDocument = z.object({ body: z.string(), sig: z.string(), keyId: z.string() });

/** Dock certificate, camera certificate and the dock's signature (shared/mqtt/dock-auth.ts). */
const dockAuth = { dockCert: z.string().max(16384), cameraCert: z.string().max(16384), dockSig: z.string().max(4096) };

/**
 * Transport facts only: what the clip is (device, times, state, purpose) central reads from the clip's
 * own signed header and checkpoints, never from here.
 */
export const ClipMetaSchema = z.object({
  v: z.literal(2),
  dockId: z.string(),
  clipId: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: hex64,
  ...dockAuth,
  chunkSize: z.number().int().min(1024).max(MAX_CHUNK_SIZE),
  chunkCount: z.number().int().nonnegative(),
  /** Request number, echoed in the status answering this meta. */
  req: z.number().int().nonnegative(),
}).refine((m) => m.chunkCount === chunkCountOf(m.bytes, m.chunkSize), { message: 'chunkCount must be ceil(bytes / chunkSize)', path: ['chunkCount'] });
export type ClipMeta = z.infer<typeof ClipMetaSchema>;
/** The facts of a meta the dock signs (with kind 'upload'). */
export const metaFacts = (m: Pick<ClipMeta, 'dockId' | 'clipId' | 'bytes' | 'sha256' | 'chunkSize'>) => [m.dockId, m.clipId, m.bytes, m.sha256, m.chunkSize];

export const StatusSchema = z.discriminatedUnion('state', [
  z.object({ v: z.literal(1), clipId: z.string(), req: z.number().int(), state: z.literal('missing'), missing: z.array(z.tuple([z.number().int(), z.number().int()])), have: z.number().int() }),
  z.object({ v: z.literal(1), clipId: z.string(), req: z.number().int(), state: z.literal('complete'), receipt: signedDocument }),
  z.object({ v: z.literal(1), clipId: z.string(), req: z.number().int(), state: z.literal('rejected'), reason: z.string() }),
]);
export type Status = z.infer<typeof StatusSchema>;

export const WipeCertMessageSchema = z.object({ v: z.literal(2), deviceId: z.string(), clipId: z.string(), cert: signedDocument, ...dockAuth });
export type WipeCertMessage = z.infer<typeof WipeCertMessageSchema>;
/** SHA-256 hex of a signed document's body: how an ack names what it answers. */
export const docRef = (d: { body: string }) => createHash('sha256').update(d.body, 'utf8').digest('hex');
export const wipeCertFacts = (dockId: string, m: Pick<WipeCertMessage, 'deviceId' | 'clipId' | 'cert'>) => [dockId, m.deviceId, m.clipId, docRef(m.cert)];

const logEntry = z.object({ seq: z.number().int().nonnegative(), at: z.string(), type: z.string(), data: z.record(z.string(), z.unknown()), prevHash: z.string(), hash: z.string() });
/** entries: a contiguous run; head: the camera's signature over the last entry's seq and hash (DeviceLogHeadBody). */
export const DeviceLogMessageSchema = z.object({ v: z.literal(2), deviceId: z.string(), entries: z.array(logEntry).min(1), head: signedDocument, ...dockAuth });
export type DeviceLogMessage = z.infer<typeof DeviceLogMessageSchema>;
export const deviceLogFacts = (dockId: string, m: Pick<DeviceLogMessage, 'deviceId' | 'head'>) => [dockId, m.deviceId, docRef(m.head)];

/** ref: docRef of the certificate / log head answered; refused: why central did not store it (it never will). */
export const AckSchema = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(1), kind: z.literal('wipe-cert'), clipId: z.string(), ref: hex64, refused: z.string().optional() }),
  // receipt: central's signed device-log-receipt (DeviceLogReceiptBody) when stored; the dock hands it to the camera at the next docking.
  z.object({ v: z.literal(1), kind: z.literal('device-log'), deviceId: z.string(), seq: z.number().int(), ref: hex64, refused: z.string().optional(), receipt: signedDocument.optional() }),
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
    throw new Error(`${what}: ${issueText(r.error.issues[0])}`);
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

/** Largest heartbeat payload a receiver parses (bytes); a longer one is dropped unread. */
export const MAX_HEARTBEAT_BYTES = 64 * 1024;
const count = z.number().int().min(0).max(1_000_000);
const bytesOrNull = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable();
const isoTime = z.string().max(40).refine((s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(s) && !Number.isNaN(Date.parse(s)), 'an ISO 8601 UTC time');
const id = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'an id (letters, digits, . _ : -)');
/**
 * The dock's own state, every `heartbeatSeconds` (docs/mqtt-topics.md, "Heartbeat"): its delivery queue
 * (journal rows by state), free spool space, and what each camera it served reported at its last
 * complete offload. Every number bounded, every string shaped; unknown members refused.
 */
export const HeartbeatBodySchema = z.object({
  v: z.literal(1),
  dockId: id,
  /** Increases with every heartbeat of this dock (its clock in ms at sending): an older or replayed one is ignored. */
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  at: isoTime,
  uptimeS: z.number().int().min(0).max(100 * 365 * 86_400),
  spoolFreeBytes: bytesOrNull,
  queue: z.object({ pulling: count, pulled: count, uploading: count, receipted: count, wiped: count }).strict(),
  cameras: z.array(z.object({
    deviceId: id,
    seenAt: isoTime,
    firmware: z.object({ version: z.string().regex(/^[0-9A-Za-z.+~_-]{1,64}$/, 'a version'), slot: z.enum(['a', 'b']), trial: z.boolean() }).strict().nullable(),
    flashFreeBytes: bytesOrNull,
    clipsOnCamera: count,
  }).strict()).max(64),
}).strict();
export type HeartbeatBody = z.infer<typeof HeartbeatBodySchema>;
export const HeartbeatMessageSchema = HeartbeatBodySchema.extend({ dockCert: z.string().max(16384), dockSig: z.string().max(4096) }).strict();
export type HeartbeatMessage = z.infer<typeof HeartbeatMessageSchema>;

/** JSON with object keys sorted at every level, no whitespace: what the heartbeat's signature covers. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
/** The facts a dock signs for a heartbeat (kind 'heartbeat'): dockId, seq, and the SHA-256 hex of the canonical body. */
export const heartbeatFacts = (b: HeartbeatBody) => [b.dockId, b.seq, createHash('sha256').update(canonicalJson(b), 'utf8').digest('hex')];
export const encodeHeartbeat = (m: HeartbeatMessage): Buffer => Buffer.from(JSON.stringify(m), 'utf8');
