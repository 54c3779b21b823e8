// Offload orchestration: for every docked camera (one bay each, in parallel) set its clock, hand it
// the evidence epochs, pull its clips, deliver them, and wipe each clip only against the central
// store's verified receipt. The journal makes every step resumable after undock, crash or outage.
import type { KeyLike } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { overwriteAndUnlink } from '../shared/durable-file.js';
import { openDocument, type ClipSummary, type DeviceLogReceiptBody, type SignedDocument, type WipeCertificateBody } from '../shared/evidence.js';
import type { DockedDevice, UsbHotplug } from '../shared/hal.js';
import { createLogger, type Logger } from '../shared/log.js';
import { verifyReceipt } from '../shared/receipt-check.js';
import { checkId } from '../shared/mqtt/topics.js';
import { ErrorCode, WireError } from '../shared/wire/messages.js';
import { GrowingSpool, PullAborted } from './growing-spool.js';
import type { Journal } from './journal.js';
import { offloadOrder } from './offload-order.js';
import type { CameraSession } from './types.js';
import type { Uploader } from './uploader.js';

export type AgentEvent =
  | { type: 'pull-started' | 'pulled' | 'receipted' | 'wiped' | 'wipe-unanswered' | 'cert-forwarded'; clipId: string; deviceId: string }
  | { type: 'log-forwarded'; deviceId: string; seq: number }
  | { type: 'bay-done' | 'bay-error'; ttyPath: string; error?: string };

export interface AgentDeps {
  spoolDir: string;
  hotplug: UsbHotplug;
  openSession(device: DockedDevice): Promise<CameraSession>;
  journal: Journal;
  uploader: Pick<Uploader, 'upload' | 'forwardWipeCert' | 'forwardDeviceLog'>;
  loadEpochs(): Promise<SignedDocument[]>;
  /** The newest CA-signed revocation list the dock holds, passed to every camera after AUTH. */
  revocationList?: () => SignedDocument | null;
  /** Receipts are checked again before they are shown to a camera. */
  centralPublicKey: KeyLike;
  backoff?: { initialMs: number; maxMs: number };
  /** Clips uploaded at once across all bays (default 4) from the spool; more pulled clips wait their turn. A clip still being pulled is delivered alongside its pull without a slot. */
  parallelUploads?: number;
  /** Bays on this dock (default 8): more cameras at once than that are refused with a warning. */
  bays?: number;
  /** Runs on the open session once a camera's offload completed (firmware staging); errors are logged. */
  afterOffload?: (session: CameraSession, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  log?: Logger;
  onEvent?: (e: AgentEvent) => void;
}

interface Bay { device: DockedDevice; ctrl: AbortController; session?: CameraSession; done: Promise<void> }

/** Deliveries alongside their pulls (no upload slot) one bay may have running at once. */
const PIPELINED_PER_BAY = 2;

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

function mutex() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const p = tail.then(fn);
    tail = p.catch(() => undefined);
    return p;
  };
}

export class DockAgent {
  private readonly log: Logger;
  private readonly bays = new Map<string, Bay>();
  private readonly delivering = new Map<string, Promise<SignedDocument>>();
  private readonly work = new Set<Promise<unknown>>();
  private readonly stopCtrl = new AbortController();
  private readonly backoff: { initialMs: number; maxMs: number };
  private unsubs: (() => void)[] = [];
  /** Wipe certificates being forwarded, and the last ones central answered for (not sent again). */
  private readonly certsInFlight = new Map<string, { deviceId: string; p: Promise<boolean> }>();
  private readonly certsDelivered = new Set<string>();
  private uploadSlots: number;
  private slotWaiters: (() => void)[] = [];

  constructor(private readonly d: AgentDeps) {
    this.log = d.log ?? createLogger('dock-agent');
    this.backoff = d.backoff ?? { initialMs: 500, maxMs: 60000 };
    this.uploadSlots = d.parallelUploads ?? 4;
  }

  private async withUploadSlot<T>(fn: () => Promise<T>): Promise<T> {
    while (this.uploadSlots === 0) await new Promise<void>((r) => this.slotWaiters.push(r));
    this.uploadSlots--;
    try {
      return await fn();
    } finally {
      this.uploadSlots++;
      this.slotWaiters.shift()?.();
    }
  }

