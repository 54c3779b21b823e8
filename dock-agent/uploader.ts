// Dock → central delivery over MQTT 3.1.1 (docs/mqtt-topics.md). Receiver-driven: the dock announces
// a clip (meta), the central store answers with the chunks it lacks, the dock sends those with a
// bounded window of QoS 1 publishes, and asks again until the answer is a receipt it can verify.
import { randomBytes, type KeyLike } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { MqttClient } from 'mqtt';
import type { ClipSummary, DeviceLogEntry, SignedDocument } from '../shared/evidence.js';
import { createLogger, type Logger } from '../shared/log.js';
import type { GrowingSpool } from './growing-spool.js';
import {
  AckSchema, CHUNK_HEADER_BYTES, DEFAULT_CHUNK_SIZE, StatusSchema, chunkCountOf, decodeJson, deviceLogFacts, docRef, encodeJson, metaFacts,
  sealChunk, wipeCertFacts, type Ack, type ClipMeta, type Status,
} from '../shared/mqtt/codec.js';
import { connectMqtt, type MqttEndpoint } from '../shared/mqtt/connect.js';
import { signDockAuth, type DockIdentity } from '../shared/mqtt/dock-auth.js';
import { verifyReceipt } from '../shared/receipt-check.js';
import { CRL_TOPIC, dockFilters, parseTopic, topics } from '../shared/mqtt/topics.js';

