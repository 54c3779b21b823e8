// Requester side of firmware staging (docs/wire-protocol.md, "Firmware staging"): offer the bundle
// with its signed manifest, resume after the camera's verified prefix, push FW_WRITEs with several
// in flight, then FW_COMMIT. Used by the dock's drop folder and by `bodycam fw flash`.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { RequestTimeoutError, type RpcClient } from './link.js';
import {
  FwMsg, FW_MAX_DATA, decodeFwBeginResponse, decodeFwCommitResponse, decodeFwHave, decodeFwResult, decodeFwStatus, encodeFwWrite,
  type FwCommitResponse, type FwInstallRecord, type FwStatus,
} from './fw-messages.js';
import { ErrorCode, WireError, encodeJson } from './messages.js';

export interface StageOptions {
  /** FW_WRITEs in flight at once (default 8). */
  window?: number;
  /** Bytes per FW_WRITE (default 64 KiB). */
  chunkBytes?: number;
  /** Retransmits of one FW_WRITE before staging fails (it can then be resumed). */
  writeRetries?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface StageResult {
  size: number;
  sha256: string;
  /** Bytes the camera already had from an earlier attempt. */
  resumedFrom: number;
}

function readAt(fd: number, offset: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let got = 0; got < length; ) {
    const n = readSync(fd, b, got, length - got, offset + got);
    if (n === 0) throw new Error(`bundle: unexpected end of file at ${offset + got}`);
    got += n;
  }
  return b;
}

function hashFile(fd: number, length: number): string {
  const h = createHash('sha256');
  for (let off = 0; off < length; off += 1 << 20) h.update(readAt(fd, off, Math.min(1 << 20, length - off)));
  return h.digest('hex');
}

const isGap = (err: unknown) => err instanceof WireError && err.code === ErrorCode.RANGE && /gap/.test(err.reason);

export class FirmwareClient {
  constructor(readonly rpc: RpcClient) {}

  async status(): Promise<FwStatus> {
    return decodeFwStatus(await this.rpc.request(FwMsg.FW_STATUS, encodeJson({})));
  }

  async lastResult(): Promise<FwInstallRecord | null> {
    return decodeFwResult(await this.rpc.request(FwMsg.FW_RESULT, encodeJson({})));
  }

  async abort(): Promise<void> {
    await this.rpc.request(FwMsg.FW_ABORT, encodeJson({}));
  }

  /**
   * Stage the bundle file; `header` is its leading bytes up to the first file (what the camera checks
   * before it accepts data). Resolves once the camera holds all of it (not yet committed).
   */
  async stage(bundlePath: string, header: Buffer, o: StageOptions = {}): Promise<StageResult> {
    const fd = openSync(bundlePath, 'r');
    try {
      const size = fstatSync(fd).size;
      const sha256 = hashFile(fd, size);
      const begin = (restart: boolean) => this.rpc.request(FwMsg.FW_BEGIN, encodeJson({ size, sha256, header: header.toString('base64'), ...(restart ? { restart } : {}) }));
      let b = decodeFwBeginResponse(await begin(false));
      if (b.have > size || (b.have > 0 && hashPrefix(fd, b.have) !== b.prefixSha256)) b = decodeFwBeginResponse(await begin(true));
      const resumedFrom = b.have;
      await this.push(fd, size, resumedFrom, o);
      return { size, sha256, resumedFrom };
    } finally {
      closeSync(fd);
    }
  }

  /** Whole-file check and install on the camera; the install may take a while (verify + copy). */
  async commit(sha256: string, timeoutMs = 120_000): Promise<FwCommitResponse> {
    return decodeFwCommitResponse(await this.rpc.request(FwMsg.FW_COMMIT, encodeJson({ sha256 }), { timeoutMs, retries: 3 }));
  }

  private async push(fd: number, size: number, from: number, o: StageOptions): Promise<void> {
    const window = Math.max(1, o.window ?? 8);
    const chunk = Math.max(1, Math.min(FW_MAX_DATA, o.chunkBytes ?? 64 * 1024));
    const retries = o.writeRetries ?? 8;
    let acked = from;
    let next = from;
    let failure: Error | undefined;
    const gaps = new Set<number>();
    const inflight = new Set<Promise<void>>();
    o.onProgress?.(acked, size);

    const issue = (offset: number) => {
      const data = readAt(fd, offset, Math.min(chunk, size - offset));
      const p: Promise<void> = this.rpc.request(FwMsg.FW_WRITE, encodeFwWrite(offset, data), { retries }).then((res) => {
        const have = decodeFwHave(res);
        if (have > acked) {
          acked = have;
          o.onProgress?.(acked, size);
        }
      }, (err: Error) => {
        // An earlier write was lost and is being resent: this one goes again once the prefix reaches it.
        if (isGap(err)) gaps.add(offset);
        else failure ??= err instanceof RequestTimeoutError ? new Error(`FW_WRITE at ${offset}: ${err.message}; staging can be resumed`) : err;
      }).finally(() => inflight.delete(p));
      inflight.add(p);
    };

    while (!failure && (acked < size || inflight.size > 0)) {
      for (const off of [...gaps].sort((a, b) => a - b)) {
        if (off > acked || inflight.size >= window) break;
        gaps.delete(off);
        issue(off);
      }
      while (!failure && next < size && inflight.size < window) {
        issue(next);
        next += Math.min(chunk, size - next);
      }
      if (inflight.size > 0) await Promise.race(inflight);
      else if (acked < size) {
        // Nothing in flight yet the camera's prefix stops short: send again from where it stands.
        gaps.clear();
        next = acked;
      }
    }
    await Promise.allSettled(inflight);
    if (failure) throw failure;
  }
}

function hashPrefix(fd: number, n: number): string {
  return hashFile(fd, n);
}
