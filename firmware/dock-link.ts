// Camera side of the dock serial link (docs/wire-protocol.md). Answers nothing but HELLO/AUTH until
// the dock has proved it holds a key certified by the organisation CA for role "dock". This file is
// the session: who may ask what, when it ends, what a retransmit gets; the answers live in link/
// (clips, device log, trust store, clock) and the handshake in shared/wire/handshake.ts.
import type { Duplex } from 'node:stream';
import type { CameraVault, EvidenceEpochBody, SignedDocument } from '../shared/evidence.js';
import { HandshakeRefused, ResponderHandshake, linkIdentity } from '../shared/wire/handshake.js';
import { FrameLink, RpcServer } from '../shared/wire/link.js';
import {
  ErrorCode, FIRMWARE_TYPE_FIRST, FIRMWARE_TYPE_LAST, MsgType, WireError, encodeJson, type AuthRequest, type HelloRequest,
} from '../shared/wire/messages.js';
import type { FwPeer } from '../shared/wire/fw-messages.js';
import { UNAUTH_BUDGET, unauthAdmission } from './link/budget.js';
import { clipServer } from './link/clips.js';
import { setClock, type OnSetClock } from './link/clock.js';
import { logServer, type LogSource } from './link/device-log.js';
import { json } from './link/fields.js';
import { trustInstaller } from './link/trust.js';

export { UNAUTH_BUDGET };

export interface DockLinkOptions {
  line: Duplex;
  identity: { keyPem: string; certPem: string };
  caCertPem: string;
  vault: CameraVault;
  /** The device log; with applyReceipt/anchor, central's device-log receipt prunes it (firmware/link/device-log.ts). */
  log: LogSource;
  /** Apply a SET_CLOCK; throw ClockRefused (firmware/clock-sync.ts) to refuse it as BAD_REQUEST. */
  onSetClock?: OnSetClock;
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

/** A requester is a dock, or a technician's bench tool (firmware operations only). */
type Peer = 'dock' | 'technician';

export function startDockLink(opts: DockLinkOptions): { close(): void; peer(): Peer | null } {
  const link = new FrameLink(opts.line);
  const own = linkIdentity(opts.identity);
  const event = opts.onEvent ?? (() => undefined);
  const trust = trustInstaller({ caCertPem: opts.caCertPem, trustDir: opts.trustDir, onInstallEpochs: opts.onInstallEpochs, event });
  const handshake = new ResponderHandshake(own, { caCertPem: opts.caCertPem, revocation: () => trust.revocation.current() });
  const clips = clipServer(opts.vault, event);
  const getLog = logServer(opts.log, own.id, own.key, event);

  // An untrusted requester learns nothing from the refusal, not even our certificate.
  const refused = (err: unknown): never => {
    if (!(err instanceof HandshakeRefused)) throw err;
    event('dock-auth-failed', err.details);
    throw new WireError(ErrorCode.AUTH_FAILED, 'not trusted');
  };

  function hello(p: Buffer): Buffer {
    handshake.end();
    server.clearCache();
    try {
      return encodeJson(handshake.hello(json<Partial<HelloRequest>>(p, 'HELLO')));
    } catch (err) {
      return refused(err);
    }
  }

  function auth(p: Buffer): Buffer {
    try {
      const { peer, repeated } = handshake.auth(json<Partial<AuthRequest>>(p, 'AUTH'));
      if (!repeated && peer.role === 'technician') event('technician-authenticated', { technicianId: peer.id, certSha256: peer.certSha256 });
      else if (!repeated) event('dock-authenticated', { dockId: peer.id });
      return encodeJson({ ok: true });
    } catch (err) {
      return refused(err);
    }
  }

  // The session ends when no request came for sessionIdleMs (the dock left without BYE), when the line
  // closes, or on a HELLO: whoever speaks next must authenticate again.
  const idleMs = opts.sessionIdleMs ?? 20_000;
  let lastRequestAt = Date.now();
  const endSession = (reason: string) => {
    if (handshake.state === 'idle') return;
    const peer = handshake.peer;
    if (peer) event('dock-session-ended', { reason, peer: peer.id, role: peer.role });
    handshake.end();
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

  async function handle(type: number, p: Buffer): Promise<Buffer> {
    lastRequestAt = Date.now();
    if (type === MsgType.HELLO) return hello(p);
    if (type === MsgType.AUTH) return auth(p);
    const peer = handshake.peer;
    if (!peer) throw new WireError(ErrorCode.AUTH_REQUIRED, 'not authenticated');
    if (type >= FIRMWARE_TYPE_FIRST && type <= FIRMWARE_TYPE_LAST && opts.firmware) {
      return opts.firmware.handle(type, p, { role: peer.role, id: peer.id, certSha256: peer.certSha256 });
    }
    // A technician's certificate is for firmware only: no clips, log, clock or keys.
    if (peer.role === 'technician' && type !== MsgType.BYE && type !== MsgType.SET_CLOCK) {
      throw new WireError(ErrorCode.AUTH_REQUIRED, 'a technician certificate may only use firmware messages and SET_CLOCK');
    }
    switch (type) {
      case MsgType.LIST_CLIPS:
        return clips.list();
      case MsgType.READ:
        return clips.read(p);
      case MsgType.HASH_RANGE:
        return clips.hashRange(p);
      case MsgType.WIPE:
        return clips.wipe(p);
      case MsgType.WIPE_CERTS:
        return clips.wipeCerts(p);
      case MsgType.GET_LOG:
        return getLog(p);
      case MsgType.SET_CLOCK:
        return setClock(p, { role: peer.role, id: peer.id }, opts.onSetClock);
      case MsgType.INSTALL_EPOCHS:
        return trust.installEpochs(p);
      case MsgType.INSTALL_CRL:
        return trust.installCrl(p);
      case MsgType.BYE:
        handshake.end();
        server.clearCache();
        return encodeJson({ ok: true });
    }
    if (type >= FIRMWARE_TYPE_FIRST && type <= FIRMWARE_TYPE_LAST) throw new WireError(ErrorCode.UNSUPPORTED, 'firmware staging is not built in this firmware');
    throw new WireError(ErrorCode.UNSUPPORTED, `message type 0x${type.toString(16)} is not known`);
  }

  // FW_COMMIT (0x43) installs: a retransmit must get the answer, not a second install. A HELLO
  // retransmitted on a slow line must get the same nonce back, or the AUTH that follows fails.
  const cacheable = (t: number) => t === MsgType.HELLO || t === MsgType.WIPE || t === MsgType.SET_CLOCK || t === MsgType.INSTALL_EPOCHS || t === 0x43;
  const server = new RpcServer(link, handle, cacheable, unauthAdmission(() => handshake.peer !== null, opts.unauthBudget));
  return {
    close() {
      clearInterval(idleTimer);
      handshake.end();
      link.detach();
    },
    /** The authenticated requester's role (a dock offloads, a technician flashes), null before AUTH or after BYE. */
    peer: () => handshake.peer?.role ?? null,
  };
}
