// One test per reader rule of docs/clip-format.md §4.1 ("What a reader must check"): clips are built
// here byte by byte from the spec's primitives (so each can break exactly one rule) and the reader must
// refuse each MUST with the named error, and handle each SHOULD as the doc says.
import test from 'ava';
import { constants, createCipheriv, createHash, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { decryptBuffer, parseClipBuffer } from '../../shared/clip/reader.js';
import { encodeHeaderBody, encodeRecordHeader, headerMac, segmentKey, segmentNonce, MAC_LEN } from '../../shared/clip/format.js';
import { rsaPair } from './helpers.js';

const key = rsaPair();
const goodMeta = { v: 1, clipId: 'c-1', deviceId: 'cam-1', startedAt: '2026-01-01T00:00:00.000Z', epochId: 'e1' };
const ts = (packets: number, seed = 0) => {
  const b = Buffer.alloc(188 * packets, seed);
  for (let i = 0; i < packets; i++) b[i * 188] = 0x47;
  return b;
};

interface Rec { type?: number; flags?: number; startMs: number; durationMs: number; payload: Buffer; last?: boolean }

/** A version 1 clip from parts: header (meta and epoch id as given, `patchEpoch` overwrites its bytes) and sealed records. */
function build(o: { meta?: Record<string, unknown>; epochId?: string; patchEpoch?: Buffer; records: Rec[] }): Buffer {
  const dataKey = randomBytes(32);
  const pub = createPublicKey(key.publicKey);
  const wrapped = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, dataKey);
  const keyId = createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest();
  const noncePrefix = randomBytes(7);
  const epochId = o.epochId ?? 'e1';
  const body = encodeHeaderBody({ noncePrefix, wrappedKey: wrapped, keyId, epochId, meta: (o.meta ?? goodMeta) as never });
  if (o.patchEpoch) o.patchEpoch.copy(body, 55 + wrapped.length);
  const header = Buffer.concat([body, headerMac(dataKey, body)]);
  const segKey = segmentKey(dataKey, createHash('sha256').update(header).digest());
  const frames = o.records.map((r, i) => {
    const plain = Buffer.concat([encodeRecordHeader(r.type ?? 1, false, r.startMs, r.durationMs), r.payload]);
    plain[1] = r.flags ?? (r.type === 2 ? 0 : 1);
    const c = createCipheriv('aes-256-gcm', segKey, segmentNonce(noncePrefix, i, r.last ?? r.type === 2));
    const sealed = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(sealed.length);
    return Buffer.concat([len, sealed]);
  });
  return Buffer.concat([header, ...frames]);
}

const video = (i: number, payload = ts(4, i)): Rec => ({ startMs: 1_000_000 + i * 1000, durationMs: 1000, payload });
const final = (o: Partial<Rec> & { meta?: Record<string, unknown> } = {}, segments = 2): Rec => ({
  type: 2, startMs: 1_002_000, durationMs: 0, payload: Buffer.from(JSON.stringify(o.meta ?? { segments, stoppedAtMs: 1_002_000 })), ...o,
});
const clip = (records: Rec[] = [video(0), video(1), final()], o: Omit<Parameters<typeof build>[0], 'records'> = {}) => build({ ...o, records });
const refusedHeader = (t: import('ava').ExecutionContext, buf: Buffer, message: RegExp) =>
  t.throws(() => parseClipBuffer(buf), { message }, 'walked without a key') && t.throws(() => decryptBuffer(buf, key.privateKey), { message });

test('the builder makes a conforming clip (control)', (t) => {
  const { stats, plaintext } = decryptBuffer(clip(), key.privateKey);
  t.is(stats.segments, 2);
  t.is(stats.payloadsNotWholeTs, 0);
  t.is(plaintext.length, 2 * 4 * 188);
  t.deepEqual(stats.finalMeta, { segments: 2, stoppedAtMs: 1_002_000 });
});