  private emit(e: AgentEvent): void { this.d.onEvent?.(e); }
  private track<T>(p: Promise<T>): Promise<T> {
    this.work.add(p);
    p.then(() => this.work.delete(p), () => this.work.delete(p));
    return p;
  }

  async start(): Promise<void> {
    await mkdir(this.d.spoolDir, { recursive: true });
    this.unsubs.push(this.d.hotplug.onAttach((dev) => this.attach(dev)));
    this.unsubs.push(this.d.hotplug.onDetach((dev) => this.detach(dev)));
    // Work left from before a restart that needs no camera: deliveries, certificate forwards, spool removal.
    for (const c of this.d.journal.pendingSpoolRemovals()) await this.removeSpool(c.clipId, c.spoolPath);
    for (const c of this.d.journal.pendingCertForwards()) this.forwardCert(c.clipId, c.deviceId, c.wipeCert!);
    for (const c of this.d.journal.pendingUploads()) this.deliver(c.clipId).catch(() => undefined);
    for (const dev of await this.d.hotplug.start()) this.attach(dev);
  }

  /** Resolves when no bay, delivery or forward is running. */
  async idle(): Promise<void> {
    while (this.work.size) await Promise.allSettled([...this.work]);
  }

  async stop(): Promise<void> {
    this.stopCtrl.abort();
    for (const u of this.unsubs) u();
    for (const dev of [...this.bays.values()].map((b) => b.device)) this.detach(dev);
    await Promise.allSettled([...this.bays.values()].map((b) => b.done));
    await this.d.hotplug.stop();
  }

  attach(device: DockedDevice): void {
    if (this.stopCtrl.signal.aborted) return;
    const prev = this.bays.get(device.ttyPath);
    if (!prev && this.bays.size >= (this.d.bays ?? 8)) {
      this.log.warn({ tty: device.ttyPath }, 'more cameras than bays; ignored');
      return;
    }
    const ctrl = new AbortController();
    const bay: Bay = { device, ctrl, done: Promise.resolve() };
    bay.done = this.track((prev?.done ?? Promise.resolve()).then(() => this.runBay(bay)).finally(() => {
      if (this.bays.get(device.ttyPath) === bay) this.bays.delete(device.ttyPath);
    }));
    this.bays.set(device.ttyPath, bay);
  }

  /** Undock: stop that bay cleanly; pulled clips keep being delivered, the wipe waits for the next docking. */
  detach(device: DockedDevice): void {
    const bay = this.bays.get(device.ttyPath);
    if (!bay) return;
    bay.ctrl.abort();
    bay.session?.close().catch(() => undefined);
  }

  private async runBay(bay: Bay): Promise<void> {
    const signal = bay.ctrl.signal;
    let wait = this.backoff.initialMs;
    while (!signal.aborted && !this.stopCtrl.signal.aborted) {
      try {
        await this.offload(bay, signal);
        this.emit({ type: 'bay-done', ttyPath: bay.device.ttyPath });
        return;
      } catch (err) {
        if (signal.aborted) return;
        this.log.warn({ err: String(err), tty: bay.device.ttyPath }, 'bay failed; retrying');
        this.emit({ type: 'bay-error', ttyPath: bay.device.ttyPath, error: String(err) });
        await sleep(wait, signal);
        wait = Math.min(wait * 2, this.backoff.maxMs);
      }
    }
  }