export interface UploaderOptions {
  /** The broker, and this dock's client certificate (its identity: CN = dockId, OU = dock). */
  mqtt: MqttEndpoint;
  dockId: string;
  centralPublicKey: KeyLike;
  /** The dock's key and certificate: every message is signed with it (docs/mqtt-topics.md, "Dock signature"). */
  identity: DockIdentity;
  /** The camera certificate (DER base64) this dock got in its serial handshake with deviceId, if any. */
  cameraCert: (deviceId: string) => string | undefined;
  chunkSize?: number;
  /** QoS 1 publishes awaiting PUBACK at once. */
  inflight?: number;
  /** First wait for a status/ack before asking again; doubles per silent try up to maxBackoffMs. */
  statusTimeoutMs?: number;
  maxBackoffMs?: number;
  /** The retained revocation list from central (unverified JSON: the receiver verifies it against the CA). */
  onRevocationList?: (doc: unknown) => void;
  log?: Logger;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Uploader {
  private readonly client: MqttClient;
  private readonly log: Logger;
  private readonly chunkSize: number;
  private readonly inflight: number;
  private readonly timeoutMs: number;
  private readonly maxBackoffMs: number;
  private reqSeq = 0;
  private statusWaiters = new Map<string, (s: Status) => void>();
  private ackWaiters = new Set<(a: Ack) => void>();
  private closed = false;
  private readonly subscribed: Promise<void>;

  constructor(private readonly opts: UploaderOptions) {
    this.log = opts.log ?? createLogger('uploader');
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.inflight = opts.inflight ?? 32;
    this.timeoutMs = opts.statusTimeoutMs ?? 3000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30000;
    this.client = connectMqtt(opts.mqtt, {
      // One client id per uploader: two with the same id (two uploaders in one process) would take the
      // session from each other at every reconnect, and neither would hear its answers.
      clean: true, clientId: `dock-${opts.dockId}-${process.pid}-${randomBytes(3).toString('hex')}`, reconnectPeriod: 500, connectTimeout: 5000, resubscribe: false,
    });
    let subscribed!: () => void;
    this.subscribed = new Promise((r) => { subscribed = r; });
    this.client.on('connect', () => {
      this.client.subscribe(dockFilters(opts.dockId), { qos: 1 }, (err) => { if (err) this.log.warn({ err }, 'subscribe failed'); else subscribed(); });
    });
    this.client.on('error', (err) => this.log.debug({ err }, 'mqtt error'));
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  /** Resolves once connected and subscribed the first time (uploads do not need to wait for it). */
  ready(): Promise<void> { return this.subscribed; }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    try {
      if (topic === CRL_TOPIC) { this.opts.onRevocationList?.(JSON.parse(payload.toString('utf8'))); return; }
      if (t?.kind === 'status') {
        const s = decodeJson(StatusSchema, payload, 'status');
        this.statusWaiters.get(`${s.clipId}:${s.req}`)?.(s);
      } else if (t?.kind === 'ack') {
        const a = decodeJson(AckSchema, payload, 'ack');
        for (const w of [...this.ackWaiters]) w(a);
      }
    } catch (err) {
      this.log.warn({ err: String(err), topic }, 'bad message from central');
    }
  }

  /** Publish and wait for a matching answer; re-publish with exponential back-off while none comes. */
  private async ask<T>(publish: () => Promise<void>, listen: (resolve: (v: T) => void) => () => void): Promise<T> {
    let wait = this.timeoutMs;
    for (;;) {
      if (this.closed) throw new Error('uploader closed');
      let resolveFn!: (v: T) => void;
      const answered = new Promise<T>((r) => { resolveFn = r; });
      const stop = listen(resolveFn);
      try {
        await publish();
        const got = await Promise.race([answered, sleep(wait).then(() => undefined)]);
        if (got !== undefined) return got;
      } finally { stop(); }
      wait = Math.min(wait * 2, this.maxBackoffMs);
    }
  }

  /** Each try has its own req number, so a late answer to an older try is not mistaken for this one. */
  private askStatus(meta: Omit<ClipMeta, 'req'>): Promise<Status> {
    let req = 0;
    return this.ask<Status>(
      async () => { await this.client.publishAsync(topics.meta(this.opts.dockId, meta.clipId), encodeJson({ ...meta, req }), { qos: 1 }); },
      (resolve) => {
        req = ++this.reqSeq;
        const k = `${meta.clipId}:${req}`;
        this.statusWaiters.set(k, resolve);
        return () => this.statusWaiters.delete(k);
      },
    );
  }

  /**
   * Deliver a clip file; resolves with the central store's receipt, verified against the trusted key.
   * `growing`: the serial pull is still writing the file. Chunks go out as their bytes arrive, and central
   * is asked again (which is what lets it finish and receipt the clip) only once the pull verified the
   * whole file's SHA-256; a pull that ends short rejects the upload (its chunks stay with central).
   */
  async upload(clip: ClipSummary, file: string, onProgress?: (chunksSent: number, chunkCount: number) => void, growing?: GrowingSpool): Promise<SignedDocument> {
    if (!clip.sha256) throw new Error(`clip ${clip.clipId}: no sha256 (still recording?)`);
    if (clip.state === 'recording') throw new Error(`clip ${clip.clipId}: still recording`);
    const chunkCount = chunkCountOf(clip.bytes, this.chunkSize);
    const facts = { dockId: this.opts.dockId, clipId: clip.clipId, bytes: clip.bytes, sha256: clip.sha256, chunkSize: this.chunkSize };
    // Transport facts only: central reads what the clip is from the clip's own signature.
    const meta: Omit<ClipMeta, 'req'> = {
      v: 2, ...facts, chunkCount, ...signDockAuth(this.opts.identity, 'upload', metaFacts(facts), this.camCert(clip.deviceId)),
    };
    // Opened once the pull has written its first verified bytes (the pull creates the file).
    let fh: Promise<FileHandle> | undefined;
    const handle = () => (fh ??= open(file, 'r'));
    try {
      let sent = 0;
      for (let round = 0; ; round++) {
        // The first ask only learns what central lacks; later ones may make it finish: the pull's end-to-end hash first.
        if (round > 0) await growing?.whole();
        const status = await this.askStatus(meta);
        if (status.state === 'complete') {
          // Central already held every byte (hash-checked there); the dock journals it only after its own pull verified.
          await growing?.whole();
          verifyReceipt(status.receipt, this.opts.centralPublicKey, { clipId: clip.clipId, deviceId: clip.deviceId, sha256: clip.sha256, bytes: clip.bytes });
          return status.receipt;
        }
        if (status.state === 'rejected') throw new Error(`central rejected clip ${clip.clipId}: ${status.reason}`);
        const indices: number[] = [];
        for (const [a, b] of status.missing) for (let i = Math.max(0, a); i <= Math.min(b, chunkCount - 1); i++) indices.push(i);
        await this.sendChunks(handle, meta.clipId, clip.bytes, indices, () => onProgress?.(++sent, chunkCount), growing);
      }
    } finally { await fh?.then((h) => h.close(), () => undefined); }
  }

  private async sendChunks(handle: () => Promise<FileHandle>, clipId: string, bytes: number, indices: number[], done: () => void, growing?: GrowingSpool): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < indices.length && !this.closed) {
        const i = indices[next++];
        const len = Math.min(this.chunkSize, bytes - i * this.chunkSize);
        await growing?.until(i * this.chunkSize + len);
        const fh = await handle();
        // Read straight into the payload behind its header: no second 256 KiB copy per chunk.
        const frame = Buffer.allocUnsafe(CHUNK_HEADER_BYTES + len);
        const { bytesRead } = await fh.read(frame, CHUNK_HEADER_BYTES, len, i * this.chunkSize);
        if (bytesRead !== len) throw new Error(`clip ${clipId}: spool file shorter than ${bytes} bytes`);
        await this.client.publishAsync(topics.chunk(this.opts.dockId, clipId, i), sealChunk(frame, i, this.chunkSize), { qos: 1 });
        done();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.inflight, indices.length) }, worker));
  }

  private camCert(deviceId: string): string {
    const c = this.opts.cameraCert(deviceId);
    if (!c) throw new Error(`no certificate of camera ${deviceId} on this dock (it is kept from the serial handshake)`);
    return c;
  }

  /**
   * Forward a camera's wipe certificate; resolves when the central store has answered for exactly this
   * certificate (stored, or refused for good: then the reason is logged and returned).
   */
  async forwardWipeCert(deviceId: string, clipId: string, cert: SignedDocument): Promise<string | undefined> {
    const m = { deviceId, clipId, cert };
    const payload = encodeJson({ v: 2, ...m, ...signDockAuth(this.opts.identity, 'wipe-cert', wipeCertFacts(this.opts.dockId, m), this.camCert(deviceId)) });
    const ref = docRef(cert);
    const a = await this.ask<Ack>(
      async () => { await this.client.publishAsync(topics.wipeCert(this.opts.dockId), payload, { qos: 1 }); },
      (resolve) => this.onAck((x) => x.kind === 'wipe-cert' && x.clipId === clipId && x.ref === ref, resolve),
    );
    if (a.refused) this.log.warn({ clipId, reason: a.refused }, 'central refused the wipe certificate');
    return a.refused;
  }

  /**
   * Forward device log entries with the camera's signed head; resolves with the highest seq central
   * answered for (it also answers a batch it refused for good, naming why, so the dock moves on).
   */
  async forwardDeviceLog(deviceId: string, entries: DeviceLogEntry[], head: SignedDocument, onReceipt?: (receipt: SignedDocument) => void): Promise<number> {
    if (entries.length === 0) return -1;
    const top = Math.max(...entries.map((e) => e.seq));
    const m = { deviceId, head };
    const payload = encodeJson({ v: 2, deviceId, entries, head, ...signDockAuth(this.opts.identity, 'device-log', deviceLogFacts(this.opts.dockId, m), this.camCert(deviceId)) });
    const ref = docRef(head);
    const a = await this.ask<Ack>(
      async () => { await this.client.publishAsync(topics.deviceLog(this.opts.dockId), payload, { qos: 1 }); },
      (resolve) => this.onAck((x) => x.kind === 'device-log' && x.deviceId === deviceId && x.ref === ref, resolve),
    );
    if (a.refused) this.log.warn({ deviceId, reason: a.refused }, 'central refused the device log');
    if (a.kind === 'device-log' && a.receipt && !a.refused) onReceipt?.(a.receipt);
    return a.kind === 'device-log' ? Math.max(a.seq, top) : top;
  }

  private onAck(match: (a: Ack) => boolean, resolve: (a: Ack) => void): () => void {
    const w = (a: Ack) => { if (match(a)) resolve(a); };
    this.ackWaiters.add(w);
    return () => this.ackWaiters.delete(w);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.endAsync(true);
  }
}
