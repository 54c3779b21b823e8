// Request fields as the camera reads them: a malformed request is the requester's fault (BAD_REQUEST,
// naming the field), never INTERNAL.
import { ErrorCode, WireError, decodeJson } from '../../shared/wire/messages.js';

export const bad = (reason: string) => new WireError(ErrorCode.BAD_REQUEST, reason);

export const str = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || v.length === 0 || v.length > 16384) throw bad(`${field}: expected a non-empty string`);
  return v;
};

export const uint = (v: unknown, field: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`${field}: expected a non-negative integer`);
  return v;
};

/** Request payloads are JSON objects. */
export const json = <T extends object>(p: Buffer, what: string): T => {
  try {
    return decodeJson<T>(p, what);
  } catch (err) {
    throw bad((err as Error).message);
  }
};