  private async offload(bay: Bay, signal: AbortSignal): Promise<void> {
    const session = await this.d.openSession(bay.device);
    bay.session = session;
    this.d.journal.setCameraCert(session.deviceId, session.cameraCert);
    if (signal.aborted) { await session.close().catch(() => undefined); return; }
    const lock = mutex();
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    try {
      await session.setClock((this.d.now ?? Date.now)());
      // One epoch per request: each ~1 KB frame survives a noisy line (BER 1e-4) far more often than one 3+ KB batch.
      for (const epoch of await this.d.loadEpochs()) await session.installEpochs([epoch]);
      const crl = this.d.revocationList?.();
      if (crl && session.installRevocationList) {
        // A camera that refuses it (older firmware: UNSUPPORTED) still offloads: the list protects it, not the evidence.
        await session.installRevocationList(crl).catch((err) => this.log.warn({ err: String(err) }, 'revocation list not installed on camera'));
      }
      const listed = await session.listClips();
      await this.finishUnansweredWipes(session, listed);
      // Marked clips first, then oldest first, from their signed bytes (dock-agent/offload-order.ts).
      const needsPull = (c: ClipSummary) => { const st = this.d.journal.get(c.clipId)?.state; return !st || st === 'pulling'; };
      const ordered = await offloadOrder(session, listed.filter((c) => c.state !== 'recording' && c.sha256), needsPull, this.log);
      const clips = ordered.map((r) => r.clip);
      const tasks: Promise<void>[] = [];
      let pipelined = 0;
      for (const clip of clips) {
        if (signal.aborted) break;
        if (clip.deviceId !== session.deviceId) { this.log.warn({ clipId: clip.clipId }, 'clip names another device; skipped'); continue; }
        const j = this.d.journal.get(clip.clipId);
        if (j?.state === 'wiped') continue;
        let delivery: Promise<SignedDocument>;
        if (!j || j.state === 'pulling') {
          const spoolPath = path.join(this.d.spoolDir, `${checkId('clipId', clip.clipId)}.clip`);
          this.d.journal.startPull(clip, spoolPath);
          // Pipelined: chunks go to central while the rest is still coming over the serial line. Such a
          // delivery takes no upload slot, so a bay runs at most two (the one finishing, the current one):
          // beyond that (central slow or away) a clip is pulled to the spool and waits for a slot as before.
          const growing = pipelined >= PIPELINED_PER_BAY ? undefined : new GrowingSpool();
          let pending: Promise<SignedDocument> | undefined;
          if (growing) {
            pipelined++;
            pending = this.deliver(clip.clipId, growing);
            pending.catch(() => undefined);
            pending.finally(() => { pipelined--; }).catch(() => undefined);
          }
          this.emit({ type: 'pull-started', clipId: clip.clipId, deviceId: clip.deviceId });
          try {
            await lock(() => session.pullClip(clip, spoolPath, growing && ((n) => growing.advance(n))));
          } catch (err) {
            growing?.fail(err);
            throw err;
          }
          // A delivery under way already: straight to 'uploading' (one journal write, not two).
          if (growing) this.d.journal.markUploading(clip.clipId, 0);
          else this.d.journal.markPulled(clip.clipId);
          growing?.verify();
          this.emit({ type: 'pulled', clipId: clip.clipId, deviceId: clip.deviceId });
          delivery = pending ?? this.deliver(clip.clipId);
        } else delivery = this.deliver(clip.clipId);
        const task = delivery.then((receipt) => signal.aborted ? undefined : lock(() => this.wipe(session, clip, receipt)));
        // A later pull can fail and end this docking before the task settles; its rejection (a wipe on
        // the closed session) must not go unhandled, which kills the dock. The journal keeps the clip
        // 'receipted', so the next session wipes it.
        task.catch(() => undefined);
        tasks.push(task);
      }
      const settled = await Promise.race([Promise.allSettled(tasks), aborted.then(() => null)]);
      if (!settled || signal.aborted) return;
      const failed = settled.find((s) => s.status === 'rejected');
      // Evidence first: firmware only once every clip is delivered and wiped; before the log, so the
      // install record travels with this docking.
      if (!failed && this.d.afterOffload) await lock(() => this.d.afterOffload!(session, signal)).catch((err) => this.log.warn({ err: String(err) }, 'after-offload step failed'));
      await lock(() => this.collectLog(session));
      if (failed) throw (failed as PromiseRejectedResult).reason;
    } finally {
      bay.session = undefined;
      await session.close().catch(() => undefined);
    }
  }

