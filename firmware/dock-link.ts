// Camera side of the dock serial link (docs/wire-protocol.md). Answers nothing but HELLO/AUTH until
// the dock has proved it holds a key certified by the organisation CA for role "dock".
import { X509Certificate, createHash, randomBytes, createPrivateKey, type KeyObject } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { sha256Hex, signData, verifyData } from '../shared/crypto.js';
import {
  openDocument, signDocument, type CameraVault, type ClipSummary, type DeviceLogEntry, type DeviceLogHeadBody, type EvidenceEpochBody, type SignedDocument,
} from '../shared/evidence.js';
import { MAX_PAYLOAD } from '../shared/wire/frame.js';
import { FrameLink, RpcServer } from '../shared/wire/link.js';
import {
  ErrorCode, FIRMWARE_TYPE_FIRST, FIRMWARE_TYPE_LAST, MsgType, NONCE_BYTES, WireError, authInput, decodeJson, encodeJson,
  type AuthRequest, type HashRangeRequest, type HelloRequest, type HelloResponse, type ReadRequest,
} from '../shared/wire/messages.js';
import { claimedIdentity, subjectField, verifyPeerCertificate } from '../shared/pki/verify.js';
import type { FwPeer } from '../shared/wire/fw-messages.js';
import { writeEpoch } from '../shared/pki/trust-store.js';
import { RevocationStore } from '../shared/pki/revocation-store.js';
import path from 'node:path';
import type { Frame } from '../shared/wire/frame.js';
import { ClockRefused, MAX_EPOCH_MS, type ClockSetter } from './clock-sync.js';

/**
 * What a peer that has not authenticated may send: requests per second and request payload bytes per
 * second, each with a burst. Frames over budget are dropped unanswered (they cost no reply and no
 * queue), so a flood costs the camera only the decoding.
 */
export const UNAUTH_BUDGET = { requestsPerS: 10, requestBurst: 20, bytesPerS: 64 * 1024, byteBurst: 128 * 1024 };

/** Token bucket: `rate` per second up to `burst`. */
function bucket(rate: number, burst: number, now: () => number) {
  let tokens = burst;
  let at = now();
  return (cost: number): boolean => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - at) / 1000) * rate);
    at = t;
    if (tokens < cost) return false;
    tokens -= cost;
    return true;
  };
}

export interface DockLinkOptions {
  line: Duplex;
  identity: { keyPem: string; certPem: string };
  caCertPem: string;
  vault: CameraVault;
  log: { since(seq: number): DeviceLogEntry[] };
  /** Apply a SET_CLOCK; throw ClockRefused (firmware/clock-sync.ts) to refuse it as BAD_REQUEST. */
  onSetClock?: (epochMs: number, ctx: { by: ClockSetter; force?: { reason: string } }) => void | Promise<void>;
  /** A session with no request for this long ends (default 20 s): a fresh HELLO + AUTH is needed. */
  sessionIdleMs?: number;
  /** Budgets for a peer that has not authenticated (defaults UNAUTH_BUDGET). */
  unauthBudget?: Partial<typeof UNAUTH_BUDGET>;
  /** Called with epochs whose CA signature verified (after they were stored when trustDir is set). */
  onInstallEpochs?: (epochs: { doc: SignedDocument; body: EvidenceEpochBody }[]) => void | Promise<void>;
  /** Device trust store directory: verified epochs are written to trust/epochs/<epochId>.json. */
  trustDir?: string;
  /** Firmware staging (0x40..0x5F), for an authenticated dock or technician (firmware/fw-staging.ts). */
  firmware?: { handle(type: number, payload: Buffer, peer: FwPeer): Promise<Buffer> };
  /** Security-relevant events for the device log (e.g. 'dock-auth-failed'). */
  onEvent?: (type: string, data: Record<string, unknown>) => void;
}

