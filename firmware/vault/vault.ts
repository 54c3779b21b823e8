// The camera's vault: encrypted clip files on flash plus their sqlite index. The camera holds public
// keys only, so it can write clips but never read them. The only delete path is wipe(), which needs
// the central store's signed receipt for exactly this clip's bytes.
import { randomUUID, type KeyLike } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../shared/clock.js';
import { sha256Hex } from '../../shared/crypto.js';
import {
  signDocument, type CameraVault, type ClipSummary, type ReceiptBody, type SignedDocument, type WipeCertificateBody,
} from '../../shared/evidence.js';
import { ClipWriter, type SegmentInput } from '../../shared/clip/writer.js';
import { verifyReceipt } from '../../shared/receipt-check.js';
import type { EventLog } from '../event-log.js';
import { IndexDb, type ClipRow } from './index-db.js';
import { recoverClipFile, sha256File } from './recovery.js';
import { fsyncDir, overwriteFile } from '../../shared/durable-file.js';
import { fstrimDiscard, type DiscardResult } from './wipe.js';

export interface VaultOptions {
  /** Flash directory (data partition). */
  dir: string;
  deviceId: string;
  clock: Clock;
  evidenceKey: { epochId: string; publicKey: KeyLike };
  /** Central store's key that signs clip receipts. */
  receiptPublicKey: KeyLike;
  /**
   * Camera identity key (identity/key.pem): seals every clip's header (clips are then format version 2,
   * docs/clip-format.md §7) and signs wipe certificates. Without it clips are unsigned and the camera
   * refuses to wipe.
   */
  deviceKey?: KeyLike;
  log: EventLog;
  /** How freed blocks are discarded after a wipe (default: fstrim on the mount when root). */
  discard?: (dir: string) => Promise<DiscardResult>;
}

export interface ActiveClip {
  clipId: string;
  appendSegment(seg: SegmentInput): Promise<void>;
  close(stoppedAtMs: number, finalMeta?: Record<string, unknown>): Promise<ClipSummary>;
  /** A signed marker at this moment (docs/clip-format.md §7.4); refused for an unsigned clip. */
  mark(atMs: number): Promise<void>;
  /** Tests only: stop writing as a power cut would (no final segment, row stays 'recording'). */
  abandonForTest(): Promise<void>;
}

const MAX_CHUNK = 4 * 1024 * 1024;
/** Wipe certificates kept for a lost answer, at most (the newest). */
const MAX_KEPT_CERTS = 1000;
const CLIP_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
/** Clip files kept open for READs (a pull reads one clip in hundreds of chunks); the least recent closes first. */
const MAX_OPEN_CLIPS = 4;

export class Vault implements CameraVault {
  readonly clipsDir: string;
  private readonly index: IndexDb;
  private readonly active = new Set<string>();
  private evidenceKey: VaultOptions['evidenceKey'];
  private readonly openClips = new Map<string, Promise<FileHandle>>();

  constructor(private readonly o: VaultOptions) {
    this.clipsDir = join(o.dir, 'clips');
    mkdirSync(this.clipsDir, { recursive: true, mode: 0o700 });
    this.index = new IndexDb(join(o.dir, 'index.db'));
    // A power cut between a wipe's index delete and its journal scrub left the old row there.
    this.index.scrubJournal();
    this.evidenceKey = o.evidenceKey;
  }

  /** Switch to a new evidence-key epoch for clips begun from now on. */
  setEvidenceKey(k: VaultOptions['evidenceKey']): void {
    this.evidenceKey = k;
  }

  async beginClip(meta: Record<string, unknown>): Promise<ActiveClip> {
    const clipId = randomUUID();
    const startedAtMs = typeof meta.startedAtMs === 'number' ? meta.startedAtMs : this.o.clock.now();
    const startedAt = new Date(startedAtMs).toISOString();
    const path = join(this.clipsDir, `${clipId}.bcc`);
    const { epochId, publicKey } = this.evidenceKey;
    const writer = await ClipWriter.create(path, { meta: { ...meta, clipId, deviceId: this.o.deviceId, startedAt }, epochId, publicKey, deviceKey: this.o.deviceKey });
    // File first, row second: a crash in between leaves an orphan file that recover() indexes.
    this.index.insert({
      clip_id: clipId, state: 'recording', path: `clips/${clipId}.bcc`, bytes: writer.bytes, sha256: null,
      started_at: startedAt, stopped_at: null, epoch_id: epochId, meta: JSON.stringify(writer.meta),
    });
    this.active.add(clipId);
    return {
      clipId,
      appendSegment: (seg) => writer.appendSegment(seg),
      mark: (atMs) => writer.mark(atMs),
      close: async (stoppedAtMs, finalMeta = {}) => {
        const stoppedAt = new Date(stoppedAtMs).toISOString();
        const r = await writer.finish({ ...finalMeta, stoppedAt, stoppedAtMs });
        this.index.finish(clipId, 'closed', r.bytes, r.sha256, stoppedAt);
        this.active.delete(clipId);
        return this.summary(this.index.get(clipId)!);
      },
      abandonForTest: async () => {
        await writer.abandon();
        this.active.delete(clipId);
      },
    };
  }

