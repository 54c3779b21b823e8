// Firmware staging messages 0x40..0x45 (docs/wire-protocol.md, "Firmware staging"): codecs shared
// by the camera (firmware/fw-staging.ts) and the requesters (dock, `bodycam fw flash`). Decoders
// throw WireError naming the field, never anything else.
import { MAX_PAYLOAD } from './frame.js';
import { ErrorCode, WireError, decodeJson } from './messages.js';

export const FwMsg = {
  FW_STATUS: 0x40,
  FW_BEGIN: 0x41,
  FW_WRITE: 0x42,
  FW_COMMIT: 0x43,
  FW_RESULT: 0x44,
  FW_ABORT: 0x45,
} as const;

/** FW_WRITE payload: 8-byte big-endian offset, then the data. */
export const FW_WRITE_HEADER = 8;
export const FW_MAX_DATA = MAX_PAYLOAD - FW_WRITE_HEADER;
/** Largest bundle header (magic, manifest, signature) accepted inside FW_BEGIN, decoded bytes. */
export const FW_MAX_HEADER = 512 * 1024;

export interface FwBegin {
  size: number;
  sha256: string;
  /** The bundle's first bytes up to its first file: the signed manifest and its signature. */
  header: Buffer;
  restart: boolean;
}
export interface FwBeginResponse {
  /** Bytes already staged from an earlier attempt at the same bundle (0 after a restart). */
  have: number;
  /** SHA-256 of the staged bytes [0, have), so the sender can check them before resuming. */
  prefixSha256: string;
}
export interface FwCommitResponse {
  version: string;
  slot: string;
  switched: boolean;
  waitingFor: string | null;
}
export interface FwPeer {
  role: 'dock' | 'technician';
  id: string;
  certSha256: string;
}
/** One install attempt, as written to the device log (`fw-flash`) and returned by FW_RESULT. */
export interface FwInstallRecord {
  at: string;
  deviceId: string;
  by: FwPeer;
  version: string | null;
  sha256: string | null;
  outcome: 'installed' | 'waiting' | 'refused';
  reason?: string;
  slot?: string;
  waitingFor?: string;
}
export interface FwStatus {
  hardware: string;
  version: string;
  floor: string;
  active: string;
  trial: boolean;
  bootCount: number;
  pending: unknown;
  /** Slot and version the camera's firmware process is running from (null: not known). */
  running: { slot: string; version: string | null } | null;
  staged: { sha256: string; size: number; have: number; version: string } | null;
  last: FwInstallRecord | null;
  /** Free bytes on the camera's flash (absent from older firmware: null). */
  flashFreeBytes?: number | null;
}

const bad = (reason: string) => new WireError(ErrorCode.BAD_REQUEST, reason);
const HEX64 = /^[0-9a-f]{64}$/;

function json(p: Buffer, what: string): Record<string, unknown> {
  try {
    return decodeJson<Record<string, unknown>>(p, what);
  } catch (err) {
    throw bad((err as Error).message);
  }
}
function uint(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`${field}: expected a non-negative integer`);
  return v;
}
function hex64(v: unknown, field: string): string {
  if (typeof v !== 'string' || !HEX64.test(v)) throw bad(`${field}: expected 64 lowercase hex digits`);
  return v;
}
function b64(v: unknown, field: string, max: number): Buffer {
  if (typeof v !== 'string' || v.length === 0 || v.length > Math.ceil(max / 3) * 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
    throw bad(`${field}: expected standard base64 of 1..${max} bytes`);
  }
  // The length check above lets one byte past max through (4 characters carry 3 bytes).
  const b = Buffer.from(v, 'base64');
  if (b.length > max) throw bad(`${field}: expected standard base64 of 1..${max} bytes`);
  return b;
}

export function decodeFwEmpty(p: Buffer, what: string): void {
  json(p, what);
}

