// Windowed clip pull (docs/wire-protocol.md, "Clip transfer"): several READs in flight, chunks
// written strictly in order so the destination file is always a verified prefix, resume from that
// prefix after checking its hash with the camera, end-to-end SHA-256 before success.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { ClipSummary } from '../evidence.js';
import { MAX_PAYLOAD } from './frame.js';
import { RequestTimeoutError, type RpcClient } from './link.js';
import { MsgType, decodeJson, encodeJson } from './messages.js';

export interface PullOptions {
  /** READs in flight at once. */
  window?: number;
  /** Starting / largest chunk size in bytes. */
  chunkBytes?: number;
  /** Smallest chunk size the adaptive sizing may fall to on a noisy line. */
  minChunkBytes?: number;
  /** Retransmits of one READ before it is split into smaller READs. */
  readRetries?: number;
  /** Times a smallest-size READ may be re-issued before the pull fails. */
  maxReissues?: number;
  onProgress?: (bytesDone: number) => void;
  /** The adaptive chunk size, carried from one pull to the next on the same line: a noisy line stays
   *  noisy, and starting every clip at the largest size again wastes many failed large READs. */
  adapt?: { chunk: number };
}

export async function pullToFile(rpc: RpcClient, clip: ClipSummary, destPath: string, opts: PullOptions = {}): Promise<void> {
  if (clip.sha256 === null || !/^[0-9a-f]{64}$/.test(clip.sha256)) throw new Error(`clip ${clip.clipId}: sha256 missing, clip not closed`);
  const window = Math.max(1, opts.window ?? 8);
  const maxChunk = Math.min(MAX_PAYLOAD, opts.chunkBytes ?? 64 * 1024);
  const minChunk = Math.min(maxChunk, opts.minChunkBytes ?? 512);
  const total = clip.bytes;
  const hash = createHash('sha256');

  let have = await stat(destPath).then((s) => s.size, () => -1);
  const fh = await open(destPath, have < 0 ? 'w+' : 'r+', 0o600);
  try {
    if (have > total) have = 0;
    if (have > 0) {
      const prefix = Buffer.alloc(have);
      await fh.read(prefix, 0, have, 0);
      const local = createHash('sha256').update(prefix).digest('hex');
      const remote = decodeJson<{ sha256?: string }>(await rpc.request(MsgType.HASH_RANGE, encodeJson({ clipId: clip.clipId, length: have })), 'HASH_RANGE').sha256;
      if (remote === local) hash.update(prefix);
      else have = 0; // our partial copy does not match the camera's bytes: start over
    }
    if (have <= 0) {
      have = 0;
      await fh.truncate(0);
    }
    opts.onProgress?.(have);

    let chunk = Math.max(minChunk, Math.min(maxChunk, opts.adapt?.chunk ?? maxChunk));
    let streak = 0;
    const remember = () => { if (opts.adapt) opts.adapt.chunk = chunk; };
    rpc.onRetry = (type) => {
      if (type !== MsgType.READ) return;
      streak = 0;
      chunk = Math.max(minChunk, chunk >> 1);
      remember();
    };
    let next = have;
    let writePos = have;
    const ready = new Map<number, Buffer>();
    const inflight = new Set<Promise<void>>();
    let failure: Error | undefined;
    let writing: Promise<void> = Promise.resolve();

    const flush = async () => {
      for (let b = ready.get(writePos); b; b = ready.get(writePos)) {
        ready.delete(writePos);
        await fh.write(b, 0, b.length, writePos);
        hash.update(b);
        writePos += b.length;
        opts.onProgress?.(writePos);
      }
    };
    const readRetries = opts.readRetries ?? 3;
    const maxReissues = opts.maxReissues ?? 20;
    const issue = (offset: number, length: number, reissue = 0) => {
      const p: Promise<void> = rpc.request(MsgType.READ, encodeJson({ clipId: clip.clipId, offset, length }), { retries: readRetries }).then(
        (data) => {
          if (data.length !== length) throw new Error(`READ ${clip.clipId}@${offset}: got ${data.length} bytes, asked ${length}`);
          ready.set(offset, data);
          if (++streak >= 8 && chunk < maxChunk) {
            chunk = Math.min(maxChunk, chunk * 2);
            streak = 0;
            remember();
          }
          writing = writing.then(flush).catch((err: Error) => {
            failure ??= err;
          });
        },
      ).catch((err: Error) => {
        // A READ too big for a noisy line keeps failing however often it is resent: split it.
        if (!(err instanceof RequestTimeoutError) || failure) return void (failure ??= err);
        const piece = chunk < length ? chunk : Math.max(minChunk, length >> 1);
        if (piece >= length && reissue >= maxReissues) return void (failure ??= err);
        // Queued, not issued: the pieces too keep to the window (all at once, a 64 KiB READ split into
        // 512-byte pieces put 128 requests on a line that had just failed to carry one).
        for (let off = offset; off < offset + length; off += piece) redo.push([off, Math.min(piece, offset + length - off), piece < length ? 0 : reissue + 1]);
        redo.sort((a, b) => a[0] - b[0]);
      }).finally(() => inflight.delete(p));
      inflight.add(p);
    };
    /** Pieces of failed READs waiting for room in the window: [offset, length, reissue]. */
    const redo: [number, number, number][] = [];

    while (!failure && (next < total || inflight.size > 0 || redo.length > 0)) {
      while (!failure && redo.length > 0 && inflight.size < window) issue(...redo.shift()!);
      while (!failure && next < total && inflight.size < window) {
        const len = Math.min(chunk, total - next);
        issue(next, len);
        next += len;
      }
      if (inflight.size > 0) await Promise.race(inflight);
    }
    await Promise.allSettled(inflight);
    await writing;
    await fh.sync();
    if (failure) throw failure;
    if (writePos !== total) throw new Error(`clip ${clip.clipId}: pulled ${writePos} of ${total} bytes`);
    const got = hash.digest('hex');
    if (got !== clip.sha256) {
      await fh.truncate(0);
      throw new Error(`clip ${clip.clipId}: SHA-256 mismatch after pull (${got} != ${clip.sha256}); partial copy discarded`);
    }
  } finally {
    rpc.onRetry = undefined;
    await fh.close();
  }
}
