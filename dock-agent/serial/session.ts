// Dock side of the serial link: mutual authentication (shared/wire/handshake.ts), then the
// CameraSession contract (dock-agent/types.ts) over request/response frames.
import type { Duplex } from 'node:stream';
import type { ClipSummary, DeviceLogEntry, SignedDocument } from '../../shared/evidence.js';
import type { RevocationSet } from '../../shared/pki/revocation.js';
import { CameraNotTrusted, linkIdentity, startRequester } from '../../shared/wire/handshake.js';
import { FrameLink, RequestTimeoutError, RpcClient, type RpcStats } from '../../shared/wire/link.js';
import { ErrorCode, MsgType, WireError, decodeJson, encodeJson, type HelloResponse } from '../../shared/wire/messages.js';
import { pullToFile } from '../../shared/wire/transfer.js';
import type { CameraSession } from '../types.js';

export interface UntrustedDevice {
  /** What the camera's certificate claims (CN / OU / issuer); not trusted. */
  claimed: { id?: string; role?: string; issuer?: string };
  reason: string;
}

/** Device log entries one fetchLog may collect (a shift logs thousands; this bounds a faulty camera). */
const MAX_LOG_ENTRIES = 500_000;
/** GET_LOG page sizes asked for (bytes of entry JSON; the camera caps at 512 KiB and always sends one entry). */
const MAX_LOG_PAGE = 512 * 1024;
const MIN_LOG_PAGE = 1024;
/** WIPE_CERTS pages one listing may take (the vault keeps at most 1000 certificates, 64 a page). */
const MAX_CERT_PAGES = 32;

export class UntrustedDeviceError extends Error {
  constructor(readonly device: UntrustedDevice) {
    super(`untrusted device ${device.claimed.id ?? '(unknown id)'}: ${device.reason}`);
  }
}

export interface SessionOptions {
  line: Duplex;
  identity: { keyPem: string; certPem: string };
  caCertPem: string;
  /** Per-request timeout before a retransmit (ms). */
  timeoutMs?: number;
  /** Retransmits per request before giving up. */
  retries?: number;
  /** READs in flight during a pull. */
  window?: number;
  chunkBytes?: number;
  minChunkBytes?: number;
  /** Which of our certificates this is: a dock (default) or a technician's bench tool (firmware only). */
  role?: 'dock' | 'technician';
  /** The dock's newest verified revocation list: a revoked camera is refused at HELLO. */
  revocation?: () => RevocationSet | null | undefined;
  /** 'untrusted-device' when the camera's certificate or signature does not verify. */
  onEvent?: (type: 'untrusted-device', data: UntrustedDevice) => void;
}

export interface SerialCameraSession extends CameraSession {
  readonly stats: RpcStats;
  /** The camera's verified certificate fingerprint (SHA-256 hex). */
  readonly fingerprint: string;
  /** The authenticated request channel, for messages beyond CameraSession (firmware staging). */
  readonly rpc: RpcClient;
  installRevocationList(list: SignedDocument): Promise<{ installed: boolean; number: number }>;
  keptWipeCertificates(): Promise<SignedDocument[]>;
}