export function decodeFwBegin(p: Buffer): FwBegin {
  const r = json(p, 'FW_BEGIN');
  const size = uint(r.size, 'size');
  if (size === 0) throw bad('size: must be at least 1 byte');
  if (r.restart !== undefined && typeof r.restart !== 'boolean') throw bad('restart: expected a boolean');
  return { size, sha256: hex64(r.sha256, 'sha256'), header: b64(r.header, 'header', FW_MAX_HEADER), restart: r.restart === true };
}

export function encodeFwWrite(offset: number, data: Buffer): Buffer {
  const h = Buffer.alloc(FW_WRITE_HEADER);
  h.writeBigUInt64BE(BigInt(offset));
  return Buffer.concat([h, data]);
}

export function decodeFwWrite(p: Buffer): { offset: number; data: Buffer } {
  if (p.length <= FW_WRITE_HEADER) throw bad(`FW_WRITE: payload must be an ${FW_WRITE_HEADER}-byte offset and at least 1 data byte`);
  const big = p.readBigUInt64BE(0);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('offset: above 2^53-1');
  return { offset: Number(big), data: p.subarray(FW_WRITE_HEADER) };
}

export function decodeFwCommit(p: Buffer): { sha256: string } {
  return { sha256: hex64(json(p, 'FW_COMMIT').sha256, 'sha256') };
}

// Response checks on the requester side: a confused or hostile camera cannot crash the tool.
const fail = (what: string, field: string) => new WireError(ErrorCode.INTERNAL, `${what}: ${field} missing or malformed`);

export function decodeFwBeginResponse(p: Buffer): FwBeginResponse {
  const r = json(p, 'FW_BEGIN response');
  if (typeof r.have !== 'number' || !Number.isSafeInteger(r.have) || r.have < 0) throw fail('FW_BEGIN response', 'have');
  if (typeof r.prefixSha256 !== 'string' || !HEX64.test(r.prefixSha256)) throw fail('FW_BEGIN response', 'prefixSha256');
  return { have: r.have, prefixSha256: r.prefixSha256 };
}

export function decodeFwHave(p: Buffer): number {
  const r = json(p, 'FW_WRITE response');
  if (typeof r.have !== 'number' || !Number.isSafeInteger(r.have) || r.have < 0) throw fail('FW_WRITE response', 'have');
  return r.have;
}

export function decodeFwCommitResponse(p: Buffer): FwCommitResponse {
  const r = json(p, 'FW_COMMIT response');
  if (typeof r.version !== 'string') throw fail('FW_COMMIT response', 'version');
  if (typeof r.slot !== 'string') throw fail('FW_COMMIT response', 'slot');
  if (typeof r.switched !== 'boolean') throw fail('FW_COMMIT response', 'switched');
  return { version: r.version, slot: r.slot, switched: r.switched, waitingFor: typeof r.waitingFor === 'string' ? r.waitingFor : null };
}

export function decodeFwStatus(p: Buffer): FwStatus {
  const r = json(p, 'FW_STATUS response');
  for (const f of ['hardware', 'version', 'floor', 'active'] as const) if (typeof r[f] !== 'string') throw fail('FW_STATUS response', f);
  return {
    hardware: r.hardware as string, version: r.version as string, floor: r.floor as string, active: r.active as string,
    trial: r.trial === true, bootCount: typeof r.bootCount === 'number' ? r.bootCount : 0, pending: r.pending ?? null,
    running: r.running && typeof r.running === 'object' && typeof (r.running as { slot?: unknown }).slot === 'string' ? (r.running as FwStatus['running']) : null,
    staged: (r.staged ?? null) as FwStatus['staged'], last: (r.last ?? null) as FwInstallRecord | null,
    flashFreeBytes: Number.isSafeInteger(r.flashFreeBytes) && (r.flashFreeBytes as number) >= 0 ? r.flashFreeBytes as number : null,
  };
}

export function decodeFwResult(p: Buffer): FwInstallRecord | null {
  const r = json(p, 'FW_RESULT response');
  if (r.last === null || r.last === undefined) return null;
  const l = r.last as Record<string, unknown>;
  if (typeof l !== 'object' || Array.isArray(l) || typeof l.outcome !== 'string') throw fail('FW_RESULT response', 'last.outcome');
  return l as unknown as FwInstallRecord;
}
