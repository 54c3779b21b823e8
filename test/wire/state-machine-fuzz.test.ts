// Property tests (fast-check) of the serial protocol's state machines with random and mutated message
// sequences: the camera responder (firmware/dock-link.ts) before and after authentication, on the real
// vault, and the dock session (dock-agent/serial/session.ts) against a hostile camera. Never a crash,
// never a hang (every request answers within its timeout), never clip data or a wipe before auth,
// every refusal a WireError with a code and a reason.
import test from 'ava';
import fc from 'fast-check';
import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { duplexPair } from '../../hardware-sim/serial.js';
import { signData } from '../../shared/crypto.js';
import type { CameraVault, ClipSummary } from '../../shared/evidence.js';
import { FrameLink, RequestTimeoutError, RpcClient, RpcServer } from '../../shared/wire/link.js';
import { MsgType, NONCE_BYTES, WireError, authInput, decodeJson, encodeJson } from '../../shared/wire/messages.js';
import { plainSegment, tempDir } from '../clip/helpers.js';
import { openVault, receiptFor } from '../clip/vault-helpers.js';
import { makePki, startCamera } from './helpers.js';

const pki = makePki();
// NAK is a link-level signal ("resend"), not a request: the responder rightly never answers one.
const types = [...Object.values(MsgType).filter((x) => x !== MsgType.NAK), 0x00, 0x20, 0x41, 0x5f, 0x60, 0xff];
const dockDer = new X509Certificate(pki.dock.certPem).raw;

/** A real vault holding one closed clip; every vault call is recorded. */
async function vaultWithClip(t: Parameters<typeof tempDir>[0]) {
  const { vault, log } = openVault(tempDir(t));
  t.teardown(() => (vault.close(), log.close()));
  const c = await vault.beginClip({ startedAtMs: 1_700_000_000_000, purpose: 'fuzz' });
  for (let i = 0; i < 3; i++) await c.appendSegment({ startMs: i * 1000, durationMs: 1000, keyframe: true, data: plainSegment(i, 4096, 'fuzz') });
  const clip = await c.close(1_700_000_003_000);
  const file = readFileSync(join(vault.clipsDir, `${clip.clipId}.bcc`));
  const calls: string[] = [];
  const tracked: CameraVault = {
    list: () => (calls.push('list'), vault.list()),
    readChunk: (id, off, len) => (calls.push('read'), vault.readChunk(id, off, len)),
    wipe: (id, r) => (calls.push('wipe'), vault.wipe(id, r)),
  };
  return { vault, tracked, calls, clip, file };
}

/** Valid-looking requests to mutate: every type with plausible fields (the WIPE receipt is signed by another key). */
function corpus(clip: ClipSummary) {
  const forged = receiptFor(clip, {}, generateKeyPairSync('ed25519').privateKey);
  return [
    [MsgType.HELLO, { v: 1, cert: dockDer.toString('base64'), nonce: randomBytes(NONCE_BYTES).toString('base64') }],
    [MsgType.AUTH, { sig: randomBytes(64).toString('base64') }],
    [MsgType.LIST_CLIPS, {}],
    [MsgType.READ, { clipId: clip.clipId, offset: 0, length: 1024 }],
    [MsgType.HASH_RANGE, { clipId: clip.clipId, length: clip.bytes }],
    [MsgType.WIPE, { clipId: clip.clipId, receipt: forged }],
    [MsgType.GET_LOG, { sinceSeq: 0 }],
    [MsgType.SET_CLOCK, { epochMs: 1_700_000_000_000 }],
    [MsgType.INSTALL_EPOCHS, { epochs: [forged] }],
    [MsgType.BYE, {}],
  ] as const;
}

const weird = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 40 }), fc.constant(-1),
  fc.constant(2 ** 53), fc.constant('x'.repeat(20_000)), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));

