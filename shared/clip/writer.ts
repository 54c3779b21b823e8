// Streaming clip writer: header once, then one encrypted frame per segment, each fsync'd, so a power
// cut loses at most the segment being written. The data key lives only in RAM and is wiped from the
// buffer once the segment key is derived; nothing in plaintext is ever written.
import {
  KeyObject, constants, createCipheriv, createHash, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, sign, type Hash, type KeyLike,
} from 'node:crypto';
import { signData } from '../crypto.js';
import { fsyncDir } from '../durable-file.js';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  CHECKPOINT_CLOSED, ClipFormatError, FRAME_PREFIX_LEN, MAX_FRAME_LEN, MAX_SEGMENTS, NONCE_PREFIX_LEN, RECORD_FINAL, RECORD_HEADER_LEN, RECORD_VIDEO,
  TAG_LEN, VERSION, VERSION_SIGNED, assertNoLocation, checkpointMessage, encodeCheckpoint, encodeHeaderBody, encodeHeaderSeal,
  encodeMarker, encodeRecordHeader, headerMac, headerSealMessage, segmentKey, segmentNonce, type ClipMeta,
} from './format.js';

export interface ClipWriterOptions {
  /** Cleartext header metadata; clipId, deviceId, startedAt required. epochId is set from `epochId`. */
  meta: Omit<ClipMeta, 'v' | 'epochId'> & Record<string, unknown>;
  epochId: string;
  /** RSA public key of the evidence epoch (SPKI PEM or KeyObject). */
  publicKey: KeyLike;
  /** fsync after each segment (default true; only benchmarks turn it off to measure). */
  sync?: boolean;
  /**
   * The camera's identity key (identity/key.pem): the clip is written as version 2, its header sealed
   * with this key and every frame followed by a checkpoint signed with a fresh per-clip Ed25519 key.
   * Without it the clip is version 1 (unsigned; readers flag it).
   */
  deviceKey?: KeyLike;
}

/** Per-clip signing state: the Ed25519 key lives only in RAM. */
interface Signing { clipKey: KeyObject }

export interface SegmentInput {
  startMs: number;
  durationMs: number;
  keyframe: boolean;
  /** The segment's bytes, or its parts in order (the pre-record ring's blocks: encrypted without a joining copy). */
  data: Buffer | readonly Buffer[];
}

export interface FinishResult {
  segments: number;
  bytes: number;
  sha256: string;
}

export class ClipWriter {
  private counter = 0;
  private offset = 0;
  private done = false;
  private failed: Error | null = null;
  private lastEndMs = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly hash: Hash = createHash('sha256');

  private constructor(
    private readonly fh: FileHandle,
    private readonly key: Buffer,
    private readonly noncePrefix: Buffer,
    private readonly sync: boolean,
    readonly meta: ClipMeta,
    private readonly signing: Signing | null,
  ) {}

  /** Version 2 (signed) or 1. */
  get signed(): boolean {
    return this.signing !== null;
  }

