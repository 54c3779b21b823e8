// The central store's evidence lifecycle behind one facade: search, verified viewing, holds, deletion
// (retention and by hand) with receipts, epoch key custody and destruction, police/DSAR export.
// Users, access log, API and CLI (part B) sit on top of this and log every call they make.
import { KeyObject, createPrivateKey } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { ClipError, ClipFormatError, unwrapKey } from '../shared/clip/reader.js';
import type { SignedDocument } from '../shared/evidence.js';
import { createLogger, type Logger } from '../shared/log.js';
import type { BlobPort } from './blob/port.js';
import { openClipStream, readStoredHeader } from './clip-stream.js';
import type { Db } from './db.js';
import { MIGRATIONS } from './index/migrations.js';
import type { Index, Unit } from './index/port.js';
import { SqliteIndex } from './index/sqlite.js';
import { ReceiptBook, type DeletionReceipt } from './deletion-receipts.js';
import { exportPackage, purgeExports, removePackage, writePackage, type ExportItem, type ExportLabel, type ExportPackage, type ExportResult } from './export.js';
import { purgeCameraCerts } from './index/tables/camera-certs.js';
import { SORTS, clipExists, getClipWithHold, searchClips, setPurpose, type ClipWithHold, type SortKey } from './index/tables/clips.js';
import { purgeDeviceLog } from './index/tables/device-log.js';
import { getHold, getHoldWrap, holdHistory, liftHold, placeHold, purgeHoldEvents, type Hold, type HoldEvent } from './index/tables/holds.js';
import { purgeIncidents } from './index/tables/ingest-incidents.js';
import { purgeWipeCerts } from './index/tables/wipe-certificates.js';
import { DeadlinesSchema, daysAgo, hoursAgo, monthsAgo, type Deadlines } from './deadlines.js';
import { purgeExpiredPlans } from './index/tables/redaction-plans.js';
import { KeyStore } from './keys.js';
import { addToCase, casesOf, removeFromCase, type CaseEntry } from './index/tables/cases.js';
import { addOfficerMarker, markersOf, type Marker } from './index/tables/markers.js';
import {
  clipDeadlineMs, deleteOne, destroyEpochKeys, parseRetention, sweepExpired, unwrapHoldKey,
  type RetentionConfig, type RetentionCtx,
} from './retention.js';
import { LIMITS } from './input-limits.js';
import { StoreError, badInput } from './store-error.js';
import type { ZipOptions } from './zip-aes.js';
import type { RedactedCopy } from './redaction/service.js';

export { StoreError } from './store-error.js';
export type { DeletionReceipt, DeletionReceiptBody } from './deletion-receipts.js';
export { verifyDeletionReceipt, verifyKeyDestruction } from './deletion-receipts.js';

/** The clip page's header facts (docs/web-office.md): never a location, nothing decrypted. */
export interface HeaderFacts {
  /** 2: sealed by the camera (docs/clip-format.md §7); 1: unsigned. */
  version: number; deviceId: string; startedAt: string; purpose: string | null;
  prerecordSeconds: number | null; prebufferAudio: boolean | null; audioKept: string | null; policyHash: string | null;
}

// A type (not an interface) so it also fits callers' index-signature shapes.
export type ClipInfo = {
  clipId: string; deviceId: string; dockId: string; purpose: string | null; bytes: number; sha256: string; epochId: string;
  state: string; startedAt: string; stoppedAt: string | null; receivedAt: string;
  /** Why central thinks the camera's clock was far off when it recorded (the times are the camera's signed word), or null. */
  clockNote: string | null;
  /** 'camera-signed': ingest verified the camera's signature; 'unsigned': indexed before signatures (issue 11), not proven to be the camera's. */
  signature: 'camera-signed' | 'unsigned';
  /** When retention deletes it; null while on hold. */
  deleteAfter: string | null;
  hold: Hold | null;
};

export interface SearchCriteria {
  clipId?: string; deviceId?: string; purpose?: string; from?: string; to?: string; onHold?: boolean; hasMarker?: boolean; caseNumber?: string;
  /** Order (default: start, newest first); ties by clip id. */
  sort?: SortKey; order?: 'asc' | 'desc';
  limit?: number; offset?: number;
}
export { SORTS, type SortKey };

