import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClipError, decryptBuffer, parseClipBuffer } from '../../shared/clip/reader.js';
import { ClipWriter } from '../../shared/clip/writer.js';
import { plainSegment, rsaPair, tempDir, writeClip } from './helpers.js';

const key = rsaPair();
const other = rsaPair();

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ClipError) return `${err.reason} | ${err.message}`;
    return `other | ${(err as Error).message}`;
  }
  return 'no error';
}

async function clip(t: Parameters<typeof tempDir>[0], n = 4, o: Parameters<typeof writeClip>[3] = {}): Promise<{ buf: Buffer; segs: Buffer[]; path: string }> {
  const path = join(tempDir(t), 'c.bcc');
  const segs = await writeClip(path, key.publicKey, n, o);
  return { buf: readFileSync(path), segs, path };
}

test('round trip: every segment comes back in order with metadata', async (t) => {
  const { buf, segs } = await clip(t, 5);
  const { stats, plaintext } = decryptBuffer(buf, key.privateKey);
  t.deepEqual(plaintext, Buffer.concat(segs));
  t.is(stats.segments, 5);
  t.false(stats.truncated);
  t.is(stats.meta.clipId, 'clip-1');
  t.is(stats.meta.epochId, 'epoch-1');
  t.is(stats.finalMeta?.stopReason, 'long-press');
  t.is(stats.finalMeta?.segments, 5);
  t.is(stats.firstStartMs, 1_000_000);
  t.is(stats.lastEndMs, 1_005_000);
});

test('empty clip (header + final only) round-trips', async (t) => {
  const { buf } = await clip(t, 0);
  const { stats, plaintext } = decryptBuffer(buf, key.privateKey);
  t.is(plaintext.length, 0);
  t.is(stats.segments, 0);
  t.truthy(stats.finalMeta);
});

test('file sizes follow the documented framing', async (t) => {
  const { buf } = await clip(t, 3, { bytes: 1000 });
  const s = parseClipBuffer(buf);
  t.is(s.frames.length, 4);
  for (const f of s.frames.slice(0, 3)) t.is(f.length, 14 + 1000 + 16);
  t.is(buf.length, s.header.headerLen + 3 * (4 + 1030) + 4 + s.frames[3]!.length);
  t.is(s.header.wrappedKey.length, 256);
});

test('flipping a byte in the metadata is refused as header tampering', async (t) => {
  const { buf } = await clip(t);
  const s = parseClipBuffer(buf);
  const i = buf.indexOf(Buffer.from('crime-prevention'));
  const bad = Buffer.from(buf);
  bad[i] = 'C'.charCodeAt(0);
  t.regex(reason(() => decryptBuffer(bad, key.privateKey)), /^header-tampered/);
  const bad2 = Buffer.from(buf);
  bad2[12] ^= 1; // nonce prefix
  t.regex(reason(() => decryptBuffer(bad2, key.privateKey)), /^header-tampered/);
  const bad3 = Buffer.from(buf);
  bad3[s.header.headerLen - 1] ^= 1; // the MAC itself
  t.regex(reason(() => decryptBuffer(bad3, key.privateKey)), /^header-tampered/);
});

test('flipping a byte in the key wrap or the magic is refused with the reason', async (t) => {
  const { buf } = await clip(t);
  const bad = Buffer.from(buf);
  bad[12 + 7 + 2 + 100] ^= 0x40;
  t.regex(reason(() => decryptBuffer(bad, key.privateKey)), /^key-wrap/);
  const bad2 = Buffer.from(buf);
  bad2[0] = 0;
  t.regex(reason(() => decryptBuffer(bad2, key.privateKey)), /^bad-magic/);
});

test('flipping a byte inside any segment names that segment', async (t) => {
  const { buf } = await clip(t, 4);
  const s = parseClipBuffer(buf);
  for (const f of s.frames) {
    const bad = Buffer.from(buf);
    bad[f.offset + 4 + Math.floor(f.length / 2)] ^= 0x01;
    t.regex(reason(() => decryptBuffer(bad, key.privateKey)), new RegExp(`^tampered \\| tampered: segment ${f.index} `));
  }
});