  /** Create the clip file (must not exist), write and fsync the header and the directory entry. */
  static async create(path: string, o: ClipWriterOptions): Promise<ClipWriter> {
    let clip: { privateKey: KeyObject; publicKey: KeyObject } | null = null;
    const extra: Record<string, unknown> = {};
    if (o.deviceKey) {
      clip = generateKeyPairSync('ed25519');
      extra.clipKey = Buffer.from(clip.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
    }
    const meta = { ...o.meta, ...extra, v: 1, epochId: o.epochId } as ClipMeta;
    assertNoLocation(meta);
    for (const f of ['clipId', 'deviceId', 'startedAt'] as const) {
      if (typeof meta[f] !== 'string' || !meta[f]) throw new ClipFormatError(`meta.${f} is required`);
    }
    const pub = o.publicKey instanceof KeyObject && o.publicKey.type === 'public' ? o.publicKey : createPublicKey(o.publicKey);
    if (pub.asymmetricKeyType !== 'rsa') throw new ClipFormatError('publicKey must be an RSA key (RSA-OAEP SHA-256)');
    const dataKey = randomBytes(32);
    const noncePrefix = randomBytes(NONCE_PREFIX_LEN);
    const wrappedKey = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, dataKey);
    const keyId = createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest();
    const body = encodeHeaderBody({ noncePrefix, wrappedKey, keyId, epochId: o.epochId, meta, version: clip ? VERSION_SIGNED : VERSION });
    const mac = headerMac(dataKey, body);
    const header = Buffer.concat([body, mac]);
    const headerHash = createHash('sha256').update(header).digest();
    const key = segmentKey(dataKey, headerHash);
    dataKey.fill(0);
    // The device key signs the header (which names the clip key) once; per-frame checkpoints use the
    // cheap per-clip key, so an RSA signature is paid once per clip, not once per second.
    const first = clip ? [header, encodeHeaderSeal(signData(o.deviceKey!, headerSealMessage(headerHash)))] : [header];
    const fh = await open(path, 'wx', 0o600);
    const w = new ClipWriter(fh, key, noncePrefix, o.sync !== false, meta, clip ? { clipKey: clip.privateKey } : null);
    try {
      await w.writeFrame(first);
      await fsyncDir(dirname(path));
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
    return w;
  }

  get segments(): number {
    return this.counter;
  }
  get bytes(): number {
    return this.offset;
  }

  /** Encrypt, write and fsync one segment. Calls are serialised in call order. */
  appendSegment(s: SegmentInput): Promise<void> {
    return this.enqueue(() => {
      if (!(Buffer.isBuffer(s.data) || (Array.isArray(s.data) && s.data.every((b) => Buffer.isBuffer(b))))) {
        throw new ClipFormatError('segment data must be a Buffer or an array of Buffers');
      }
      const rec = encodeRecordHeader(RECORD_VIDEO, s.keyframe, s.startMs, s.durationMs);
      // From the stored (rounded) values, as a reader computes it (docs/clip-format.md §3.1).
      this.lastEndMs = Math.max(this.lastEndMs, Math.round(s.startMs) + Math.round(s.durationMs));
      return this.sealAndWrite(rec, s.data, false);
    });
  }

  /**
   * Mark a moment (ms since the epoch): a marker block and a checkpoint over it, written
   * together, so the marker is signed and durable at once (docs/clip-format.md §7.4). Version 2 only.
   */
  mark(atMs: number): Promise<void> {
    return this.enqueue(async () => {
      const signing = this.signing;
      if (!signing) throw new ClipFormatError('markers need a signed (version 2) clip');
      await this.writeFrame([encodeMarker(atMs)], () => this.checkpoint(signing, this.counter, 0, this.lastEndMs));
    });
  }

  /** Write the final (authenticated) metadata segment, fsync and close. */
  finish(finalMeta: Record<string, unknown>): Promise<FinishResult> {
    return this.enqueue(async () => {
      assertNoLocation(finalMeta, 'finalMeta');
      const payload = Buffer.from(JSON.stringify({ ...finalMeta, segments: this.counter }), 'utf8');
      const rec = encodeRecordHeader(RECORD_FINAL, false, this.lastEndMs, 0);
      const stopMs = typeof finalMeta.stoppedAtMs === 'number' ? finalMeta.stoppedAtMs : this.lastEndMs;
      await this.sealAndWrite(rec, payload, true, stopMs);
      this.done = true;
      this.key.fill(0);
      await this.fh.close();
      return { segments: this.counter, bytes: this.offset, sha256: this.hash.digest('hex') };
    });
  }

  /** Stop without a final segment (tests simulate a power cut with this). The file stays as it is. */
  abandon(): Promise<void> {
    return this.enqueue(async () => {
      this.done = true;
      this.key.fill(0);
      await this.fh.close();
    });
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.done) throw new ClipFormatError('clip writer is already finished');
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sealAndWrite(rec: Buffer, data: Buffer | readonly Buffer[], last: boolean, stopMs = 0): Promise<void> {
    if (this.counter >= MAX_SEGMENTS) throw new ClipFormatError('too many segments for one clip');
    const chunks = Buffer.isBuffer(data) ? [data] : data;
    let dataLen = 0;
    for (const d of chunks) dataLen += d.length;
    const len = RECORD_HEADER_LEN + dataLen + TAG_LEN;
    if (len > MAX_FRAME_LEN) throw new ClipFormatError(`segment too large: ${dataLen} bytes`);
    const c = createCipheriv('aes-256-gcm', this.key, segmentNonce(this.noncePrefix, this.counter, last));
    const prefix = Buffer.allocUnsafe(FRAME_PREFIX_LEN);
    prefix.writeUInt32BE(len, 0);
    // GCM is a stream mode: encrypting the parts one after another gives the same bytes as their join.
    const parts: Buffer[] = [prefix, c.update(rec)];
    for (const d of chunks) parts.push(c.update(d));
    c.final();
    parts.push(c.getAuthTag());
    const signing = this.signing;
    if (signing) {
      const endMs = last ? stopMs : this.lastEndMs;
      await this.writeFrame(parts, () => this.checkpoint(signing, this.counter + 1, last ? CHECKPOINT_CLOSED : 0, endMs));
    } else await this.writeFrame(parts);
    this.counter++;
  }

  /**
   * The checkpoint after what was just hashed: it signs the SHA-256 of the file up to it, a copy of the
   * running hash the clip's sha256 comes from, so every stored byte is hashed once, not twice.
   */
  private checkpoint(signing: Signing, frames: number, flags: number, endMs: number): Buffer {
    const cp = { frames, flags, endMs, chain: this.hash.copy().digest() };
    return encodeCheckpoint({ ...cp, sig: sign(null, checkpointMessage(cp), signing.clipKey) });
  }

  /**
   * One writev per frame, then fsync. The running sha256 is fed while the fsync is in flight (it runs
   * on libuv's pool). A signed frame's checkpoint needs the hash of the frame first: it is fed while the
   * writev is in flight instead, and the checkpoint is written behind the frame before the same fsync
   * (after a power cut recovery keeps only what a checkpoint covers, so every whole frame kept is
   * signed). After any failure the writer refuses further use: the clip is left for boot recovery,
   * which cuts the torn tail and re-hashes what is on flash.
   */
  private async writeFrame(parts: Buffer[], checkpoint?: () => Buffer): Promise<void> {
    if (this.failed) throw this.failed;
    let total = 0;
    for (const p of parts) total += p.length;
    try {
      const writing = this.fh.writev(parts, this.offset);
      let cp: Buffer | null = null;
      let cpError: unknown = null;
      if (checkpoint) {
        for (const p of parts) this.hash.update(p);
        try {
          cp = checkpoint();
        } catch (err) {
          cpError = err;
        }
      }
      const { bytesWritten } = await writing;
      if (cpError) throw cpError;
      if (bytesWritten !== total) throw new Error(`short write (${bytesWritten} of ${total} bytes): flash full?`);
      if (cp) {
        const w = await this.fh.write(cp, 0, cp.length, this.offset + total);
        if (w.bytesWritten !== cp.length) throw new Error(`short write (${w.bytesWritten} of ${cp.length} checkpoint bytes): flash full?`);
        total += cp.length;
      }
      const syncing = this.sync ? this.fh.sync() : Promise.resolve();
      if (cp) this.hash.update(cp);
      else for (const p of parts) this.hash.update(p);
      await syncing;
    } catch (err) {
      await this.fh.truncate(this.offset).catch(() => undefined);
      this.failed = err as Error;
      throw err;
    }
    this.offset += total;
  }
}
