// An independent decoder written only from docs/clip-format.md, run on the writer's output: if the
// doc and the code drift apart, this fails.
import test from 'ava';
import { constants, createDecipheriv, createHash, createHmac, createPublicKey, hkdfSync, privateDecrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