const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 date/time').transform((s) => new Date(s).toISOString());
const SearchSchema = z.object({
  clipId: z.string().min(1).max(200).optional(), deviceId: z.string().min(1).max(200).optional(), purpose: z.string().min(1).max(200).optional(),
  from: iso.optional(), to: iso.optional(), onHold: z.boolean().optional(), hasMarker: z.boolean().optional(), caseNumber: z.string().min(1).max(LIMITS.caseNumber).optional(),
  sort: z.enum(SORTS).optional(), order: z.enum(['asc', 'desc']).optional(),
  limit: z.number().int().min(1).max(LIMITS.searchResults).optional(), offset: z.number().int().min(0).max(LIMITS.searchOffset).optional(),
}).strict();
const ReasonBy = z.object({ reason: z.string().trim().min(1, 'required').max(LIMITS.reason), by: z.string().trim().min(1, 'required').max(200) });
const ExportIds = z.array(z.string().min(1).max(200)).min(1, 'at least one clip id').max(LIMITS.clipsPerRequest)
  .refine((a) => new Set(a).size === a.length, 'a clip id is listed twice');
const PoliceOpts = z.object({ journalNumber: z.string().trim().min(1, 'required').max(LIMITS.journalNumber), recipient: z.string().trim().min(1, 'required').max(LIMITS.recipient),
  by: z.string().trim().min(1, 'required').max(200), outPath: z.string().min(1, 'required') });
const SubjectOpts = z.object({ subject: z.string().trim().min(1, 'required').max(LIMITS.subject), by: z.string().trim().min(1, 'required').max(200), outPath: z.string().min(1, 'required') });

function parse<T>(schema: z.ZodType<T>, v: unknown, field?: string): T {
  const r = schema.safeParse(v);
  if (!r.success) throw badInput(r.error.issues.map((i) => ({ ...i, path: field ? [field, ...i.path] : i.path })));
  return r.data;
}

export interface EvidenceStoreOptions {
  /** Data directory: keys/ (unless keysDir) and, with a sqlite index, receipts.db live here. */
  dir: string; blobs: BlobPort;
  /** The sqlite connection to central.db (checked for secure_delete); absent with a PostgreSQL `index`. */
  db?: Db;
  /** The evidence-key files (config keysDir, shared by every node); default <dir>/keys. */
  keysDir?: string;
  /** The index port (docs/scale-out.md); default: sqlite on `db`. */
  index?: Index;
  /** 32 bytes (scrypt of a passphrase, or a KMS-fetched key file; see keys.ts). Never stored in dir. */
  masterKey: Buffer;
  /** The store's signing key (Ed25519): deletion, key-destruction receipts and export manifests. */
  signingKey: KeyObject;
  storeId: string;
  retention?: { defaultDays?: number; perPurpose?: Record<string, number>; staleEpochDays?: number };
  /** Deadlines of the other records (deadlines.ts); defaults when absent. */
  deadlines?: Partial<Deadlines>;
  /** Where the API writes export packages: the package deadline removes them from here only. Default <dir>/exports. */
  exportsDir?: string;
  now?: () => number;
  log?: Logger;
}

type Row = ClipWithHold;

export class EvidenceStore {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  private constructor(private readonly blobs: BlobPort, readonly keys: KeyStore, private readonly receipts: ReceiptBook,
    readonly retention: RetentionConfig, private readonly o: EvidenceStoreOptions, private readonly now: () => number, private readonly log: Logger,
    /** The tables already behind the index port (docs/scale-out.md). */
    readonly index: Index) {}

