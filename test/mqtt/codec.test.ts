import test from 'ava';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { CHUNK_HEADER_BYTES, ClipMetaSchema, decodeChunk, decodeJson, encodeChunk, encodeJson, missingRanges, sealChunk } from '../../shared/mqtt/codec.js';
import { checkId, parseTopic, topics } from '../../shared/mqtt/topics.js';

test('chunk frame round-trips; header is 44 bytes, big-endian', (t) => {
  const data = randomBytes(5000);
  const f = encodeChunk(7, 4096, data);
  t.is(f.length, 44 + 5000);
  t.is(f.subarray(0, 4).toString('ascii'), 'BCC1');
  t.is(f.readUInt32BE(4), 7);
  t.is(f.readUInt32BE(8), 4096);
  t.throws(() => decodeChunk(f), { message: /data length 5000/ }, 'data longer than chunkSize');
  const g = encodeChunk(7, 8192, data);
  const d = decodeChunk(g);
  t.is(d.index, 7);
  t.true(d.data.equals(data));
});

test('chunk frame: a flipped bit anywhere in the data or hash is refused', (t) => {
  fc.assert(fc.property(fc.integer({ min: 12, max: 44 + 999 }), fc.integer({ min: 0, max: 7 }), (pos, bit) => {
    const f = encodeChunk(1, 1024, randomBytes(1000));
    f[pos] ^= 1 << bit;
    let refused = false;
    try { decodeChunk(f); } catch { refused = true; }
    return refused;
  }), { numRuns: 200 });
  t.throws(() => decodeChunk(Buffer.from('BCC1')), { message: /shorter/ });
  const bad = encodeChunk(0, 1024, Buffer.alloc(10));
  bad[0] = 0x58;
  t.throws(() => decodeChunk(bad), { message: /magic/ });
});

test('missing ranges are exact inclusive ranges', (t) => {
  fc.assert(fc.property(fc.array(fc.boolean(), { maxLength: 200 }), (have) => {
    const ranges = missingRanges(have.length, (i) => have[i]);
    const back = new Array(have.length).fill(true);
    for (const [a, b] of ranges) for (let i = a; i <= b; i++) back[i] = false;
    return back.every((v, i) => v === have[i]) && ranges.every(([a, b], k) => a <= b && (k === 0 || a > ranges[k - 1][1] + 1));
  }));
  t.deepEqual(missingRanges(5, (i) => i === 2), [[0, 1], [3, 4]]);
  t.deepEqual(missingRanges(0, () => false), []);
});

test('topics parse back; ids with separators or wildcards are refused', (t) => {
  t.deepEqual(parseTopic(topics.chunk('dock-1', 'c1', 12)), { kind: 'chunk', dockId: 'dock-1', clipId: 'c1', index: 12 });
  t.deepEqual(parseTopic(topics.meta('d', 'c')), { kind: 'meta', dockId: 'd', clipId: 'c' });
  t.deepEqual(parseTopic(topics.status('d', 'c')), { kind: 'status', dockId: 'd', clipId: 'c' });
  t.deepEqual(parseTopic(topics.ack('d')), { kind: 'ack', dockId: 'd' });
  t.is(parseTopic('bodycam/v1/d/clip/c/chunk/01'), null);
  t.is(parseTopic('bodycam/v2/d/clip/c/meta'), null);
  t.throws(() => checkId('clipId', 'a/b'), { message: /^clipId:/ });
  t.throws(() => checkId('dockId', '+'), { message: /^dockId:/ });
});

test('meta: chunkCount must be ceil(bytes / chunkSize); errors name the field', (t) => {
  const meta = { v: 2, dockId: 'd', clipId: 'c', bytes: 300000, sha256: 'a'.repeat(64), dockCert: 'x', cameraCert: 'y', dockSig: 'z',
    chunkSize: 131072, chunkCount: 3, req: 1 };
  t.is(decodeJson(ClipMetaSchema, encodeJson(meta), 'meta').chunkCount, 3);
  t.throws(() => decodeJson(ClipMetaSchema, encodeJson({ ...meta, chunkCount: 2 }), 'meta'), { message: /^meta: chunkCount:/ });
  t.throws(() => decodeJson(ClipMetaSchema, encodeJson({ ...meta, sha256: 'XYZ' }), 'meta'), { message: /^meta: sha256:/ });
  t.throws(() => decodeJson(ClipMetaSchema, encodeJson({ ...meta, dockSig: undefined }), 'meta'), { message: /^meta: dockSig:/ });
  // Anything else a meta says about the clip is not even read: it comes from the signed clip.
  t.false('startedAt' in decodeJson(ClipMetaSchema, encodeJson({ ...meta, startedAt: '1970-01-01T00:00:00.000Z' }), 'meta'));
  t.throws(() => decodeJson(ClipMetaSchema, Buffer.from('{'), 'meta'), { message: /not JSON/ });
});

test('sealChunk over data read into place gives the same payload as encodeChunk, and it decodes', (t) => {
  const data = randomBytes(5000);
  const frame = Buffer.alloc(CHUNK_HEADER_BYTES + data.length, 0xaa); // header bytes start as garbage
  data.copy(frame, CHUNK_HEADER_BYTES);
  const sealed = sealChunk(frame, 7, 4096 * 2);
  t.true(sealed.equals(encodeChunk(7, 4096 * 2, data)));
  const d = decodeChunk(sealed);
  t.is(d.index, 7);
  t.true(d.data.equals(data));
});