test('R1 MUST: H below 93 or above 65536 is bad-header; 93 passes the length check', (t) => {
  const fixed = (h: number) => Buffer.concat([Buffer.from('BCCLIP\x01\x00', 'latin1'), Buffer.from([h >>> 24, (h >>> 16) & 255, (h >>> 8) & 255, h & 255]), Buffer.alloc(200)]);
  t.throws(() => parseClipBuffer(fixed(92)), { message: /^bad-header: bad header: header length 92 out of range/ });
  t.throws(() => parseClipBuffer(fixed(65537)), { message: /^bad-header: bad header: header length 65537 out of range/ });
  // The smallest header the caps allow: W = 1, E = 1, M = 0 (93 bytes). It gets past the length check and fails on its metadata.
  const h = Buffer.alloc(93);
  Buffer.from('BCCLIP\x01\x00', 'latin1').copy(h);
  h.writeUInt32BE(93, 8);
  h.writeUInt16BE(1, 19);
  h.writeUInt16BE(1, 54);
  h[56] = 0x61;
  h.writeUInt32BE(0, 57);
  t.throws(() => parseClipBuffer(h), { message: /^bad-header: bad header: metadata is not JSON/ });
});

test('R2 MUST: metadata.v is 1 (2, or missing, is bad-header)', (t) => {
  refusedHeader(t, clip(undefined, { meta: { ...goodMeta, v: 2 } }), /^bad-header: bad header: metadata\.v must be 1 \(is 2\)/);
  const { v: _v, ...noV } = goodMeta;
  refusedHeader(t, clip(undefined, { meta: noV }), /metadata\.v must be 1/);
});

test('R3 MUST: clipId and deviceId are non-empty strings', (t) => {
  const { deviceId: _d, ...noDevice } = goodMeta;
  refusedHeader(t, clip(undefined, { meta: noDevice }), /^bad-header: bad header: metadata\.deviceId missing/);
  refusedHeader(t, clip(undefined, { meta: { ...goodMeta, clipId: '' } }), /metadata\.clipId missing or not a non-empty string/);
});

test('R4 MUST: startedAt is an ISO-8601 UTC time', (t) => {
  const { startedAt: _s, ...noStart } = goodMeta;
  refusedHeader(t, clip(undefined, { meta: noStart }), /^bad-header: bad header: metadata\.startedAt missing or not an ISO-8601 UTC time/);
  for (const bad of ['now', '2026-01-01 00:00:00Z', '2026-01-01T00:00:00+01:00', '2026-13-45T00:00:00Z']) {
    refusedHeader(t, clip(undefined, { meta: { ...goodMeta, startedAt: bad } }), /metadata\.startedAt/);
  }
  t.notThrows(() => decryptBuffer(clip(undefined, { meta: { ...goodMeta, startedAt: '2026-01-01T00:00:00Z' } }), key.privateKey));
});

test('R5 MUST: no location member at any depth of the header metadata', (t) => {
  refusedHeader(t, clip(undefined, { meta: { ...goodMeta, extra: { fix: { GPS: [55.6, 12.5] } } } }), /^bad-header: bad header: meta\.extra\.fix\.GPS: location fields are not allowed/);
  refusedHeader(t, clip(undefined, { meta: { ...goodMeta, Latitude: 55.6 } }), /meta\.Latitude: location/);
});

test('R6 MUST: the epoch id (and metadata) is valid UTF-8, never decoded lossily', (t) => {
  refusedHeader(t, clip(undefined, { epochId: 'ab', meta: { ...goodMeta, epochId: 'ab' }, patchEpoch: Buffer.from([0xc3, 0x28]) }), /^bad-header: bad header: epochId is not valid UTF-8/);
});

test('R7 MUST: unknown metadata members are ignored', (t) => {
  const { stats } = decryptBuffer(clip(undefined, { meta: { ...goodMeta, futureMember: { a: 1 } } }), key.privateKey);
  t.is(stats.meta.futureMember && (stats.meta.futureMember as { a: number }).a, 1);
});