  static async open(o: EvidenceStoreOptions): Promise<EvidenceStore> {
    if (typeof o.dir !== 'string' || !o.dir) throw new StoreError('bad-input', 'dir: required');
    if (typeof o.storeId !== 'string' || !o.storeId) throw new StoreError('bad-input', 'storeId: required');
    if (!(o.signingKey instanceof KeyObject) || o.signingKey.type !== 'private') throw new StoreError('bad-input', 'signingKey: must be a private KeyObject');
    // No soft delete: the index must zero deleted rows and keep no WAL of them.
    if (!o.db && !o.index) throw new StoreError('bad-input', 'db or index: one is required');
    if (o.db && o.db.pragma('secure_delete', { simple: true }) !== 1) throw new StoreError('bad-input', 'db: secure_delete must be ON (open it with openCentralDb)');
    if (o.db && String(o.db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'delete') throw new StoreError('bad-input', 'db: journal_mode must be DELETE (open it with openCentralDb)');
    const retention = parseRetention(o.retention);
    await mkdir(o.dir, { recursive: true, mode: 0o700 });
    const index = o.index ?? SqliteIndex.for(o.db!);
    await index.migrate(MIGRATIONS);
    const now = o.now ?? Date.now;
    const receipts = await ReceiptBook.open({ dir: o.dir, index, signingKey: o.signingKey, storeId: o.storeId });
    let keys: KeyStore;
    try { keys = await KeyStore.open({ keysDir: o.keysDir ?? `${o.dir}/keys`, index, masterKey: o.masterKey, receipts, now }); }
    catch (err) { await receipts.close(); throw err; }
    return new EvidenceStore(o.blobs, keys, receipts, retention, o, now, o.log ?? createLogger('evidence'), index);
  }

  private ctx(): RetentionCtx {
    return { index: this.index, blobs: this.blobs, receipts: this.receipts, keys: this.keys, cfg: this.retention, now: this.now, log: this.log };
  }

  private info(r: Row): ClipInfo {
    const hold = r.hold_case ? { reason: r.hold_reason!, caseNumber: r.hold_case, placedBy: r.hold_by!, placedAt: r.hold_at! } : null;
    // Counted from the recording start, but never from later than the clip reached the store (a camera clock running ahead),
    // and from the receipt when central flagged the camera's clock as far off (a clock reset to 1970 must not expire evidence at once).
    const deadline = clipDeadlineMs(this.retention, { purpose: r.purpose, startedMs: Date.parse(r.started_at), receivedMs: Date.parse(r.received_at), clockNote: r.clock_note });
    return {
      clipId: r.clip_id, deviceId: r.device_id, dockId: r.dock_id, purpose: r.purpose ?? null, bytes: r.bytes, sha256: r.sha256,
      epochId: r.epoch_id, state: r.clip_state, startedAt: r.started_at, stoppedAt: r.stopped_at, receivedAt: r.received_at, clockNote: r.clock_note ?? null,
      signature: r.camera_cert_sha256 ? 'camera-signed' : 'unsigned',
      deleteAfter: hold ? null : new Date(deadline).toISOString(), hold,
    };
  }

  /** Clips matching every given criterion, newest recording first (default limit 100). Clips being deleted are left out. */
  async search(c: SearchCriteria): Promise<ClipInfo[]> {
    const v = parse(SearchSchema, c ?? {});
    const rows = await this.index.tx((u) => searchClips(u, { ...v, limit: v.limit ?? 100, offset: v.offset ?? 0 }));
    return rows.map((r) => this.info(r));
  }

  async get(clipId: string, u?: Unit): Promise<ClipInfo | undefined> {
    const r = await this.within(u, (x) => getClipWithHold(x, clipId));
    return r ? this.info(r) : undefined;
  }

  private async row(clipId: string, u?: Unit): Promise<Row> {
    if (typeof clipId !== 'string' || !clipId) throw new StoreError('bad-input', 'clipId: required');
    const r = await this.within(u, (x) => getClipWithHold(x, clipId));
    if (!r) throw new StoreError('not-found', `clip ${clipId}: not in the store`);
    return r;
  }

  /** Verified plaintext payloads: epoch key while it exists, else the hold re-wrap; the receipt hash is checked at the end. */
  private async payloads(r: Row): Promise<AsyncGenerator<Buffer, void>> {
    const epoch = await this.keys.record(r.epoch_id);
    const wrap = await this.index.tx((u) => getHoldWrap(u, r.clip_id));
    // The private key is fetched before the stream starts: the unwrap inside it is synchronous.
    const epochKey = epoch && !epoch.destroyedAt ? await this.keys.privateKey(r.epoch_id) : undefined;
    const holdKey = !epochKey && wrap ? await this.keys.privateKey(wrap.keyName) : undefined;
    const dataKey = (h: Parameters<typeof unwrapKey>[0]): Buffer => {
      if (epochKey) return unwrapKey(h, epochKey);
      if (wrap && holdKey) return unwrapHoldKey(holdKey, wrap.wrappedKey);
      if (epoch) throw new StoreError('key-destroyed', `clip ${r.clip_id}: epoch key ${r.epoch_id} was destroyed at ${epoch.destroyedAt}; the clip can no longer be decrypted`);
      throw new StoreError('key-missing', `clip ${r.clip_id}: this store holds no key for epoch ${r.epoch_id}`);
    };
    const corrupt = (err: unknown) => err instanceof ClipError || err instanceof ClipFormatError
      ? new StoreError('corrupt', `clip ${r.clip_id}: stored copy fails verification: ${err.message}`) : err;
    let s;
    try {
      s = await openClipStream(this.blobs.read(r.blob_key), { dataKey, expectSha256: r.sha256, allowTruncated: r.clip_state === 'truncated' });
    } catch (err) { throw corrupt(err); }
    const inner = s.payloads;
    return (async function* () { try { yield* inner; } catch (err) { throw corrupt(err); } })();
  }

  /** The clip's MPEG-TS, verified as it streams (a failure ends the stream with an error). */
  async openPlaintext(clipId: string): Promise<Readable> {
    return Readable.from(await this.payloads(await this.row(clipId)), { objectMode: false });
  }

  /** Place a hold (in `u`, the unit its access-log entry is written in, when given). */
  async placeHold(clipId: string, h: { reason: string; caseNumber: string; by: string }, u?: Unit): Promise<ClipInfo> {
    return this.within(u, async (x) => {
      await placeHold(x, clipId, h, new Date(this.now()).toISOString());
      return (await this.get(clipId, x))!;
    });
  }

  async liftHold(clipId: string, h: { reason: string; by: string }, u?: Unit): Promise<ClipInfo> {
    return this.within(u, async (x) => {
      await liftHold(x, clipId, h, new Date(this.now()).toISOString());
      return (await this.get(clipId, x))!;
    });
  }

  /** An officer's bookmark, `offsetMs` from the clip's start; refused past the clip's end when that is known. */
  async addMarker(clipId: string, m: { offsetMs: number; note: string; by: string }, u?: Unit): Promise<Marker> {
    const v = parse(z.object({ offsetMs: z.number().int().min(0), note: z.string().trim().min(1, 'required').max(LIMITS.markerNote), by: z.string().min(1).max(200) }), m);
    const r = await this.row(clipId, u);
    const start = Date.parse(r.started_at);
    const length = r.stopped_at ? Date.parse(r.stopped_at) - start : NaN;
    if (Number.isFinite(length) && v.offsetMs > length + 1000) throw new StoreError('bad-input', `offsetMs: past the clip's end (${length} ms)`);
    return this.within(u, (q) => addOfficerMarker(q, { clipId, atMs: start + v.offsetMs, note: v.note, by: v.by }, new Date(this.now()).toISOString()));
  }

  markers(clipId: string): Promise<Marker[]> { return this.index.tx((q) => markersOf(q, clipId)); }

  /** In the caller's unit (its change commits with the caller's log entry), or a unit of its own. */
  private within<T>(u: Unit | undefined, fn: (u: Unit) => Promise<T>): Promise<T> { return u ? fn(u) : this.index.tx(fn); }

  /**
   * What the camera wrote in the clip's cleartext header (sealed by its key, verified at ingest), read
   * from the stored blob's first bytes, no key needed: only the named members, never anything else.
   */
  async headerFacts(clipId: string): Promise<HeaderFacts> {
    const r = await this.row(clipId);
    const h = await readStoredHeader(this.blobs, r.blob_key);
    const m = h.meta;
    const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v) ? v : null;
    const str = (v: unknown) => typeof v === 'string' && v ? v.slice(0, 200) : null;
    return {
      version: h.version, deviceId: m.deviceId, startedAt: m.startedAt, purpose: str(m.purpose), prerecordSeconds: num(m.prerecordSeconds),
      prebufferAudio: typeof m.prebufferAudio === 'boolean' ? m.prebufferAudio : null, audioKept: str(m.audioKept), policyHash: str(m.policyHash),
    };
  }

