// Shared fixtures for clip tests: RSA epoch keys, small deterministic plaintext segments, temp dirs.
import { generateKeyPairSync, createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClipWriter } from '../../shared/clip/writer.js';

export function rsaPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** Recognisable, non-repeating plaintext: a sha256 counter stream tagged with the segment number. */
export function plainSegment(n: number, bytes = 4096, tag = 'seg'): Buffer {
  const out = Buffer.alloc(bytes);
  for (let o = 0, i = 0; o < bytes; o += 32, i++) createHash('sha256').update(`${tag}:${n}:${i}`).digest().copy(out, o);
  return out;
}

export function tempDir(t: { teardown(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'clip-test-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export async function writeClip(path: string, publicKey: string, n: number, o: { finish?: boolean; bytes?: number; tag?: string; clipId?: string; deviceKey?: string; startedAt?: string; marks?: number[] } = {}): Promise<Buffer[]> {
  const w = await ClipWriter.create(path, {
    meta: { clipId: o.clipId ?? 'clip-1', deviceId: 'cam-1', startedAt: o.startedAt ?? '2026-01-01T00:00:00.000Z', purpose: 'crime-prevention' },
    epochId: 'epoch-1',
    publicKey,
    deviceKey: o.deviceKey,
  });
  const segs: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const data = plainSegment(i, o.bytes ?? 4096, o.tag);
    segs.push(data);
    await w.appendSegment({ startMs: 1_000_000 + i * 1000, durationMs: 1000, keyframe: true, data });
    if (i === 0) for (const m of o.marks ?? []) await w.mark(m);
  }
  if (o.finish !== false) await w.finish({ stoppedAtMs: 1_000_000 + n * 1000, stopReason: 'long-press' });
  else await w.abandon();
  return segs;
}

/** Byte offsets of each frame (prefix start) in a clip buffer, from the structure walk. */
export { parseClipBuffer } from '../../shared/clip/reader.js';
