// Property tests (fast-check) of the MQTT message parsers with random and mutated inputs: chunk frames,
// topics, the JSON messages (clip meta, status, wipe certificate, device log, ack) and the receipt a
// status carries. Each input is either accepted as exactly what was sent or refused with an Error that
// names the message and the field; nothing else is thrown, nothing is allocated from header fields.
import test from 'ava';
import fc from 'fast-check';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { signDocument, type ReceiptBody } from '../../shared/evidence.js';
import {
  AckSchema, ClipMetaSchema, DeviceLogMessageSchema, StatusSchema, WipeCertMessageSchema, decodeChunk, decodeJson, encodeChunk, encodeJson,
} from '../../shared/mqtt/codec.js';
import { verifyReceipt } from '../../shared/receipt-check.js';
import { parseTopic } from '../../shared/mqtt/topics.js';

const central = generateKeyPairSync('ed25519');
const sha = 'ab'.repeat(32);
const receiptBody: ReceiptBody = { v: 1, kind: 'clip-receipt', clipId: 'c1', deviceId: 'cam-1', sha256: sha, bytes: 300000, storedAt: '2026-01-01T00:00:00Z', storeId: 'central-1' };
const receipt = signDocument(receiptBody, central.privateKey);
const valid: [string, z.ZodType<unknown>, Record<string, unknown>][] = [
  ['meta', ClipMetaSchema, { v: 2, dockId: 'd', clipId: 'c1', bytes: 300000, sha256: sha, dockCert: 'c', cameraCert: 'k', dockSig: 's', chunkSize: 131072, chunkCount: 3, req: 1 }],
  ['status', StatusSchema, { v: 1, clipId: 'c1', req: 1, state: 'missing', missing: [[0, 2]], have: 0 }],
  ['status', StatusSchema, { v: 1, clipId: 'c1', req: 2, state: 'complete', receipt }],
  ['status', StatusSchema, { v: 1, clipId: 'c1', req: 3, state: 'rejected', reason: 'hash' }],
  ['wipe-cert', WipeCertMessageSchema, { v: 2, deviceId: 'cam-1', clipId: 'c1', cert: receipt, dockCert: 'c', cameraCert: 'k', dockSig: 's' }],
  ['device-log', DeviceLogMessageSchema, { v: 2, deviceId: 'cam-1', entries: [{ seq: 1, at: 'a', type: 't', data: {}, prevHash: '', hash: 'h' }], head: receipt, dockCert: 'c', cameraCert: 'k', dockSig: 's' }],
  ['ack', AckSchema, { v: 1, kind: 'device-log', deviceId: 'cam-1', seq: 4, ref: sha }],
];
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined), fc.constant(-1), fc.constant(1e300), fc.constant('x'.repeat(5000)));

/** Mutate a JSON object: replace, drop or add a field (also inside nested objects), or flip/cut its bytes. */
const mutatedJson = fc.tuple(fc.constantFrom(...valid), fc.nat(), anyValue, fc.constantFrom('replace', 'drop', 'add', 'nested', 'flip', 'cut')).map(([[what, schema, obj], k, v, how]) => {
  const keys = Object.keys(obj);
  const key = keys[k % keys.length]!;
  let payload: Buffer;
  if (how === 'replace') payload = encodeJson({ ...obj, [key]: v });
  else if (how === 'drop') payload = encodeJson(Object.fromEntries(Object.entries(obj).filter(([f]) => f !== key)));
  else if (how === 'add') payload = encodeJson({ ...obj, extra: v });
  else if (how === 'nested') payload = encodeJson(JSON.parse(JSON.stringify(obj), (_, x) => (x && typeof x === 'object' && !Array.isArray(x) && 'sig' in x ? { ...x, sig: v } : x)));
  else {
    payload = encodeJson(obj);
    if (how === 'flip') payload[k % payload.length] ^= 1 << (k % 8);
    else payload = payload.subarray(0, k % payload.length);
  }
  return { what, schema, payload };
});

test('JSON messages: mutated and random payloads are accepted as valid or refused naming the message and field', (t) => {
  const random = fc.tuple(fc.constantFrom(...valid), fc.oneof(fc.jsonValue().map(encodeJson), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a))))
    .map(([[what, schema], payload]) => ({ what, schema, payload }));
  let refused = 0;
  fc.assert(fc.property(fc.oneof(mutatedJson, random), ({ what, schema, payload }) => {
    try {
      const v = decodeJson(schema, payload, what);
      // Accepted: it must be something the schema itself accepts, from the very bytes given.
      return schema.safeParse(JSON.parse(payload.toString('utf8'))).success && v !== undefined;
    } catch (err) {
      refused++;
      return err instanceof Error && new RegExp(`^${what}: (payload is not JSON|[\\w.()]+: .+)`).test(err.message);
    }
  }), { numRuns: 2000 });
  t.true(refused > 500, `refused ${refused}`);
});