  /** Change the clip's purpose (category); its retention deadline follows (ClipInfo.deleteAfter). */
  async setCategory(clipId: string, c: { purpose: string; reason: string; by: string }, u?: Unit): Promise<ClipInfo> {
    const v = parse(z.object({ purpose: z.string().trim().min(1, 'required').max(64), reason: z.string().trim().min(1, 'required').max(LIMITS.reason), by: z.string().min(1).max(200) }), c);
    return this.within(u, async (x) => {
      await this.row(clipId, x);
      await setPurpose(x, clipId, v.purpose);
      return (await this.get(clipId, x))!;
    });
  }

  async addToCase(clipId: string, c: { caseNumber: string; by: string }, u?: Unit): Promise<ClipInfo> {
    const v = parse(z.object({ caseNumber: z.string().trim().min(1, 'required').max(LIMITS.caseNumber), by: z.string().min(1).max(200) }), c);
    await this.row(clipId, u);
    if (!await this.within(u, (q) => addToCase(q, { clipId, caseNumber: v.caseNumber, by: v.by }, new Date(this.now()).toISOString()))) {
      throw new StoreError('exists', `clip ${clipId} is already in case ${v.caseNumber}`);
    }
    return (await this.get(clipId, u))!;
  }

  async removeFromCase(clipId: string, c: { caseNumber: string; reason: string; by: string }, u?: Unit): Promise<ClipInfo> {
    await this.row(clipId, u);
    if (!await this.within(u, (q) => removeFromCase(q, c.caseNumber, clipId))) throw new StoreError('not-found', `clip ${clipId} is not in case ${c.caseNumber}`);
    return (await this.get(clipId, u))!;
  }

