// The camera's signature on a clip (docs/clip-format.md §7): header seal with the identity key, a hash
// chain over every stored frame, a checkpoint after each frame; verified without the evidence key.
import test from 'ava';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recoverClipFile } from '../../firmware/vault/recovery.js';
import { VERSION_SIGNED, parseHeader } from '../../shared/clip/format.js';
import { decryptBuffer, inspectClip } from '../../shared/clip/reader.js';
import { verifyClipBuffer, verifyClipFile } from '../../shared/clip/signature.js';
import { ClipWriter } from '../../shared/clip/writer.js';
import { plainSegment, rsaPair, tempDir, writeClip } from './helpers.js';

const evidence = rsaPair();
const camera = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

async function signedClip(path: string, n: number, o: { finish?: boolean; key?: typeof camera.privateKey } = {}): Promise<Buffer[]> {
  const w = await ClipWriter.create(path, {
    meta: { clipId: 'clip-s', deviceId: 'cam-1', startedAt: '2026-01-01T00:00:00.000Z', purpose: 'crime-prevention' },
    epochId: 'epoch-1', publicKey: evidence.publicKey, deviceKey: o.key ?? camera.privateKey,
  });
  const segs: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    segs.push(plainSegment(i, 3000));
    await w.appendSegment({ startMs: 1_000_000 + i * 1000, durationMs: 1000, keyframe: true, data: segs[i]! });
  }
  if (o.finish === false) await w.abandon();
  else await w.finish({ stoppedAtMs: 1_000_000 + n * 1000 + 250, stopReason: 'long-press' });
  return segs;
}

test('a signed clip verifies with the camera key alone and still decrypts', async (t) => {
  const path = join(tempDir(t), 'c.bcc');
  const segs = await signedClip(path, 4);
  const f = await verifyClipFile(path, camera.publicKey);
  t.is(f.header.version, VERSION_SIGNED);
  t.is(f.header.meta.deviceId, 'cam-1');
  t.is(f.frames, 5);
  t.true(f.closed);
  t.is(f.endMs, 1_004_250);
  t.is(f.checkpoints, 5);
  const r = decryptBuffer(readFileSync(path), evidence.privateKey);
  t.true(r.stats.signed);
  t.deepEqual(r.plaintext, Buffer.concat(segs));
  t.is(inspectClip(path).signature, 'signed');
});

test('a version 1 clip is read but flagged unsigned, and verification refuses it', async (t) => {
  const path = join(tempDir(t), 'v1.bcc');
  await writeClip(path, evidence.publicKey, 2);
  t.is(inspectClip(path).signature, 'unsigned');
  t.false(decryptBuffer(readFileSync(path), evidence.privateKey).stats.signed);
  await t.throwsAsync(verifyClipFile(path, camera.publicKey), { message: /^unsigned: clip format version 1/ });
});

test('a clip sealed by another key (a fabricated clip with valid encryption) is refused', async (t) => {
  const path = join(tempDir(t), 'fake.bcc');
  await signedClip(path, 2, { key: other.privateKey });
  // It decrypts: anyone can encrypt to the public epoch key. Only the signature tells it apart.
  t.is(decryptBuffer(readFileSync(path), evidence.privateKey).stats.segments, 2);
  await t.throwsAsync(verifyClipFile(path, camera.publicKey), { message: /^bad-signature: header seal does not verify/ });
});

test('an altered, dropped or appended frame breaks the chain or leaves an unsigned tail', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'c.bcc');
  await signedClip(path, 3);
  const f = readFileSync(path);
  const h = parseHeader(f);
  // Flip one ciphertext byte of frame 1 (past the header, the seal, frame 0 and its checkpoint).
  const frames: number[] = [];
  for (let off = h.headerLen; off < f.length;) {
    const raw = f.readUInt32BE(off);
    if (!(raw & 0x80000000)) frames.push(off);
    off += 4 + (raw & 0x7fffffff);
  }
  const flipped = Buffer.from(f);
  flipped[frames[1]! + 10] ^= 1;
  await t.throwsAsync(verifyClipBuffer(flipped, camera.publicKey), { message: /^bad-signature: chain at frame 2 does not match/ });
  // Cut frame 1 and its checkpoint out: the next checkpoint counts differently.
  const dropped = Buffer.concat([f.subarray(0, frames[1]!), f.subarray(frames[2]!)]);
  await t.throwsAsync(verifyClipBuffer(dropped, camera.publicKey), { message: /^bad-signature: checkpoint says 3 frames, 2 precede it/ });
  // Bytes after the closing checkpoint.
  await t.throwsAsync(verifyClipBuffer(Buffer.concat([f, f.subarray(frames[0]!, frames[1]!)]), camera.publicKey), { message: /^trailing-data/ });
  // Changing the cleartext metadata (e.g. startedAt) breaks the seal.
  const meta = Buffer.from(f);
  const at = meta.indexOf('2026-01-01');
  meta.write('1970', at, 'ascii');
  await t.throwsAsync(verifyClipBuffer(meta, camera.publicKey), { message: /^bad-signature: header seal/ });
});