test('chunk frames: random bytes and rewritten headers never crash; accepted only when the data matches its hash', (t) => {
  const frame = fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 1100 }), fc.nat(), fc.nat({ max: 0xffffffff }), fc.constantFrom('index', 'size', 'hash', 'cut', 'grow', 'none', 'noise'))
    .map(([data, k, n, how]) => {
      const f = encodeChunk(k % 100, 1024 + (k % 2) * 4096, Buffer.from(data));
      if (how === 'index') f.writeUInt32BE(n, 4);
      if (how === 'size') f.writeUInt32BE(n, 8);
      if (how === 'hash') f[12 + (k % 32)] ^= 1;
      if (how === 'cut') return f.subarray(0, k % f.length);
      if (how === 'grow') return Buffer.concat([f, randomBytes(1 + (k % 5000))]);
      if (how === 'noise') return randomBytes(k % 200);
      return f;
    });
  fc.assert(fc.property(frame, (payload) => {
    try {
      const c = decodeChunk(payload);
      return c.data.length <= c.chunkSize && createHash('sha256').update(c.data).digest().equals(c.sha256) && c.data.buffer === payload.buffer;
    } catch (err) {
      return err instanceof Error && /^chunk( \d+)?: /.test(err.message);
    }
  }), { numRuns: 3000 });
  t.pass();
});

test('topics: random and mutated topic strings parse to a well-formed topic or null, never throw', (t) => {
  const parts = fc.constantFrom('bodycam', 'v1', 'v2', 'dock-1', 'clip', 'c1', 'chunk', 'meta', 'status', 'ack', 'wipe-cert', 'device-log', '0', '01', '4294967296', '+', '#', '', 'a b');
  fc.assert(fc.property(fc.oneof(fc.array(parts, { maxLength: 8 }).map((p) => p.join('/')), fc.string({ maxLength: 80 })), (topic) => {
    const p = parseTopic(topic);
    if (p === null) return true;
    return topic.startsWith(`bodycam/v1/${p.dockId}/`) && (p.kind !== 'chunk' || (Number.isSafeInteger(p.index) && p.index >= 0 && p.index < 1e9));
  }), { numRuns: 3000 });
  t.pass();
});

test('receipts in a status: any change to body, signature or key id is refused; only the signed receipt for this clip passes', (t) => {
  const expect = { clipId: 'c1', deviceId: 'cam-1', sha256: sha, bytes: 300000 };
  t.is(verifyReceipt(receipt, central.publicKey, expect).clipId, 'c1');
  fc.assert(fc.property(fc.constantFrom('body', 'sig', 'swap', 'field'), fc.nat(), anyValue, (how, k, v) => {
    const doc = { ...receipt };
    if (how === 'body') doc.body = doc.body.slice(0, k % doc.body.length) + String.fromCharCode(33 + (k % 90)) + doc.body.slice((k % doc.body.length) + 1);
    if (how === 'sig') doc.sig = Buffer.from(Buffer.from(doc.sig, 'base64').map((b, i) => (i === k % 64 ? b ^ 1 : b))).toString('base64');
    if (how === 'swap') Object.assign(doc, { sig: v, body: v });
    if (how === 'field') doc.body = JSON.stringify({ ...JSON.parse(doc.body), [['clipId', 'deviceId', 'sha256', 'bytes', 'kind', 'v'][k % 6]!]: v });
    if (doc.body === receipt.body && doc.sig === receipt.sig) return true; // the mutation happened to change nothing
    try {
      verifyReceipt(doc, central.publicKey, expect);
      return false;
    } catch (err) {
      return err instanceof Error && err.message.length > 0;
    }
  }), { numRuns: 1000 });
  // Genuine receipts for another clip or with another hash are refused too.
  t.throws(() => verifyReceipt(receipt, central.publicKey, { ...expect, clipId: 'c2' }), { message: /receipt is for clip c1, not c2/ });
  t.throws(() => verifyReceipt(receipt, central.publicKey, { ...expect, sha256: 'cd'.repeat(32) }), { message: /sha256/ });
});