  cases(clipId: string): Promise<CaseEntry[]> { return this.index.tx((q) => casesOf(q, clipId)); }

  async setBlobHold(clipId: string, on: boolean): Promise<void> {
    const r = await this.index.tx((u) => getClipWithHold(u, clipId));
    if (!r) return; // placeHold/liftHold name the error
    if (on) return this.blobs.setHold(r.blob_key, true);
    await this.blobs.setHold(r.blob_key, false).catch((err: unknown) => this.log.error({ clipId, err: String(err) }, 'lifting the blob hold failed; the blob stays held until its deletion lifts it'));
    await this.extendRetainUntil(clipId);
  }

  /**
   * The blob's retain-until (S3 GOVERNANCE) follows the clip's deadline when that moved later (a category
   * with longer retention, a hold lifted): never earlier than the deadline, so an administrator without
   * the bypass cannot delete the clip before it. Never shortened here. A failure is logged: the blob keeps
   * its earlier date, and retention still deletes only at the index's deadline.
   */
  async extendRetainUntil(clipId: string): Promise<void> {
    const r = await this.index.tx((u) => getClipWithHold(u, clipId));
    const after = r && this.info(r).deleteAfter;
    // Held: the legal hold protects it. Past: S3 takes no date in the past, and the clip is due anyway.
    if (!r || !after || Date.parse(after) <= Date.now()) return;
    try {
      const have = (await this.blobs.lock(r.blob_key)).retainUntil;
      if (have && have.getTime() >= Date.parse(after)) return;
      await this.blobs.setRetainUntil(r.blob_key, new Date(after));
    } catch (err) {
      this.log.error({ clipId, deleteAfter: after, err: String(err) }, 'moving the blob retain-until to the new deadline failed; it keeps its earlier date');
    }
  }

  holdHistory(clipId?: string): Promise<HoldEvent[]> { return this.index.tx((u) => holdHistory(u, clipId)); }

  /** Delete a clip now (refused while held). The reason is for the caller's access log, not the receipt. */
  async deleteNow(clipId: string, o: { reason: string; by: string }): Promise<DeletionReceipt> {
    const v = parse(ReasonBy, o);
    await this.row(clipId);
    if (await this.index.tx((u) => getHold(u, clipId))) throw new StoreError('on-hold', `clip ${clipId}: on hold; lift the hold before deleting`);
    return deleteOne(this.ctx(), clipId, v.by);
  }