test('a cut clip verifies up to its last checkpoint; recovery cuts a whole frame whose checkpoint was torn off', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'c.bcc');
  await signedClip(path, 3, { finish: false });
  const whole = readFileSync(path);
  const ok = await verifyClipBuffer(whole, camera.publicKey);
  t.is(ok.frames, 3);
  t.false(ok.closed);
  t.is(ok.endMs, 1_003_000);
  // A power cut between a frame and its checkpoint: the frame is whole, the checkpoint half written.
  const extra = Buffer.alloc(4 + 3000 + 14 + 16, 9);
  extra.writeUInt32BE(3000 + 14 + 16, 0);
  appendFileSync(path, Buffer.concat([extra, Buffer.from([0x80, 0, 0, 110, 2, 0, 0])]));
  await t.throwsAsync(verifyClipFile(path, camera.publicKey), { message: /^unsigned-tail/ });
  const r = await recoverClipFile(path);
  t.is(r.frames, 3);
  t.is(r.cutBytes, extra.length + 7);
  t.deepEqual(readFileSync(path), whole);
  t.is(r.sha256, createHash('sha256').update(whole).digest('hex'));
  t.is((await verifyClipFile(path, camera.publicKey)).frames, 3);
  const d = decryptBuffer(readFileSync(path), evidence.privateKey, { allowTruncated: true });
  t.true(d.stats.truncated);
  t.is(d.stats.segments, 3);
  // The same with only the frame (no checkpoint byte at all).
  writeFileSync(path, Buffer.concat([whole, extra]));
  t.is((await recoverClipFile(path)).cutBytes, extra.length);
  t.deepEqual(readFileSync(path), whole);
});

test('markers (§7.4): signed and chained, read back by the verifier; the clip still decrypts; moving, altering or dropping one is caught', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'm.bcc');
  const w = await ClipWriter.create(path, {
    meta: { clipId: 'clip-m', deviceId: 'cam-1', startedAt: '2026-01-01T00:00:00.000Z' }, epochId: 'epoch-1', publicKey: evidence.publicKey, deviceKey: camera.privateKey,
  });
  const segs = [plainSegment(0, 2000), plainSegment(1, 2000)];
  await w.appendSegment({ startMs: 1_000_000, durationMs: 1000, keyframe: true, data: segs[0]! });
  await w.mark(1_000_400);
  await w.appendSegment({ startMs: 1_001_000, durationMs: 1000, keyframe: true, data: segs[1]! });
  await w.mark(1_001_900);
  await w.finish({ stoppedAtMs: 1_002_000 });
  const f = readFileSync(path);
  const v = await verifyClipBuffer(f, camera.publicKey);
  t.deepEqual(v.markers, [1_000_400, 1_001_900]);
  t.is(v.frames, 3);
  t.true(v.closed);
  t.is(v.checkpoints, 5, 'one checkpoint per frame plus one per marker');
  t.deepEqual(decryptBuffer(f, evidence.privateKey).plaintext, Buffer.concat(segs));
  t.is(inspectClip(path).segmentFrames, 3);
  // Find the first marker block: prefix 0x80000009, type 3.
  const at = f.indexOf(Buffer.from([0x80, 0, 0, 9, 3]));
  t.true(at > 0);
  const moved = Buffer.from(f);
  moved.writeBigUInt64BE(1_000_401n, at + 5);
  await t.throwsAsync(verifyClipBuffer(moved, camera.publicKey), { message: /^bad-signature: chain at frame 1 does not match/ });
  const dropped = Buffer.concat([f.subarray(0, at), f.subarray(at + 13)]);
  await t.throwsAsync(verifyClipBuffer(dropped, camera.publicKey), { message: /^bad-signature: chain at frame 1 does not match/ });
  // A marker written after the last checkpoint (cut before its checkpoint) is an unsigned tail; recovery cuts it.
  const cut = join(dir, 'cut.bcc');
  const c = await ClipWriter.create(cut, {
    meta: { clipId: 'clip-c', deviceId: 'cam-1', startedAt: '2026-01-01T00:00:00.000Z' }, epochId: 'epoch-1', publicKey: evidence.publicKey, deviceKey: camera.privateKey,
  });
  await c.appendSegment({ startMs: 1_000_000, durationMs: 1000, keyframe: true, data: segs[0]! });
  await c.abandon();
  const good = readFileSync(cut);
  appendFileSync(cut, f.subarray(at, at + 13));
  await t.throwsAsync(verifyClipFile(cut, camera.publicKey), { message: /^unsigned-tail/ });
  t.is((await recoverClipFile(cut)).cutBytes, 13);
  t.deepEqual(readFileSync(cut), good);
  // An unsigned (version 1) clip cannot carry a marker.
  const v1 = await ClipWriter.create(join(dir, 'v1.bcc'), { meta: { clipId: 'clip-1', deviceId: 'cam-1', startedAt: '2026-01-01T00:00:00.000Z' }, epochId: 'epoch-1', publicKey: evidence.publicKey });
  await t.throwsAsync(v1.mark(1), { message: /markers need a signed/ });
  await v1.abandon();
});