test('R8 MUST: the final record says how many video records the clip has', (t) => {
  t.throws(() => decryptBuffer(clip([video(0), video(1), final({}, 3)]), key.privateKey), { message: /^bad-record: segment 2 \(final\): segments 3 but the clip has 2 video records/ });
  t.throws(() => decryptBuffer(clip([video(0), video(1), final({ meta: { stoppedAtMs: 1 } })]), key.privateKey), { message: /segments undefined but/ });
  t.throws(() => decryptBuffer(clip([video(0), video(1), final({ meta: [2] as never })]), key.privateKey), { message: /final\): metadata is not a JSON object/ });
});

test('R9 MUST: the final startMs is the end of the last video record (0 with none)', (t) => {
  t.throws(() => decryptBuffer(clip([video(0), video(1), final({ startMs: 1_001_999 })]), key.privateKey), { message: /^bad-record: segment 2 \(final\): startMs 1001999 is not the end of the last video record \(1002000\)/ });
  t.notThrows(() => decryptBuffer(clip([final({ startMs: 0 }, 0)]), key.privateKey));
  t.throws(() => decryptBuffer(clip([final({ startMs: 5 }, 0)]), key.privateKey), { message: /startMs 5 is not the end of the last video record \(0\)/ });
});

test('R10 MUST: the final durationMs is 0 and its flags are 0', (t) => {
  t.throws(() => decryptBuffer(clip([video(0), video(1), final({ durationMs: 1 })]), key.privateKey), { message: /^bad-record: .*durationMs must be 0 \(is 1\)/ });
  t.throws(() => decryptBuffer(clip([video(0), video(1), final({ flags: 1 })]), key.privateKey), { message: /^bad-record: .*flags must be 0/ });
});

test('R11 MUST: no location member in the final metadata either', (t) => {
  t.throws(() => decryptBuffer(clip([video(0), video(1), final({ meta: { segments: 2, end: { position: 'x' } } })]), key.privateKey), { message: /^bad-record: .*finalMeta\.end\.position: location fields are not allowed/ });
});

test('R12 SHOULD: a payload that is not whole TS packets is reported, not refused', (t) => {
  const odd = clip([video(0, Buffer.alloc(777, 1)), video(1, ts(2).fill(0, 188, 189)), final()]);
  const { stats, plaintext } = decryptBuffer(odd, key.privateKey);
  t.is(stats.payloadsNotWholeTs, 2);
  t.is(plaintext.length, 777 + 376);
});

test('R13 MUST: each frame is tried with lastFlag 0, then 1; no final frame at the end is truncation, N names the last whole frame', (t) => {
  const cut = clip([video(0), video(1)]);
  t.throws(() => decryptBuffer(cut, key.privateKey), { message: /^truncated: truncated after segment 1 \(no final segment\)/ });
  t.is(decryptBuffer(cut, key.privateKey, { allowTruncated: true }).stats.segments, 2);
  const headerOnly = clip([]);
  t.throws(() => decryptBuffer(headerOnly, key.privateKey), { message: /^truncated: truncated before segment 0 \(no frame, no final segment\)/ });
  // A video record sealed with lastFlag 1 opens (the flag is tried), but type and flag disagree.
  t.throws(() => decryptBuffer(clip([video(0), { ...video(1), last: true }]), key.privateKey), { message: /^bad-record: segment 1: record type and last flag disagree/ });
});

test('R14 MUST: an impossible frame length is bad-frame even when fewer bytes follow; a possible one cut short is a torn tail', (t) => {
  const whole = clip();
  const s = parseClipBuffer(whole);
  const at = s.frames[1]!.offset;
  const impossible = Buffer.concat([whole.subarray(0, at), Buffer.from([0, 0, 0, 5, 0xaa])]);
  t.throws(() => decryptBuffer(impossible, key.privateKey), { message: /^bad-frame: segment 1 has an impossible length 5/ });
  t.throws(() => decryptBuffer(impossible, key.privateKey, { allowTruncated: true }), { message: /^bad-frame/ });
  const torn = whole.subarray(0, at + 10);
  t.throws(() => decryptBuffer(torn, key.privateKey), { message: /^truncated: segment 1 is torn \(6 of \d+ bytes\)/ });
  t.is(decryptBuffer(torn, key.privateKey, { allowTruncated: true }).stats.segments, 1);
});