  /** One retention run: finish interrupted deletions, delete expired unheld clips, destroy spent epoch keys. */
  async runRetention(): Promise<{ deleted: DeletionReceipt[]; epochKeysDestroyed: string[] }> {
    while (this.running) await this.running.catch(() => undefined);
    const run = (async () => {
      const deleted = await sweepExpired(this.ctx());
      const epochKeysDestroyed = await destroyEpochKeys(this.ctx());
      if (deleted.length || epochKeysDestroyed.length) this.log.info({ deleted: deleted.length, epochKeysDestroyed }, 'retention run');
      return { deleted, epochKeysDestroyed };
    })();
    this.running = run;
    try { return await run; } finally { this.running = null; }
  }

  /** Run retention now and then every `everyMs` (the job "on a schedule and at start"). */
  startRetentionSchedule(everyMs = 3_600_000, onRun?: (r: { deleted: DeletionReceipt[]; epochKeysDestroyed: string[] } | Error) => void): void {
    if (this.timer) return;
    const tick = () => { this.runRetention().then((r) => onRun?.(r), (err: Error) => { this.log.error({ err: String(err) }, 'retention run failed'); onRun?.(err); }); };
    tick();
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
  }

  /**
   * One run of the record deadlines (issue 19, docs/data-inventory.md): device-log entries (with a chain
   * anchor per camera), wipe certificates, incidents, camera certificates, hold history, export packages
   * and records, deletion and key-destruction receipts, destroyed keys' records. Counts per kind.
   */
  async purgeRecords(): Promise<Record<string, number>> {
    const d = DeadlinesSchema.parse(this.o.deadlines ?? {});
    const now = this.now();
    const at = new Date(now).toISOString();
    const ex = await purgeExports(this.index, { exportsDir: this.exportsDir, packagesBefore: hoursAgo(now, d.exportPackageHours), recordsBefore: monthsAgo(now, d.exportRecordMonths), at });
    const r = await this.receipts.purge({ deletionsBefore: monthsAgo(now, d.deletionReceiptMonths), keyDestructionsBefore: monthsAgo(now, d.keyDestructionMonths) });
    const out = {
      deviceLogEntries: await this.index.tx((u) => purgeDeviceLog(u, daysAgo(now, d.deviceLogDays), at)),
      wipeCertificates: await this.index.tx((u) => purgeWipeCerts(u, daysAgo(now, d.wipeCertificateDays))),
      ingestIncidents: await this.index.tx((u) => purgeIncidents(u, daysAgo(now, d.ingestIncidentDays))),
      cameraCerts: await this.index.tx((u) => purgeCameraCerts(u, daysAgo(now, d.cameraCertDays))),
      holdEvents: await this.index.tx((u) => purgeHoldEvents(u, monthsAgo(now, d.holdEventMonths))),
      exportPackages: ex.packages + ex.strays, exportRecords: ex.records,
      deletionReceipts: r.deletionReceipts, keyDestructions: r.keyDestructions,
      destroyedKeyRecords: await this.keys.purgeDestroyed(monthsAgo(now, d.keyDestructionMonths)),
      // The redaction service's plans carry their own delete_after (PLAN_RETENTION_DAYS); this job enforces it.
      redactionPlans: await this.index.tx((u) => purgeExpiredPlans(u, now)),
    };
    if (Object.values(out).some((n) => n > 0)) this.log.info({ purged: out }, 'record deadlines run');
    return out;
  }

  private get exportsDir(): string { return this.o.exportsDir ?? `${this.o.dir}/exports`; }

  /** An export package still on the server, for download; refused once it has left. */
  async exportPackage(exportId: number): Promise<ExportPackage> {
    const p = await exportPackage(this.index, exportId);
    if (!p) throw new StoreError('not-found', `export ${exportId}: no such export package`);
    if (p.removedAt) throw new StoreError('gone', `export ${exportId}: the package left the server at ${p.removedAt} (downloaded, or past its deadline)`);
    // Removal unlinks before it notes the time: a request in between finds no file, and hears why.
    const there = await stat(p.path).then(() => true, (err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return false; throw err; });
    if (!there) throw new StoreError('gone', `export ${exportId}: the package is leaving the server (downloaded, or past its deadline)`);
    return p;
  }