test('dropping the final segment or cutting mid-segment is truncation; allowTruncated gives the verified prefix', async (t) => {
  const { buf, segs } = await clip(t, 4);
  const s = parseClipBuffer(buf);
  const noFinal = buf.subarray(0, s.frames[4]!.offset);
  t.regex(reason(() => decryptBuffer(noFinal, key.privateKey)), /^truncated \| truncated: truncated after segment 3/);
  const r1 = decryptBuffer(noFinal, key.privateKey, { allowTruncated: true });
  t.true(r1.stats.truncated);
  t.deepEqual(r1.plaintext, Buffer.concat(segs));
  const mid = buf.subarray(0, s.frames[2]!.offset + 100);
  t.regex(reason(() => decryptBuffer(mid, key.privateKey)), /^truncated .*segment 2 is torn/);
  const r2 = decryptBuffer(mid, key.privateKey, { allowTruncated: true });
  t.is(r2.stats.segments, 2);
  t.deepEqual(r2.plaintext, Buffer.concat(segs.slice(0, 2)));
  // dropping whole middle segments also cannot pass: counters no longer line up
  const gap = Buffer.concat([buf.subarray(0, s.frames[1]!.offset), buf.subarray(s.frames[2]!.offset)]);
  t.regex(reason(() => decryptBuffer(gap, key.privateKey, { allowTruncated: true })), /^reordered .*position 1 was written as segment 2/);
});

test('a final segment cannot be moved up to hide the tail, and trailing bytes are refused', async (t) => {
  const { buf } = await clip(t, 3);
  const s = parseClipBuffer(buf);
  const fin = buf.subarray(s.frames[3]!.offset);
  const early = Buffer.concat([buf.subarray(0, s.frames[1]!.offset), fin]);
  t.regex(reason(() => decryptBuffer(early, key.privateKey)), /^reordered .*position 1 was written as segment 3/);
  const trailing = Buffer.concat([buf, Buffer.from([0, 0])]);
  t.regex(reason(() => decryptBuffer(trailing, key.privateKey)), /^trailing-data/);
});

test('swapping two segments is refused as reordering', async (t) => {
  const { buf } = await clip(t, 4);
  const s = parseClipBuffer(buf);
  const f = s.frames;
  const frame = (i: number): Buffer => buf.subarray(f[i]!.offset, f[i]!.offset + 4 + f[i]!.length);
  const swapped = Buffer.concat([buf.subarray(0, f[0]!.offset), frame(0), frame(2), frame(1), frame(3), frame(4)]);
  t.regex(reason(() => decryptBuffer(swapped, key.privateKey)), /^reordered .*position 1 was written as segment 2/);
});

test('a segment from another clip (same key, same position) is refused', async (t) => {
  const a = await clip(t, 3);
  const b = await clip(t, 3, { tag: 'other', clipId: 'clip-2' });
  const fa = parseClipBuffer(a.buf).frames;
  const fb = parseClipBuffer(b.buf).frames;
  const alien = b.buf.subarray(fb[1]!.offset, fb[1]!.offset + 4 + fb[1]!.length);
  const mixed = Buffer.concat([a.buf.subarray(0, fa[1]!.offset), alien, a.buf.subarray(fa[2]!.offset)]);
  t.regex(reason(() => decryptBuffer(mixed, key.privateKey)), /^tampered .*segment 1 .*another clip/);
});

test('the wrong private key gets a clear error', async (t) => {
  const { buf } = await clip(t);
  t.regex(reason(() => decryptBuffer(buf, other.privateKey)), /^wrong-key \| .*wrapped to key/);
  t.regex(reason(() => decryptBuffer(buf, 'not a key')), /^wrong-key/);
});

test('the writer refuses location metadata and non-RSA keys', async (t) => {
  const dir = tempDir(t);
  await t.throwsAsync(
    ClipWriter.create(join(dir, 'x.bcc'), { meta: { clipId: 'a', deviceId: 'd', startedAt: 'now', where: { lat: 1 } }, epochId: 'e', publicKey: key.publicKey }),
    { message: /meta\.where\.lat: location/ },
  );
  const { generateKeyPairSync } = await import('node:crypto');
  const ed = generateKeyPairSync('ed25519').publicKey;
  await t.throwsAsync(ClipWriter.create(join(dir, 'y.bcc'), { meta: { clipId: 'a', deviceId: 'd', startedAt: 'now' }, epochId: 'e', publicKey: ed }), { message: /RSA/ });
});

test('no plaintext window of the segments appears in the clip file', async (t) => {
  const { buf, segs } = await clip(t, 3);
  for (const s of segs) for (let o = 0; o + 32 <= s.length; o += 32) t.is(buf.indexOf(s.subarray(o, o + 32)), -1);
  writeFileSync(join(tempDir(t), 'unused'), '');
  t.pass();
});