/** A request: a corpus entry with a field replaced or dropped, its bytes flipped or cut, or noise. */
function requests(clip: ClipSummary, allowed: readonly number[]) {
  const base = corpus(clip).filter(([type]) => allowed.includes(type));
  const mutated = fc.tuple(fc.constantFrom(...base), fc.nat(), weird, fc.constantFrom('replace', 'drop', 'flip', 'cut', 'as-is')).map(([[type, body], k, v, how]) => {
    const keys = Object.keys(body);
    const key = keys.length ? keys[k % keys.length]! : 'x';
    if (how === 'replace') return { type, payload: encodeJson({ ...body, [key]: v }) };
    if (how === 'drop') return { type, payload: encodeJson(Object.fromEntries(Object.entries(body).filter(([f]) => f !== key))) };
    const bytes = encodeJson(body);
    if (how === 'flip' && bytes.length) bytes[k % bytes.length] ^= 1 << (k % 8);
    return { type, payload: how === 'cut' ? bytes.subarray(0, k % (bytes.length + 1)) : bytes };
  });
  const noise = fc.record({ type: fc.constantFrom(...allowed), payload: fc.oneof(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), fc.jsonValue({ maxDepth: 2 }).map(encodeJson)) });
  return fc.array(fc.oneof(mutated, noise), { minLength: 1, maxLength: 12 });
}

/** Send one request; a timeout (no answer) or anything but a WireError fails the property. */
async function ask(rpc: RpcClient, type: number, payload: Buffer): Promise<{ ok: true; body: Buffer } | { ok: false; err: WireError }> {
  try {
    return { ok: true, body: await rpc.request(type, payload, { retries: 0, timeoutMs: 3000 }) };
  } catch (err) {
    if (err instanceof RequestTimeoutError) throw new Error(`type 0x${type.toString(16)}: no answer (hang)`);
    if (!(err instanceof WireError) || !err.reason) throw new Error(`type 0x${type.toString(16)}: not a WireError with a reason: ${String(err)}`);
    return { ok: false, err };
  }
}

const windows = (b: Buffer, n = 32) => Array.from({ length: Math.floor(b.length / n) }, (_, i) => b.subarray(i * n, (i + 1) * n));

test('camera before auth: random and mutated requests get errors (HELLO aside), no clip byte, vault untouched', async (t) => {
  const { tracked, calls, clip, file } = await vaultWithClip(t);
  const secret = windows(file.subarray(700));
  await fc.assert(fc.asyncProperty(requests(clip, types), async (seq) => {
    const [dockEnd, camEnd] = duplexPair();
    const cam = startCamera(camEnd, pki, tracked);
    const rpc = new RpcClient(new FrameLink(dockEnd));
    try {
      for (const { type, payload } of seq) {
        const r = await ask(rpc, type, payload);
        if (r.ok && type !== MsgType.HELLO) throw new Error(`type 0x${type.toString(16)} answered before auth`);
        if (r.ok && secret.some((w) => r.body.includes(w))) throw new Error('clip bytes in a HELLO answer');
      }
    } finally {
      cam.close();
    }
    if (calls.length) throw new Error(`vault called before auth: ${calls.join(',')}`);
  }), { numRuns: 60 });
  t.deepEqual(calls, []);
});

test('camera after auth: random and mutated requests answer or refuse with a code; the clip is intact and still served', async (t) => {
  const { tracked, clip, vault } = await vaultWithClip(t);
  const [dockEnd, camEnd] = duplexPair();
  const cam = startCamera(camEnd, pki, tracked);
  t.teardown(() => cam.close());
  const session = await openCameraSession({ line: dockEnd, identity: pki.dock, caCertPem: pki.ca.certPem });
  // HELLO, AUTH and BYE restart the handshake by design; the rest must keep the session usable.
  const postAuth = types.filter((x) => x !== MsgType.HELLO && x !== MsgType.AUTH && x !== MsgType.BYE);
  const refused: number[] = [];
  await fc.assert(fc.asyncProperty(requests(clip, postAuth), async (seq) => {
    for (const { type, payload } of seq) {
      const r = await ask(session.rpc, type, payload);
      if (!r.ok) refused.push(r.err.code);
    }
  }), { numRuns: 60 });
  t.true(refused.length > 0);
  t.deepEqual(vault.list(), [clip], 'the clip is still listed, unchanged (no forged receipt wiped it)');
  const got = await session.rpc.request(MsgType.READ, encodeJson({ clipId: clip.clipId, offset: 0, length: clip.bytes }));
  t.is(createHash('sha256').update(got).digest('hex'), clip.sha256 ?? '');
});

const camDer = new X509Certificate(pki.camera.certPem).raw;