  /** After a complete download the package leaves the server (overwritten, unlinked). */
  async packageDownloaded(exportId: number): Promise<void> {
    const p = await exportPackage(this.index, exportId);
    if (p && !p.removedAt) await removePackage(this.index, this.exportsDir, p, new Date(this.now()).toISOString());
  }

  async deletionReceipts(o: { since?: string } = {}): Promise<DeletionReceipt[]> {
    const since = o.since === undefined ? undefined : parse(iso, o.since, 'since');
    return this.receipts.deletions(since);
  }

  keyDestructionReceipts(): Promise<SignedDocument[]> { return this.receipts.keyDestructions(); }

  private async items(ids: string[]): Promise<ExportItem[]> {
    const rows: Row[] = [];
    for (const id of ids) rows.push(await this.row(id));
    return rows.map((r) => {
      return {
        clipId: r.clip_id, deviceId: r.device_id, purpose: r.purpose ?? null, startedAt: r.started_at, stoppedAt: r.stopped_at,
        ciphertextBytes: r.bytes, ciphertextSha256: r.sha256, receipt: JSON.parse(r.receipt_json) as SignedDocument,
        open: () => this.payloads(r),
      };
    });
  }

  private async pack(ids: string[], label: ExportLabel, by: string, outPath: string, zip?: ZipOptions): Promise<ExportResult> {
    const items = await this.items(ids);
    return writePackage(items, label, { by, outPath, storeId: this.o.storeId, signingKey: this.o.signingKey, now: this.now, index: this.index, zip });
  }

  /** Encrypted package for the police; the password is returned once and stored nowhere. */
  async exportForPolice(clipIds: string[], o: { journalNumber: string; recipient: string; by: string; outPath: string; zip?: ZipOptions }): Promise<ExportResult> {
    const ids = parse(ExportIds, clipIds, 'clipIds');
    const v = parse(PoliceOpts, { journalNumber: o?.journalNumber, recipient: o?.recipient, by: o?.by, outPath: o?.outPath });
    return this.pack(ids, { kind: 'police-export', journalNumber: v.journalNumber, recipient: v.recipient }, v.by, v.outPath, o.zip);
  }

  /** Data subject access copy: same format, labelled as such. */
  async exportForSubject(clipIds: string[], o: { subject: string; by: string; outPath: string; zip?: ZipOptions }): Promise<ExportResult> {
    const ids = parse(ExportIds, clipIds, 'clipIds');
    const v = parse(SubjectOpts, { subject: o?.subject, by: o?.by, outPath: o?.outPath });
    return this.pack(ids, { kind: 'subject-access', subject: v.subject }, v.by, v.outPath, o.zip);
  }

  /**
   * Subject access copy of redacted derivatives: each copy is rendered (copies[i].render) from the clip's
   * verified plaintext straight into the encrypted package; a failing render abandons the whole package.
   */
  async exportRedactedForSubject(copies: RedactedCopy[], o: { subject: string; by: string; outPath: string; zip?: ZipOptions }): Promise<ExportResult> {
    const ids = parse(ExportIds, copies.map((c) => c.clipId), 'clipIds');
    const v = parse(SubjectOpts, { subject: o?.subject, by: o?.by, outPath: o?.outPath });
    const items = (await this.items(ids)).map((it, i): ExportItem => ({ ...it, open: async () => copies[i]!.render(() => it.open()), redacted: copies[i]! }));
    return writePackage(items, { kind: 'subject-access', subject: v.subject, redacted: true }, { by: v.by, outPath: v.outPath, storeId: this.o.storeId, signingKey: this.o.signingKey, now: this.now, index: this.index, zip: o.zip });
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.keys.close();
    await this.receipts.close();
  }
}

/** Convenience for tests and the simulator: a private key object from PEM. */
export const privateKeyFromPem = (pem: string): KeyObject => createPrivateKey(pem);