  /**
   * At boot: close every clip left 'recording' (and index orphan files) as 'truncated', keeping every
   * whole segment and cutting a torn tail. Call before beginClip.
   */
  async recover(): Promise<ClipSummary[]> {
    const out: ClipSummary[] = [];
    const known = new Set(this.index.all().map((r) => r.clip_id));
    for (const f of readdirSync(this.clipsDir)) {
      const id = f.endsWith('.bcc') ? f.slice(0, -4) : '';
      if (!CLIP_ID.test(id) || known.has(id)) continue;
      const r = await recoverClipFile(join(this.clipsDir, f));
      this.index.insert({
        clip_id: id, state: 'recording', path: `clips/${f}`, bytes: 0, sha256: null,
        started_at: typeof r.meta?.startedAt === 'string' ? r.meta.startedAt : new Date(0).toISOString(),
        stopped_at: null, epoch_id: r.meta?.epochId ?? 'unknown', meta: JSON.stringify(r.meta ?? {}),
      });
    }
    for (const row of this.index.byState('recording')) {
      if (this.active.has(row.clip_id)) continue;
      let r;
      try {
        r = await recoverClipFile(join(this.o.dir, row.path));
      } catch (err) {
        // Boot must go on; the row stays 'recording' (never listed, never wiped) and the fault is logged.
        this.o.log.append('fault', { kind: 'recover', clipId: row.clip_id, message: (err as Error).message });
        continue;
      }
      this.index.finish(row.clip_id, 'truncated', r.bytes, r.sha256, null);
      this.o.log.append('recover', { clipId: row.clip_id, frames: r.frames, cutBytes: r.cutBytes, bytes: r.bytes, problem: r.problem });
      out.push(this.summary(this.index.get(row.clip_id)!));
    }
    return out;
  }

  list(): ClipSummary[] {
    this.dropTakenCerts();
    return this.index.byState('closed', 'truncated').map((r) => this.summary(r));
  }