export async function openCameraSession(opts: SessionOptions): Promise<SerialCameraSession> {
  const link = new FrameLink(opts.line);
  const rpc = new RpcClient(link, { timeoutMs: opts.timeoutMs ?? 2000, retries: opts.retries ?? 8 });
  const own = linkIdentity(opts.identity);
  const trust = { caCertPem: opts.caCertPem, revocation: opts.revocation };
  // HELLO + AUTH; run again whenever the camera ends the session (idle, line break): see RpcClient.reauthenticate.
  const handshake = async (): Promise<{ deviceId: string; fingerprint: string; cameraCert: string }> => {
    const hs = startRequester(own, opts.role ?? 'dock', trust);
    const hello = decodeJson<Partial<HelloResponse>>(await rpc.request(MsgType.HELLO, encodeJson(hs.hello)), 'HELLO response');
    let answer;
    try {
      answer = hs.answer(hello);
    } catch (err) {
      if (!(err instanceof CameraNotTrusted)) throw err;
      opts.onEvent?.('untrusted-device', err.device);
      throw new UntrustedDeviceError(err.device);
    }
    await rpc.request(MsgType.AUTH, encodeJson(answer.auth));
    return { deviceId: answer.camera.id, fingerprint: answer.camera.fingerprint, cameraCert: answer.cameraDer.toString('base64') };
  };
  let deviceId: string;
  let fingerprint: string;
  let cameraCert: string;
  try {
    ({ deviceId, fingerprint, cameraCert } = await handshake());
  } catch (err) {
    link.detach();
    throw err;
  }
  rpc.reauthenticate = async () => {
    const again = await handshake();
    // The same camera, or nothing: another device on this line gets no request of this session.
    if (again.fingerprint !== fingerprint) throw new Error(`re-authentication: the device on the line is now ${again.deviceId}, not ${deviceId}`);
  };

  // One READ size for the whole session, adapted by every pull (shared/wire/transfer.ts).
  // It starts at 64 KiB (or chunkBytes if smaller) and grows to chunkBytes on a clean line: a first READ of
  // 256 KiB on a noisy line would only time out.
  const adapt = { chunk: Math.min(opts.chunkBytes ?? 64 * 1024, 64 * 1024) };
  const call = async <T extends object>(type: number, body: unknown, what: string): Promise<T> =>
    decodeJson<T>(await rpc.request(type, encodeJson(body)), what);

  /** The camera's signed head of the last GET_LOG page: its hash chains back over every entry fetched. */
  let head: SignedDocument | null = null;
  let prunedThrough: number | undefined;
  const session: SerialCameraSession = {
    deviceId,
    cameraCert,
    fingerprint,
    rpc,
    stats: rpc.stats,
    async listClips(): Promise<ClipSummary[]> {
      const r = await call<{ clips?: ClipSummary[] }>(MsgType.LIST_CLIPS, {}, 'LIST_CLIPS response');
      if (!Array.isArray(r.clips)) throw new Error('LIST_CLIPS response: clips is not an array');
      return r.clips;
    },
    async pullClip(clip, destPath, onProgress) {
      if (clip.deviceId !== deviceId) throw new Error(`clip ${clip.clipId}: deviceId ${clip.deviceId} is not this camera (${deviceId})`);
      await pullToFile(rpc, clip, destPath, { window: opts.window, chunkBytes: opts.chunkBytes, minChunkBytes: opts.minChunkBytes, onProgress, adapt });
    },
    async readPrefix(clip, length) {
      const data = await rpc.request(MsgType.READ, encodeJson({ clipId: clip.clipId, offset: 0, length }));
      if (data.length !== length) throw new Error(`READ ${clip.clipId}@0: got ${data.length} bytes, asked ${length}`);
      return data;
    },
    async wipe(clipId: string, receipt: SignedDocument): Promise<SignedDocument> {
      const r = await call<{ certificate?: SignedDocument }>(MsgType.WIPE, { clipId, receipt }, 'WIPE response');
      if (!r.certificate || typeof r.certificate.body !== 'string') throw new Error('WIPE response: no wipe certificate');
      return r.certificate;
    },
    async fetchLog(sinceSeq: number, receipt?: SignedDocument | null): Promise<DeviceLogEntry[]> {
      const out: DeviceLogEntry[] = [];
      head = null;
      prunedThrough = undefined;
      // Page size follows the session's adapted READ size, and shrinks again when a page does not get
      // through: on a noisy line a 512 KiB answer never arrives intact however often it is resent.
      let maxBytes = Math.min(MAX_LOG_PAGE, Math.max(MIN_LOG_PAGE, adapt.chunk));
      const page = async (since: number) => {
        for (;;) {
          try {
            // Few retransmits while a smaller page is still possible: shrinking helps more than resending.
            // The receipt goes with the first page only: the camera prunes before it answers.
            const raw = await rpc.request(MsgType.GET_LOG, encodeJson({ sinceSeq: since, maxBytes, ...(receipt && since === sinceSeq ? { receipt } : {}) }), maxBytes > MIN_LOG_PAGE ? { retries: 3 } : {});
            return decodeJson<{ entries?: DeviceLogEntry[]; more?: boolean; head?: SignedDocument; prunedThrough?: number }>(raw, 'GET_LOG response');
          } catch (err) {
            if (!(err instanceof RequestTimeoutError) || maxBytes <= MIN_LOG_PAGE) throw err;
            maxBytes = Math.max(MIN_LOG_PAGE, maxBytes >> 2);
          }
        }
      };
      for (let since = sinceSeq; ; ) {
        const r = await page(since);
        if (!Array.isArray(r.entries)) throw new Error('GET_LOG response: entries is not an array');
        // Each page must move forward, or a faulty camera answering "more" forever would keep the dock
        // looping and growing `out` without end.
        let last = out.length ? out[out.length - 1]!.seq : since;
        for (const e of r.entries as unknown[]) {
          const seq = (e as { seq?: unknown } | null)?.seq;
          if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq <= last) throw new Error(`GET_LOG response: entry seq ${String(seq)} does not follow ${last}`);
          last = seq;
        }
        if (Number.isSafeInteger(r.prunedThrough) && r.prunedThrough! >= 0) prunedThrough = r.prunedThrough;
        out.push(...r.entries);
        if (r.entries.length) head = r.head && typeof r.head.body === 'string' ? r.head : null;
        if (out.length > MAX_LOG_ENTRIES) throw new Error(`GET_LOG: more than ${MAX_LOG_ENTRIES} device log entries in one fetch`);
        if (!r.more || r.entries.length === 0) return out;
        since = r.entries[r.entries.length - 1]!.seq;
      }
    },
    async fetchSignedLog(sinceSeq: number, receipt?: SignedDocument | null) {
      const entries = await session.fetchLog(sinceSeq, receipt);
      return { entries, head: entries.length ? head : null, ...(prunedThrough !== undefined ? { prunedThrough } : {}) };
    },
    async setClock(epochMs: number, force?: { reason: string }): Promise<void> {
      await call(MsgType.SET_CLOCK, { epochMs: Math.round(epochMs), ...(force ? { force } : {}) }, 'SET_CLOCK response');
    },
    async installEpochs(epochs: SignedDocument[]): Promise<void> {
      await call(MsgType.INSTALL_EPOCHS, { epochs }, 'INSTALL_EPOCHS response');
    },
    async keptWipeCertificates(): Promise<SignedDocument[]> {
      const out: SignedDocument[] = [];
      // The vault keeps at most 1000; a camera answering "more" without end must not keep the dock looping.
      for (let page = 0; page < MAX_CERT_PAGES; page++) {
        let r: { certificates?: unknown; more?: unknown };
        try {
          r = await call<{ certificates?: unknown; more?: unknown }>(MsgType.WIPE_CERTS, { skip: out.length }, 'WIPE_CERTS response');
        } catch (err) {
          if (err instanceof WireError && err.code === ErrorCode.UNSUPPORTED) return out; // older firmware
          throw err;
        }
        if (!Array.isArray(r.certificates)) throw new Error('WIPE_CERTS response: certificates is not an array');
        const certs = r.certificates.filter((c): c is SignedDocument => typeof (c as SignedDocument | null)?.body === 'string' && typeof (c as SignedDocument).sig === 'string');
        out.push(...certs);
        if (r.more !== true || r.certificates.length === 0) return out;
      }
      throw new Error(`WIPE_CERTS: more than ${MAX_CERT_PAGES} pages`);
    },
    async installRevocationList(list: SignedDocument): Promise<{ installed: boolean; number: number }> {
      return call(MsgType.INSTALL_CRL, { list }, 'INSTALL_CRL response');
    },
    async close(): Promise<void> {
      if (!link.isClosed) await rpc.request(MsgType.BYE, encodeJson({}), { retries: 1, timeoutMs: 500 }).catch(() => undefined);
      link.detach();
    },
  };
  return session;
}