type State =
  | { s: 'idle' }
  | { s: 'challenged'; dockDer: Buffer; dockNonce: Buffer; ownNonce: Buffer; dockKey: KeyObject; dockId: string; role: Peer }
  | { s: 'ready'; dockId: string; authSig: string; role: Peer; certSha256: string };
/** A requester is a dock, or a technician's bench tool (firmware operations only). */
type Peer = 'dock' | 'technician';

const bad = (reason: string) => new WireError(ErrorCode.BAD_REQUEST, reason);
const str = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || v.length === 0 || v.length > 16384) throw bad(`${field}: expected a non-empty string`);
  return v;
};
/** Request payloads are JSON objects; anything else is the requester's fault (BAD_REQUEST), never INTERNAL. */
const json = <T extends object>(p: Buffer, what: string): T => {
  try {
    return decodeJson<T>(p, what);
  } catch (err) {
    throw bad((err as Error).message);
  }
};
const uint = (v: unknown, field: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`${field}: expected a non-negative integer`);
  return v;
};
/** Bytes of GET_LOG entries per response, well under the frame cap. */
const LOG_BUDGET = 512 * 1024;

export function startDockLink(opts: DockLinkOptions): { close(): void; peer(): Peer | null } {
  const link = new FrameLink(opts.line);
  const key = createPrivateKey(opts.identity.keyPem);
  const ownDer = new X509Certificate(opts.identity.certPem).raw;
  const ownId = subjectField(new X509Certificate(opts.identity.certPem), 'CN') ?? '';
  const caPublicKey = new X509Certificate(opts.caCertPem).publicKey;
  const event = opts.onEvent ?? (() => undefined);
  // The newest CA-signed revocation list this camera was given (trust/crl.json): consulted for every
  // dock and technician at HELLO; replaced only by a higher-numbered list (INSTALL_CRL).
  const revocation = new RevocationStore(opts.trustDir ? path.join(opts.trustDir, 'trust', 'crl.json') : null, opts.caCertPem);
  let state: State = { s: 'idle' };

  // Closed clips never change, so READs look them up in the last listing instead of asking the
  // vault (which may hash or scan) on every chunk; a miss refreshes the listing once.
  let known = new Map<string, ClipSummary>();
  const listClips = () => {
    const clips = opts.vault.list();
    known = new Map(clips.map((c) => [c.clipId, c]));
    return clips;
  };
  const findClip = (clipId: string) => {
    const clip = known.get(clipId) ?? (listClips(), known.get(clipId));
    if (!clip) throw new WireError(ErrorCode.NOT_FOUND, `clipId: no offloadable clip ${clipId}`);
    return clip;
  };

  async function hello(p: Buffer): Promise<Buffer> {
    state = { s: 'idle' };
    server.clearCache();
    const req = json<Partial<HelloRequest>>(p, 'HELLO');
    if (req.v !== 1) throw new WireError(ErrorCode.UNSUPPORTED, 'v: only protocol version 1 is spoken');
    const dockNonce = Buffer.from(str(req.nonce, 'nonce'), 'base64');
    if (dockNonce.length !== NONCE_BYTES) throw bad(`nonce: expected ${NONCE_BYTES} bytes`);
    const dockDer = Buffer.from(str(req.cert, 'cert'), 'base64');
    let peer;
    const role: Peer = claimedIdentity(dockDer).role === 'technician' ? 'technician' : 'dock';
    try {
      peer = verifyPeerCertificate(dockDer, opts.caCertPem, role, Date.now(), revocation.current());
    } catch (err) {
      event('dock-auth-failed', { reason: (err as Error).message, certSha256: sha256Hex(dockDer) });
      // Deliberately vague: an untrusted dock learns nothing, not even our certificate.
      throw new WireError(ErrorCode.AUTH_FAILED, 'not trusted');
    }
    const ownNonce = randomBytes(NONCE_BYTES);
    state = { s: 'challenged', dockDer, dockNonce, ownNonce, dockKey: peer.cert.publicKey, dockId: peer.id, role };
    const sig = signData(key, authInput('camera', dockNonce, ownNonce, dockDer, ownDer));
    return encodeJson({ v: 1, cert: ownDer.toString('base64'), nonce: ownNonce.toString('base64'), sig: sig.toString('base64') } satisfies HelloResponse);
  }

  function auth(p: Buffer): Buffer {
    const { sig } = json<Partial<AuthRequest>>(p, 'AUTH');
    const sigText = str(sig, 'sig');
    if (state.s === 'ready' && state.authSig === sigText) return encodeJson({ ok: true }); // retransmitted AUTH
    if (state.s !== 'challenged') throw new WireError(ErrorCode.AUTH_REQUIRED, 'send HELLO first');
    const ok = verifyData(state.dockKey, authInput(state.role, state.ownNonce, state.dockNonce, state.dockDer, ownDer), Buffer.from(sigText, 'base64'));
    if (!ok) {
      event('dock-auth-failed', { reason: 'challenge signature did not verify', dockId: state.dockId, role: state.role });
      state = { s: 'idle' };
      throw new WireError(ErrorCode.AUTH_FAILED, 'not trusted');
    }
    if (state.role === 'technician') event('technician-authenticated', { technicianId: state.dockId, certSha256: sha256Hex(state.dockDer) });
    else event('dock-authenticated', { dockId: state.dockId });
    state = { s: 'ready', dockId: state.dockId, authSig: sigText, role: state.role, certSha256: sha256Hex(state.dockDer) };
    return encodeJson({ ok: true });
  }

  async function read(p: Buffer): Promise<Buffer> {
    const r = json<Partial<ReadRequest>>(p, 'READ');
    const clip = findClip(str(r.clipId, 'clipId'));
    const offset = uint(r.offset, 'offset');
    const length = uint(r.length, 'length');
    if (length === 0 || length > MAX_PAYLOAD) throw new WireError(ErrorCode.RANGE, `length: must be 1..${MAX_PAYLOAD}`);
    if (offset > clip.bytes) throw new WireError(ErrorCode.RANGE, `offset: ${offset} is past the clip's ${clip.bytes} bytes`);
    return opts.vault.readChunk(clip.clipId, offset, Math.min(length, clip.bytes - offset));
  }

  async function hashRange(p: Buffer): Promise<Buffer> {
    const r = json<Partial<HashRangeRequest>>(p, 'HASH_RANGE');
    const clip = findClip(str(r.clipId, 'clipId'));
    const length = uint(r.length, 'length');
    if (length > clip.bytes) throw new WireError(ErrorCode.RANGE, `length: ${length} is past the clip's ${clip.bytes} bytes`);
    const h = createHash('sha256');
    for (let off = 0; off < length; off += MAX_PAYLOAD) h.update(await opts.vault.readChunk(clip.clipId, off, Math.min(MAX_PAYLOAD, length - off)));
    return encodeJson({ sha256: h.digest('hex') });
  }

  async function wipe(p: Buffer): Promise<Buffer> {
    const r = json<{ clipId?: unknown; receipt?: SignedDocument }>(p, 'WIPE');
    const clipId = str(r.clipId, 'clipId');
    if (!r.receipt || typeof r.receipt !== 'object') throw bad('receipt: expected a signed document');
    try {
      const certificate = await opts.vault.wipe(clipId, r.receipt);
      known.delete(clipId);
      return encodeJson({ certificate });
    } catch (err) {
      event('wipe-refused', { clipId, reason: (err as Error).message });
      throw new WireError(ErrorCode.WIPE_REFUSED, (err as Error).message);
    }
  }

  function getLog(p: Buffer): Buffer {
    const req = json<{ sinceSeq?: unknown; maxBytes?: unknown }>(p, 'GET_LOG');
    const sinceSeq = uint(req.sinceSeq, 'sinceSeq');
    // The dock shrinks its page on a noisy line, as it does for READ: a big frame rarely crosses intact.
    const budget = req.maxBytes === undefined ? LOG_BUDGET : Math.min(LOG_BUDGET, Math.max(1, uint(req.maxBytes, 'maxBytes')));
    const all = opts.log.since(sinceSeq);
    const entries: DeviceLogEntry[] = [];
    let size = 0;
    for (const e of all) {
      size += JSON.stringify(e).length + 1;
      if (entries.length > 0 && size > budget) break;
      entries.push(e);
    }
    // The camera signs the head of what it hands over: the last entry's hash chains back over the rest,
    // so central can tell these entries from any a broker client makes up (docs/device-log.md).
    const last = entries[entries.length - 1];
    const head = last && signDocument({ v: 1, kind: 'device-log-head', deviceId: ownId, seq: last.seq, hash: last.hash } satisfies DeviceLogHeadBody, key);
    return encodeJson({ entries, more: entries.length < all.length, ...(head ? { head } : {}) });
  }

  async function installEpochs(p: Buffer): Promise<Buffer> {
    const { epochs } = json<{ epochs?: unknown }>(p, 'INSTALL_EPOCHS');
    if (!Array.isArray(epochs)) throw bad('epochs: expected an array of signed documents');
    const verified: { doc: SignedDocument; body: EvidenceEpochBody }[] = [];
    for (const [i, doc] of (epochs as SignedDocument[]).entries()) {
      try {
        const body = openDocument<EvidenceEpochBody>(doc, caPublicKey, 'evidence-epoch');
        str(body.epochId, 'epochId');
        verified.push({ doc, body });
      } catch (err) {
        event('epoch-refused', { index: i, reason: (err as Error).message });
        throw new WireError(ErrorCode.EPOCH_REFUSED, `epochs[${i}]: ${(err as Error).message}`);
      }
    }
    // All verified before any is stored: a bad batch installs nothing.
    if (opts.trustDir) for (const v of verified) writeEpoch(opts.trustDir, v.body.epochId, v.doc);
    await opts.onInstallEpochs?.(verified);
    return encodeJson({ installed: verified.map((v) => v.body.epochId) });
  }

  function installCrl(p: Buffer): Buffer {
    const { list } = json<{ list?: unknown }>(p, 'INSTALL_CRL');
    try {
      const r = revocation.offer(list);
      if (r.installed) event('crl-installed', { number: r.number, revoked: revocation.current().list?.revoked.length ?? 0 });
      return encodeJson({ installed: r.installed, number: r.number });
    } catch (err) {
      event('crl-refused', { reason: (err as Error).message });
      throw new WireError(ErrorCode.CRL_REFUSED, `list: ${(err as Error).message}`);
    }
  }

  async function setClock(p: Buffer, by: ClockSetter): Promise<Buffer> {
    const r = json<{ epochMs?: unknown; force?: unknown }>(p, 'SET_CLOCK');
    const epochMs = uint(r.epochMs, 'epochMs');
    if (epochMs > MAX_EPOCH_MS) throw bad(`epochMs: expected at most ${MAX_EPOCH_MS}`);
    let force: { reason: string } | undefined;
    if (r.force !== undefined) {
      const reason = (r.force as { reason?: unknown } | null)?.reason;
      if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > 500) throw bad('force.reason: expected a non-empty string of at most 500 characters');
      force = { reason };
    }
    try {
      await opts.onSetClock?.(epochMs, { by, force });
    } catch (err) {
      if (err instanceof ClockRefused) throw bad(err.message);
      throw err;
    }
    return encodeJson({ ok: true });
  }

  // The session ends when no request came for sessionIdleMs (the dock left without BYE), when the line
  // closes, or on a HELLO: whoever speaks next must authenticate again.
  const idleMs = opts.sessionIdleMs ?? 20_000;
  let lastRequestAt = Date.now();
  const endSession = (reason: string) => {
    if (state.s === 'idle') return;
    if (state.s === 'ready') event('dock-session-ended', { reason, peer: state.dockId, role: state.role });
    state = { s: 'idle' };
    server.clearCache();
  };
  const idleTimer = setInterval(() => {
    if (Date.now() - lastRequestAt >= idleMs) endSession('idle');
  }, Math.max(50, Math.min(1000, idleMs / 4)));
  idleTimer.unref();
  link.once('closed', () => {
    clearInterval(idleTimer);
    endSession('line closed');
  });

  const budget = { ...UNAUTH_BUDGET, ...opts.unauthBudget };
  const requests = bucket(budget.requestsPerS, budget.requestBurst, Date.now);
  const bytes = bucket(budget.bytesPerS, budget.byteBurst, Date.now);
  const admit = (f: Frame): boolean => state.s === 'ready' || (requests(1) && bytes(f.payload.length));
  // A NAK answers a corrupt frame: before auth it spends the same request budget (stacked headers are all corrupt).
  const admitNak = (): boolean => state.s === 'ready' || requests(1);

  async function handle(type: number, p: Buffer): Promise<Buffer> {
    lastRequestAt = Date.now();
    if (type === MsgType.HELLO) return hello(p);
    if (type === MsgType.AUTH) return auth(p);
    if (state.s !== 'ready') throw new WireError(ErrorCode.AUTH_REQUIRED, 'not authenticated');
    if (type >= FIRMWARE_TYPE_FIRST && type <= FIRMWARE_TYPE_LAST && opts.firmware) {
      return opts.firmware.handle(type, p, { role: state.role, id: state.dockId, certSha256: state.certSha256 });
    }
    // A technician's certificate is for firmware only: no clips, log, clock or keys.
    if (state.role === 'technician' && type !== MsgType.BYE && type !== MsgType.SET_CLOCK) {
      throw new WireError(ErrorCode.AUTH_REQUIRED, 'a technician certificate may only use firmware messages and SET_CLOCK');
    }
    switch (type) {
      case MsgType.LIST_CLIPS:
        return encodeJson({ clips: listClips() });
      case MsgType.READ:
        return read(p);
      case MsgType.HASH_RANGE:
        return hashRange(p);
      case MsgType.WIPE:
        return wipe(p);
      case MsgType.GET_LOG:
        return getLog(p);
      case MsgType.SET_CLOCK:
        return setClock(p, { role: state.role, id: state.dockId });
      case MsgType.INSTALL_EPOCHS:
        return installEpochs(p);
      case MsgType.INSTALL_CRL:
        return installCrl(p);
      case MsgType.BYE:
        state = { s: 'idle' };
        server.clearCache();
        return encodeJson({ ok: true });
    }
    if (type >= FIRMWARE_TYPE_FIRST && type <= FIRMWARE_TYPE_LAST) throw new WireError(ErrorCode.UNSUPPORTED, 'firmware staging is not built in this firmware');
    throw new WireError(ErrorCode.UNSUPPORTED, `message type 0x${type.toString(16)} is not known`);
  }

  // FW_COMMIT (0x43) installs: a retransmit must get the answer, not a second install. A HELLO
  // retransmitted on a slow line must get the same nonce back, or the AUTH that follows fails.
  const cacheable = (t: number) => t === MsgType.HELLO || t === MsgType.WIPE || t === MsgType.SET_CLOCK || t === MsgType.INSTALL_EPOCHS || t === 0x43;
  const server = new RpcServer(link, handle, cacheable, { admit, admitNak });
  return {
    close() {
      clearInterval(idleTimer);
      state = { s: 'idle' };
      link.detach();
    },
    /** The authenticated requester's role (a dock offloads, a technician flashes), null before AUTH or after BYE. */
    peer: () => (state.s === 'ready' ? state.role : null),
  };
}
