// Offload order from signed bytes (shared/clip/priority.ts): the sealed header from a clip's first bytes,
// and a marker proven by two clip-key checkpoints with the same frame count.
import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_BODY_LEN } from '../../shared/clip/format.js';
import { findMarkerProof, markerProven, verifySignedPrefix } from '../../shared/clip/priority.js';
import { ClipWriter } from '../../shared/clip/writer.js';
import { plainSegment, rsaPair, tempDir } from './helpers.js';

const evidence = rsaPair();
const camera = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

async function clip(path: string, clipId: string, marks: ('before' | number)[]): Promise<Buffer> {
  const w = await ClipWriter.create(path, {
    meta: { clipId, deviceId: 'cam-1', startedAt: '2026-01-01T00:00:00.000Z', purpose: 'crime-prevention' },
    epochId: 'epoch-1', publicKey: evidence.publicKey, deviceKey: camera.privateKey,
  });
  if (marks.includes('before')) await w.mark(999_000);
  for (let i = 0; i < 4; i++) {
    await w.appendSegment({ startMs: 1_000_000 + i * 1000, durationMs: 1000, keyframe: true, data: plainSegment(i, 3000) });
    if (marks.includes(i)) await w.mark(1_000_500 + i * 1000);
  }
  await w.finish({ stoppedAtMs: 1_004_250, stopReason: 'long-press' });
  return readFileSync(path);
}

const reader = (b: Buffer) => async (o: number, l: number) => b.subarray(o, o + l);

test('a marked clip: the proof verifies against the sealed header; an unmarked clip has none', async (t) => {
  const dir = tempDir(t);
  const marked = await clip(join(dir, 'm.bcc'), 'clip-m', [1, 2]);
  const plain = await clip(join(dir, 'p.bcc'), 'clip-p', []);
  const early = await clip(join(dir, 'e.bcc'), 'clip-e', ['before']);
  const h = verifySignedPrefix(marked.subarray(0, 4096), camera.publicKey);
  t.is(h.meta.clipId, 'clip-m');
  t.is(h.meta.startedAt, '2026-01-01T00:00:00.000Z');
  const proof = await findMarkerProof(reader(marked), marked.length);
  t.is(proof?.length, 2 * CHECKPOINT_BODY_LEN);
  t.true(markerProven(h, proof!.toString('base64')));
  t.is(await findMarkerProof(reader(plain), plain.length), null);
  // A marker before the first frame: its checkpoint alone (0 frames) is the proof.
  const eProof = await findMarkerProof(reader(early), early.length);
  t.is(eProof?.length, CHECKPOINT_BODY_LEN);
  t.true(markerProven(verifySignedPrefix(early.subarray(0, 4096), camera.publicKey), eProof!.toString('base64')));
});

test('what does not prove a marker: checkpoints of another clip, one repeated, an unmarked pair, garbage; a header sealed by another key', async (t) => {
  const dir = tempDir(t);
  const marked = await clip(join(dir, 'm.bcc'), 'clip-m', [1]);
  const plain = await clip(join(dir, 'p.bcc'), 'clip-p', []);
  const hPlain = verifySignedPrefix(plain.subarray(0, 4096), camera.publicKey);
  const proof = (await findMarkerProof(reader(marked), marked.length))!;
  t.false(markerProven(hPlain, proof.toString('base64')), 'another clip key');
  const hMarked = verifySignedPrefix(marked.subarray(0, 4096), camera.publicKey);
  const second = proof.subarray(CHECKPOINT_BODY_LEN);
  t.false(markerProven(hMarked, Buffer.concat([second, second]).toString('base64')), 'the same checkpoint twice');
  t.false(markerProven(hMarked, second.toString('base64')), 'one checkpoint that covers frames');
  // Two consecutive frame checkpoints of the unmarked clip: signed, but their counts differ.
  const cps: Buffer[] = [];
  for (let off = plain.indexOf(Buffer.from([0x80, 0, 0, 110, 2])); off >= 0; off = plain.indexOf(Buffer.from([0x80, 0, 0, 110, 2]), off + 1)) cps.push(plain.subarray(off + 4, off + 4 + CHECKPOINT_BODY_LEN));
  t.true(cps.length >= 2);
  t.false(markerProven(hPlain, Buffer.concat([cps[0]!, cps[1]!]).toString('base64')), 'frame checkpoints');
  t.false(markerProven(hMarked, 'not base64 at all'));
  t.false(markerProven(hMarked, undefined));
  t.throws(() => verifySignedPrefix(marked.subarray(0, 4096), other.publicKey), { message: /does not verify/ });
  t.throws(() => verifySignedPrefix(marked.subarray(0, 200), camera.publicKey));
});
