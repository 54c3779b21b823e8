// An independent decoder written only from docs/clip-format.md, run on the writer's output: if the
// doc and the code drift apart, this fails.
import test from 'ava';
import { constants, createDecipheriv, createHash, createHmac, createPublicKey, generateKeyPairSync, hkdfSync, privateDecrypt, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeMarker } from '../../shared/clip/format.js';
import { ClipWriter } from '../../shared/clip/writer.js';
import { rsaPair, tempDir, writeClip } from './helpers.js';

const key = rsaPair();

test('docs/clip-format.md describes the bytes the writer produces', async (t) => {
  const path = join(tempDir(t), 'c.bcc');
  const segs = await writeClip(path, key.publicKey, 3, { bytes: 777 });
  const f = readFileSync(path);
  t.is(f.subarray(0, 6).toString('ascii'), 'BCCLIP');
  t.is(f[6], 1);
  t.is(f[7], 0);
  const H = f.readUInt32BE(8);
  const prefix = f.subarray(12, 19);
  const W = f.readUInt16BE(19);
  const wrapped = f.subarray(21, 21 + W);
  const keyId = f.subarray(21 + W, 53 + W);
  const E = f.readUInt16BE(53 + W);
  const epoch = f.subarray(55 + W, 55 + W + E).toString('utf8');
  const M = f.readUInt32BE(55 + W + E);
  const meta = JSON.parse(f.subarray(59 + W + E, 59 + W + E + M).toString('utf8'));
  t.is(H, 91 + W + E + M);
  t.is(epoch, 'epoch-1');
  t.is(meta.epochId, epoch);
  t.is(meta.v, 1);
  t.deepEqual(keyId, createHash('sha256').update(createPublicKey(key.publicKey).export({ type: 'spki', format: 'der' })).digest());
  const dataKey = privateDecrypt({ key: key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped);
  const macKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'bodycam-clip v1 header mac key', 32));
  t.deepEqual(createHmac('sha256', macKey).update(f.subarray(0, H - 32)).digest(), f.subarray(H - 32, H));
  const headerHash = createHash('sha256').update(f.subarray(0, H)).digest();
  const segKey = Buffer.from(hkdfSync('sha256', dataKey, headerHash, 'bodycam-clip v1 segment key', 32));

  const records: Buffer[] = [];
  let off = H;
  for (let i = 0; off < f.length; i++) {
    const L = f.readUInt32BE(off);
    const body = f.subarray(off + 4, off + 4 + L);
    const last = off + 4 + L === f.length;
    const nonce = Buffer.concat([prefix, Buffer.from([0, 0, 0, i, last ? 1 : 0])]);
    const d = createDecipheriv('aes-256-gcm', segKey, nonce);
    d.setAuthTag(body.subarray(L - 16));
    records.push(Buffer.concat([d.update(body.subarray(0, L - 16)), d.final()]));
    off += 4 + L;
  }
  t.is(records.length, 4);
  for (let i = 0; i < 3; i++) {
    const r = records[i]!;
    t.is(r[0], 1);
    t.is(r[1], 1);
    t.is(Number(r.readBigUInt64BE(2)), 1_000_000 + i * 1000);
    t.is(r.readUInt32BE(10), 1000);
    t.deepEqual(r.subarray(14), segs[i]);
  }
  const fin = records[3]!;
  t.is(fin[0], 2);
  t.is(Number(fin.readBigUInt64BE(2)), 1_003_000);
  const fm = JSON.parse(fin.subarray(14).toString('utf8'));
  t.is(fm.segments, 3);
  t.is(fm.stoppedAtMs, 1_003_000);
});

test('docs/clip-format.md §7 describes the signatures and markers of a version 2 clip', async (t) => {
  const path = join(tempDir(t), 's.bcc');
  const identity = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const w = await ClipWriter.create(path, {
    meta: { clipId: 'clip-2', deviceId: 'cam-1', startedAt: '2026-01-01T00:00:00.000Z' }, epochId: 'epoch-1', publicKey: key.publicKey,
    deviceKey: identity.privateKey,
  });
  for (let i = 0; i < 2; i++) {
    await w.appendSegment({ startMs: 5000 + i * 1000, durationMs: 1000, keyframe: true, data: Buffer.alloc(500, i) });
    if (i === 0) await w.mark(5500);
  }
  await w.finish({ stoppedAtMs: 7400 });
  const f = readFileSync(path);
  t.is(f[6], 2);
  const H = f.readUInt32BE(8);
  const W = f.readUInt16BE(19);
  const E = f.readUInt16BE(53 + W);
  const M = f.readUInt32BE(55 + W + E);
  const meta = JSON.parse(f.subarray(59 + W + E, 59 + W + E + M).toString('utf8'));
  t.regex(meta.clipKey, /^[0-9a-f]{64}$/);
  const headerHash = createHash('sha256').update(f.subarray(0, H)).digest();
  // Header seal at H: prefix 0x80000000 | B, type 1, RSA-PSS SHA-256 salt 32.
  const sealPrefix = f.readUInt32BE(H);
  t.is(sealPrefix >>> 31, 1);
  const B = sealPrefix & 0x7fffffff;
  t.is(B, 257);
  t.is(f[H + 4], 1);
  const sealMsg = Buffer.concat([Buffer.from('bodycam-clip v2 header seal', 'ascii'), headerHash]);
  t.true(verify('sha256', sealMsg, { key: identity.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, f.subarray(H + 5, H + 4 + B)));
  const clipKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(meta.clipKey, 'hex')]), format: 'der', type: 'spki' });
  let n = 0;
  const checkpoints: { n: number; flags: number; endMs: number }[] = [];
  const markers: number[] = [];
  for (let off = H + 4 + B; off < f.length;) {
    const p = f.readUInt32BE(off);
    if (p >>> 31 && f[off + 4] === 3) {
      // §7.4 marker: 9-byte body (type 3, markMs uint64), covered by the next checkpoint's hash like a frame.
      t.is(p & 0x7fffffff, 9);
      markers.push(Number(f.readBigUInt64BE(off + 5)));
      off += 13;
    } else if (p >>> 31) {
      const body = f.subarray(off + 4, off + 4 + (p & 0x7fffffff));
      t.is(body.length, 110);
      t.is(body[0], 2);
      const cp = { n: body.readUInt32BE(2), flags: body[1]!, endMs: Number(body.readBigUInt64BE(6)) };
      t.is(cp.n, n);
      const chain = createHash('sha256').update(f.subarray(0, off)).digest(); // everything stored before the block
      t.deepEqual(body.subarray(14, 46), chain);
      const msg = Buffer.concat([Buffer.from('bodycam-clip v2 checkpoint', 'ascii'), body.subarray(2, 6), body.subarray(1, 2), body.subarray(6, 14), chain]);
      t.true(verify(null, msg, clipKey, body.subarray(46)));
      checkpoints.push(cp);
      off += 4 + body.length;
    } else {
      n++;
      off += 4 + p;
    }
  }
  t.deepEqual(markers, [5500]);
  // §7.4's worked example, byte for byte.
  t.is(encodeMarker(Date.parse('2026-01-01T00:00:05.500Z')).toString('hex'), '80000009030000019b76dabd7c');
  t.deepEqual(checkpoints, [{ n: 1, flags: 0, endMs: 6000 }, { n: 1, flags: 0, endMs: 6000 }, { n: 2, flags: 0, endMs: 7000 }, { n: 3, flags: 1, endMs: 7400 }]);
});