  /**
   * Deliver a clip until a verified receipt is in the journal; one delivery per clip at a time. `growing`:
   * the clip is still being pulled (journal state 'pulling', which stays until the pull verified, so a
   * restart pulls the rest); a pull that ends short ends this delivery, the next docking starts another.
   */
  deliver(clipId: string, growing?: GrowingSpool): Promise<SignedDocument> {
    const running = this.delivering.get(clipId);
    if (running) return running;
    const p = this.track((async () => {
      let wait = this.backoff.initialMs;
      for (;;) {
        const j = this.d.journal.get(clipId);
        if (!j) throw new Error(`clip ${clipId} is not in the journal`);
        if (j.receipt) return j.receipt;
        if (j.state === 'pulling' && !growing) throw new Error(`clip ${clipId} is not pulled yet`);
        // 'uploading' once the pull verified: before that a restart must pull, not deliver, the clip.
        const progress = (n: number) => { if (growing?.isVerified !== false) this.d.journal.markUploading(clipId, n); };
        try {
          progress(j.chunksSent);
          const upload = () => this.d.uploader.upload(j.summary, j.spoolPath, (n) => {
            if (n % 64 === 0) progress(n);
          }, growing);
          // A delivery alongside its pull is paced by that bay's serial line (one per bay at most): it
          // takes no upload slot, or four such would keep every other bay's clips waiting for a slot
          // until their pulls end (8 bays: the last receipt ~12 s after the last pull, bench multi-dock).
          const receipt = await (growing ? upload() : this.withUploadSlot(upload));
          this.d.journal.markReceipted(clipId, receipt);
          this.emit({ type: 'receipted', clipId, deviceId: j.deviceId });
          return receipt;
        } catch (err) {
          if (this.stopCtrl.signal.aborted || err instanceof PullAborted) throw err;
          this.log.warn({ err: String(err), clipId }, 'delivery failed; retrying');
          await sleep(wait, this.stopCtrl.signal);
          wait = Math.min(wait * 2, this.backoff.maxMs);
        }
      }
    })().finally(() => this.delivering.delete(clipId)));
    this.delivering.set(clipId, p);
    return p;
  }

  private async wipe(session: CameraSession, clip: ClipSummary, receipt: SignedDocument): Promise<void> {
    verifyReceipt(receipt, this.d.centralPublicKey, { clipId: clip.clipId, deviceId: session.deviceId, sha256: clip.sha256!, bytes: clip.bytes });
    const cert = await session.wipe(clip.clipId, receipt);
    let body: WipeCertificateBody;
    try { body = JSON.parse(cert.body) as WipeCertificateBody; } catch { throw new Error(`wipe certificate for ${clip.clipId}: body is not JSON`); }
    if (body.kind !== 'wipe-certificate' || body.clipId !== clip.clipId || body.sha256 !== clip.sha256) {
      throw new Error(`wipe certificate for ${clip.clipId}: names ${body.kind} ${body.clipId}`);
    }
    this.d.journal.markWiped(clip.clipId, cert);
    this.emit({ type: 'wiped', clipId: clip.clipId, deviceId: clip.deviceId });
    await this.removeSpool(clip.clipId, this.d.journal.get(clip.clipId)!.spoolPath);
    this.forwardCert(clip.clipId, clip.deviceId, cert);
  }

  /**
   * A receipted clip this camera no longer lists had its WIPE executed, but the answer never reached
   * the journal (line cut, or the agent killed between the camera's wipe and markWiped), or the
   * camera's own wipe was cut short (the vault hides it until the same receipt finishes it). No later
   * docking lists it again, so without this the row and its spool copy would stay forever. WIPE again
   * with the receipt: the camera finishes its wipe and answers a certificate, or refuses because the
   * clip is gone (its device log holds the wipe entry).
   */
  private async finishUnansweredWipes(session: CameraSession, listed: ClipSummary[]): Promise<void> {
    const onCamera = new Set(listed.map((c) => c.clipId));
    for (const j of this.d.journal.all()) {
      if (j.deviceId !== session.deviceId || j.state !== 'receipted' || !j.receipt || onCamera.has(j.clipId)) continue;
      try {
        await this.wipe(session, j.summary, j.receipt);
      } catch (err) {
        if (!(err instanceof WireError && err.code === ErrorCode.WIPE_REFUSED)) throw err;
        this.log.warn({ clipId: j.clipId, deviceId: session.deviceId, reason: err.reason }, 'receipted clip already wiped on the camera; its certificate was lost with the connection');
        this.d.journal.markWipedUnanswered(j.clipId);
        this.emit({ type: 'wipe-unanswered', clipId: j.clipId, deviceId: session.deviceId });
        await this.removeSpool(j.clipId, j.spoolPath);
      }
    }
  }

  private async removeSpool(clipId: string, spoolPath: string): Promise<void> {
    await overwriteAndUnlink(spoolPath);
    this.d.journal.markSpoolRemoved(clipId);
  }

