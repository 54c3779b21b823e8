// Message types, error codes and payload codecs (docs/wire-protocol.md, "Messages").
import { sha256 } from '../crypto.js';

export const MsgType = {
  HELLO: 0x01,
  AUTH: 0x02,
  NAK: 0x03,
  LIST_CLIPS: 0x10,
  READ: 0x11,
  HASH_RANGE: 0x12,
  WIPE: 0x13,
  GET_LOG: 0x14,
  SET_CLOCK: 0x15,
  INSTALL_EPOCHS: 0x16,
  INSTALL_CRL: 0x17,
  WIPE_CERTS: 0x18,
  BYE: 0x1f,
} as const;
export type MsgTypeName = keyof typeof MsgType;

/** 0x40..0x5F are reserved for firmware staging (issue 5); a camera without it answers UNSUPPORTED. */
export const FIRMWARE_TYPE_FIRST = 0x40;
export const FIRMWARE_TYPE_LAST = 0x5f;

export const ErrorCode = {
  BAD_REQUEST: 1,
  AUTH_REQUIRED: 2,
  AUTH_FAILED: 3,
  UNSUPPORTED: 4,
  NOT_FOUND: 5,
  RANGE: 6,
  WIPE_REFUSED: 7,
  EPOCH_REFUSED: 8,
  INTERNAL: 9,
  FW_REFUSED: 10,
  CRL_REFUSED: 11,
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;

export function typeName(type: number): string {
  for (const [k, v] of Object.entries(MsgType)) if (v === type) return k;
  return `0x${type.toString(16).padStart(2, '0')}`;
}

/** An ERROR response as seen by the requester. */
export class WireError extends Error {
  constructor(readonly code: number, readonly reason: string, readonly requestType?: number) {
    super(`${requestType === undefined ? 'request' : typeName(requestType)} failed: ${codeName(code)}: ${reason}`);
  }
}

export function codeName(code: number): string {
  for (const [k, v] of Object.entries(ErrorCode)) if (v === code) return k;
  return `code ${code}`;
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Parse a JSON object payload; throws naming the message when it is not one. */
export function decodeJson<T extends object>(payload: Buffer, what: string): T {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new Error(`${what}: payload is not UTF-8 JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what}: payload is not a JSON object`);
  return v as T;
}

export function encodeError(code: number, reason: string): Buffer {
  return encodeJson({ code, reason });
}

export function decodeError(payload: Buffer, requestType: number): WireError {
  try {
    const e = decodeJson<{ code?: unknown; reason?: unknown }>(payload, 'ERROR');
    return new WireError(typeof e.code === 'number' ? e.code : ErrorCode.INTERNAL, typeof e.reason === 'string' ? e.reason : '(no reason)', requestType);
  } catch {
    return new WireError(ErrorCode.INTERNAL, 'unparseable error payload', requestType);
  }
}

export interface HelloRequest {
  v: 1;
  /** Dock certificate, DER, base64. */
  cert: string;
  /** 32 random bytes, base64. */
  nonce: string;
}
export interface HelloResponse {
  v: 1;
  cert: string;
  nonce: string;
  /** Camera's signature over authInput('camera', ...), base64. */
  sig: string;
}
export interface AuthRequest {
  /** Dock's signature over authInput('dock', ...), base64. */
  sig: string;
}

export const NONCE_BYTES = 32;

/**
 * What each side signs: context || 0x00 || peer nonce || own nonce || SHA-256(dock cert DER) ||
 * SHA-256(camera cert DER). The role in the context keeps one side's signature from being reflected
 * as the other's.
 */
export function authInput(signer: 'camera' | 'dock' | 'technician', peerNonce: Buffer, ownNonce: Buffer, dockCertDer: Buffer, cameraCertDer: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`bodycam-wire-v1/${signer}-auth`, 'ascii'),
    Buffer.from([0]),
    peerNonce,
    ownNonce,
    sha256(dockCertDer),
    sha256(cameraCertDer),
  ]);
}

export interface ReadRequest {
  clipId: string;
  offset: number;
  length: number;
}
export interface HashRangeRequest {
  clipId: string;
  length: number;
}