/** A camera that authenticates properly (it holds a real camera certificate), then answers with `answer`. */
function hostileCamera(line: Parameters<typeof startCamera>[0], answer: (type: number, p: Buffer) => Promise<Buffer>) {
  return new RpcServer(new FrameLink(line), async (type, p) => {
    if (type === MsgType.HELLO) {
      const nonce = Buffer.from(String(decodeJson<{ nonce?: string }>(p, 'HELLO').nonce), 'base64');
      const own = randomBytes(NONCE_BYTES);
      return encodeJson({ v: 1, cert: camDer.toString('base64'), nonce: own.toString('base64'), sig: signData(pki.camera.keyPem, authInput('camera', nonce, own, dockDer, camDer)).toString('base64') });
    }
    if (type === MsgType.AUTH || type === MsgType.BYE) return encodeJson({ ok: true });
    return answer(type, p);
  }, () => false);
}

test('dock session: a camera answering GET_LOG with "more" but no progress is refused, not looped on', async (t) => {
  const [dockEnd, camEnd] = duplexPair();
  let pages = 0;
  hostileCamera(camEnd, async () => (pages++, encodeJson({ entries: [{ seq: 5, at: '', type: 't', data: {}, prevHash: '', hash: '' }], more: true })));
  const s = await openCameraSession({ line: dockEnd, identity: pki.dock, caCertPem: pki.ca.certPem });
  await t.throwsAsync(s.fetchLog(0), { message: /entry seq 5 does not follow 5/ });
  t.is(pages, 2);
  await s.close();
});

test('dock session against a hostile camera: every call resolves or fails with an Error, a pulled file always matches its hash', async (t) => {
  const dir = tempDir(t);
  const reply = fc.oneof(fc.jsonValue({ maxDepth: 3 }).map(encodeJson), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    fc.constantFrom('wire-error', 'silence'), fc.record({ clips: fc.array(fc.record({
      clipId: fc.constantFrom('c1', 'c2', '../x', ''), deviceId: fc.constantFrom('cam-7', 'cam-8'), state: fc.constantFrom('closed', 'recording'),
      bytes: fc.integer({ min: -1, max: 5000 }), sha256: fc.oneof(fc.constant(createHash('sha256').update(Buffer.alloc(100, 1)).digest('hex')), fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a).toString('hex'))),
    }), { maxLength: 2 }) }).map(encodeJson),
    fc.record({ entries: fc.array(fc.record({ seq: fc.integer({ min: 0, max: 3 }) }), { maxLength: 3 }), more: fc.boolean() }).map(encodeJson));
  let n = 0;
  let opened = 0;
  await fc.assert(fc.asyncProperty(fc.array(reply, { minLength: 8, maxLength: 8 }), fc.boolean(), async (replies, honestReads) => {
    const [dockEnd, camEnd] = duplexPair();
    let k = 0;
    hostileCamera(camEnd, async (type, p) => {
      if (type === MsgType.READ && honestReads) {
        const r = decodeJson<{ offset: number; length: number }>(p, 'READ');
        return Buffer.alloc(Math.max(0, Math.min(r.length, 100 - r.offset)), 1);
      }
      const a = replies[k++ % replies.length]!;
      if (a === 'wire-error') throw new WireError(9, 'fuzzed refusal');
      if (a === 'silence') return new Promise<Buffer>(() => undefined);
      return a;
    });
    // Short timeouts keep the silent answers cheap; on a loaded machine the (honest) handshake itself
    // may then time out, which is an Error like any other: count the sessions that did open.
    const s = await openCameraSession({ line: dockEnd, identity: pki.dock, caCertPem: pki.ca.certPem, timeoutMs: 150, retries: 0 }).catch((err: unknown) => {
      if (err instanceof Error) return undefined;
      throw err;
    });
    if (!s) return;
    opened++;
    const settle = async (what: string, p: Promise<unknown>) => {
      try {
        return await p;
      } catch (err) {
        if (!(err instanceof Error) || !err.message) throw new Error(`${what}: rejected with ${String(err)}`);
        return undefined;
      }
    };
    const clips = (await settle('listClips', s.listClips())) as ClipSummary[] | undefined;
    for (const c of clips ?? []) {
      const dest = join(dir, `pull-${n++}`);
      const pulled = await settle('pullClip', s.pullClip(c, dest).then(() => true));
      if (pulled && createHash('sha256').update(readFileSync(dest)).digest('hex') !== c.sha256) throw new Error('a pulled file does not match its hash');
    }
    await settle('fetchLog', s.fetchLog(0));
    await settle('wipe', s.wipe('c1', { body: '{}', sig: '', keyId: '' }));
    await settle('installEpochs', s.installEpochs([]));
    await settle('setClock', s.setClock(Date.now()));
    await s.close();
  }), { numRuns: 15 });
  t.true(opened > 0, 'no session ever opened');
});