  async readChunk(clipId: string, offset: number, length: number): Promise<Buffer> {
    const row = this.offloadable(clipId);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > row.bytes) throw new Error(`readChunk: offset ${offset} outside 0..${row.bytes}`);
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_CHUNK) throw new Error(`readChunk: length ${length} outside 0..${MAX_CHUNK}`);
    const n = Math.min(length, row.bytes - offset);
    const fh = await this.clipFile(clipId, join(this.o.dir, row.path));
    // Not zero-filled: every byte is read into it below, or it is dropped with the error.
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await fh.read(buf, got, n - got, offset + got);
      if (bytesRead === 0) throw new Error(`readChunk: clip ${clipId} file is shorter than indexed`);
      got += bytesRead;
    }
    return buf;
  }

  /** The clip's file, opened once for all the READs of a pull (a closed clip's file never changes). */
  private clipFile(clipId: string, path: string): Promise<FileHandle> {
    let fh = this.openClips.get(clipId);
    if (fh) {
      this.openClips.delete(clipId); // most recent last
    } else {
      fh = open(path, 'r');
      fh.catch(() => { if (this.openClips.get(clipId) === fh) this.openClips.delete(clipId); });
    }
    this.openClips.set(clipId, fh);
    for (const id of this.openClips.keys()) {
      if (this.openClips.size <= MAX_OPEN_CLIPS) break;
      this.closeClipFile(id);
    }
    return fh;
  }

  /** FileHandle.close waits for reads in progress on it. */
  private closeClipFile(clipId: string): Promise<void> {
    const fh = this.openClips.get(clipId);
    this.openClips.delete(clipId);
    return fh ? fh.then((h) => h.close(), () => undefined).catch(() => undefined) : Promise.resolve();
  }

  async wipe(clipId: string, receipt: SignedDocument): Promise<SignedDocument> {
    if (!this.o.deviceKey) throw new Error('wipe refused: this camera has no device key to sign a wipe certificate');
    this.dropTakenCerts();
    const row = this.index.get(clipId);
    if (!row) {
      // Wiped, but the answer may never have reached the dock (it died, the line broke): the same
      // receipt gets the same certificate again, until the dock has shown it took it (dropTakenCerts).
      const kept = this.index.keptCert(clipId);
      if (kept && typeof receipt?.body === 'string' && kept.receipt_sha256 === sha256Hex(Buffer.from(receipt.body, 'utf8'))) {
        return JSON.parse(kept.cert_json) as SignedDocument;
      }
      throw new Error(`wipe refused: no clip ${clipId} on this camera`);
    }
    if (row.state === 'recording' || this.active.has(clipId)) throw new Error(`wipe refused: clip ${clipId} is still recording`);
    if (row.sha256 === null) throw new Error(`wipe refused: clip ${clipId} has no hash in the index`);
    let body: ReceiptBody;
    try {
      body = verifyReceipt(receipt, this.o.receiptPublicKey, { clipId, deviceId: this.o.deviceId, sha256: row.sha256, bytes: row.bytes });
    } catch (err) {
      throw new Error(`wipe refused: ${(err as Error).message}`);
    }
    const path = join(this.o.dir, row.path);
    const receiptSha256 = sha256Hex(Buffer.from(receipt.body, 'utf8'));
    // A wipe interrupted after it began (power cut) is finished under the same receipt: the file may
    // already be zeroed or gone, so it can no longer match the hash.
    const resuming = row.wipe_receipt === receiptSha256;
    if (!resuming) {
      const onDisk = await sha256File(path);
      if (onDisk.sha256 !== body.sha256 || onDisk.bytes !== body.bytes) throw new Error('wipe refused: the file on flash no longer matches the receipt');
      this.index.markWipe(clipId, receiptSha256);
    }

    // No descriptor may keep the file's blocks after the wipe (a READ's, or a marker walk's).
    await this.closeClipFile(clipId);
    const steps: string[] = [];
    if (!resuming || existsSync(path)) {
      await overwriteFile(path);
      steps.push('overwrite', 'fsync');
      await unlink(path);
      steps.push('unlink');
    }
    await fsyncDir(this.clipsDir);
    steps.push('fsync-dir');
    await this.closeClipFile(clipId); // one a READ racing the wipe opened
    steps.push(await (this.o.discard ?? fstrimDiscard)(this.o.dir));
    // The certificate is signed before the index row goes, and kept in the same transaction that deletes it.
    steps.push('index-delete');
    const cert: WipeCertificateBody = {
      v: 1, kind: 'wipe-certificate', clipId, deviceId: this.o.deviceId, sha256: row.sha256!, bytes: row.bytes,
      wipedAt: new Date(this.o.clock.now()).toISOString(), steps, receiptSha256,
    };
    const signed = signDocument(cert, this.o.deviceKey);
    this.index.finishWipe(clipId, receiptSha256, JSON.stringify(signed));
    this.index.scrubJournal();
    const entry = this.o.log.append('wipe', { clipId, sha256: cert.sha256, bytes: cert.bytes, steps, receiptSha256: cert.receiptSha256 }) as { seq?: unknown } | undefined;
    if (typeof entry?.seq === 'number') this.index.setCertLogSeq(clipId, entry.seq);
    return signed;
  }

  /** Wipe certificates kept for a resent answer (tests, status). */
  keptWipeCertificates(): number {
    return this.index.keptCertCount();
  }

  /**
   * The certificates still kept, for any dock to take to central (WIPE_CERTS): a dock that did not
   * see a wipe answered (it died, or the camera moved on) would otherwise never deliver it.
   */
  wipeCertificatesKept(skip: number, max: number): SignedDocument[] {
    if (skip === 0) this.dropTakenCerts(); // the first page: later pages of the same listing stay in place
    return this.index.keptCerts(skip, max).map((j) => JSON.parse(j) as SignedDocument);
  }

  /**
   * A kept certificate is dropped once central's signed receipt for this camera's device log covers the
   * wipe's log entry (the dock relays it with GET_LOG, docs/device-log.md "Pruning"): the dock had
   * taken the certificate before it fetched that log. At most MAX_KEPT_CERTS are kept whatever happens.
   */
  private dropTakenCerts(): void {
    // A dropped certificate's page is zeroed (secure_delete); the journal that held it is zeroed too.
    if (this.index.dropCerts(this.o.log.anchor?.().seq ?? 0, MAX_KEPT_CERTS) > 0) this.index.scrubJournal();
  }

  close(): void {
    for (const id of [...this.openClips.keys()]) void this.closeClipFile(id);
    this.index.close();
  }

  private offloadable(clipId: string): ClipRow {
    const row = this.index.get(clipId);
    if (!row) throw new Error(`no clip ${clipId}`);
    if (row.state === 'recording') throw new Error(`clip ${clipId} is still recording`);
    if (row.wipe_receipt) throw new Error(`clip ${clipId} is being wiped`);
    return row;
  }

  private summary(r: ClipRow): ClipSummary {
    return {
      clipId: r.clip_id, deviceId: this.o.deviceId, state: r.state, bytes: r.bytes, sha256: r.sha256,
      startedAt: r.started_at, stoppedAt: r.stopped_at, epochId: r.epoch_id,
    };
  }
}