  /** Resolves true once central answered for the certificate; `journaled`: its clip has a journal row. */
  private forwardCert(clipId: string, deviceId: string, cert: SignedDocument, journaled = true): Promise<boolean> {
    const p: Promise<boolean> = this.track(this.d.uploader.forwardWipeCert(deviceId, clipId, cert).then(() => {
      // Stored, or refused for good (central logged an incident and the uploader the reason): done either way.
      if (journaled) this.d.journal.markCertForwarded(clipId);
      this.certsDelivered.add(clipId);
      if (this.certsDelivered.size > 4096) this.certsDelivered.delete(this.certsDelivered.values().next().value!);
      this.emit({ type: 'cert-forwarded', clipId, deviceId });
      return true;
    }, (err) => {
      this.log.warn({ err: String(err), clipId }, 'wipe certificate not forwarded yet');
      return false;
    }).finally(() => { if (this.certsInFlight.get(clipId)?.p === p) this.certsInFlight.delete(clipId); }));
    this.certsInFlight.set(clipId, { deviceId, p });
    return p;
  }

  /**
   * The camera keeps each wipe certificate until central's device-log receipt covers the wipe (it then
   * drops it). A dock that never saw the WIPE answered (killed, line cut, the camera moved on to this
   * dock) would otherwise let it go undelivered: every certificate the camera still keeps is taken to
   * central, and the log is forwarded only once central answered for all of them (`done`).
   */
  private async deliverKeptCerts(session: CameraSession): Promise<{ done: Promise<boolean> }> {
    const kept = session.keptWipeCertificates ? await session.keptWipeCertificates() : [];
    // This camera's certificates already on their way (this docking's own wipes among them).
    const waits = [...this.certsInFlight.values()].filter((f) => f.deviceId === session.deviceId).map((f) => f.p);
    for (const cert of kept) {
      let body: Partial<WipeCertificateBody> | null = null;
      try { body = JSON.parse(cert.body) as Partial<WipeCertificateBody>; } catch { /* named below */ }
      if (body?.kind !== 'wipe-certificate' || body.deviceId !== session.deviceId || typeof body.clipId !== 'string') {
        this.log.warn({ deviceId: session.deviceId }, 'camera kept a document that is not its wipe certificate; not forwarded');
        continue;
      }
      // In flight, delivered, or in the journal (forwarded from there, also after a restart).
      if (this.certsInFlight.has(body.clipId) || this.certsDelivered.has(body.clipId) || this.d.journal.get(body.clipId)) continue;
      waits.push(this.forwardCert(body.clipId, session.deviceId, cert, false));
    }
    return { done: Promise.all(waits).then((r) => r.every(Boolean)) };
  }

  private async collectLog(session: CameraSession): Promise<void> {
    const id = session.deviceId;
    // Central's receipt from the last docking goes along: the camera then deletes what central holds.
    const { entries, head, prunedThrough } = await session.fetchSignedLog(this.d.journal.logSeq(id), this.d.journal.logReceipt(id));
    this.d.journal.seen(id);
    if (typeof prunedThrough === 'number') this.d.journal.cameraPruned(id, prunedThrough);
    // After GET_LOG: the receipt it carried let the camera drop what central already holds.
    const certs = await this.deliverKeptCerts(session);
    if (!entries.length) return;
    if (!head) throw new Error(`device log of ${id}: the camera sent no signed head`);
    const keep = (receipt: SignedDocument) => {
      try {
        const b = openDocument<DeviceLogReceiptBody>(receipt, this.d.centralPublicKey, 'device-log-receipt');
        if (b.deviceId !== id || !Number.isSafeInteger(b.seq)) throw new Error(`names device ${String(b.deviceId)} seq ${String(b.seq)}`);
        this.d.journal.setLogReceipt(id, b.seq, receipt);
      } catch (err) { this.log.warn({ deviceId: id, err: String(err) }, 'device-log receipt refused'); }
    };
    this.track(certs.done.then((ok) => {
      if (!ok) throw new Error('a wipe certificate is not at central yet; the log goes at the next docking');
      return this.d.uploader.forwardDeviceLog(id, entries, head, keep);
    }).then((seq) => {
      this.d.journal.setLogSeq(session.deviceId, seq);
      this.emit({ type: 'log-forwarded', deviceId: session.deviceId, seq });
    }, (err) => this.log.warn({ err: String(err) }, 'device log not forwarded yet')));
  }
}
