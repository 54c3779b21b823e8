// The dock's offload journal: every clip's state, so a restarted agent resumes where it was.
// pulling → pulled → uploading → receipted → wiped; the row is removed once the wipe certificate
// is forwarded and the spool copy securely removed. secure_delete + rollback journal: no remnants.
import Database from 'better-sqlite3';
import type { ClipSummary, SignedDocument } from '../shared/evidence.js';

export type JournalState = 'pulling' | 'pulled' | 'uploading' | 'receipted' | 'wiped';

export interface JournalClip {
  clipId: string;
  deviceId: string;
  summary: ClipSummary;
  spoolPath: string;
  state: JournalState;
  chunksSent: number;
  receipt: SignedDocument | null;
  wipeCert: SignedDocument | null;
  certForwarded: boolean;
  spoolRemoved: boolean;
}

interface Row {
  clip_id: string; device_id: string; summary_json: string; spool_path: string; state: JournalState; chunks_sent: number;
  receipt_json: string | null; wipe_cert_json: string | null; cert_forwarded: number; spool_removed: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS clips (
  clip_id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  summary_json TEXT NOT NULL,
  spool_path TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pulling','pulled','uploading','receipted','wiped')),
  chunks_sent INTEGER NOT NULL DEFAULT 0,
  receipt_json TEXT,
  wipe_cert_json TEXT,
  cert_forwarded INTEGER NOT NULL DEFAULT 0,
  spool_removed INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS device_logs (device_id TEXT PRIMARY KEY, forwarded_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS camera_certs (device_id TEXT PRIMARY KEY, cert_der TEXT NOT NULL);
`;

const toClip = (r: Row): JournalClip => ({
  clipId: r.clip_id, deviceId: r.device_id, summary: JSON.parse(r.summary_json) as ClipSummary, spoolPath: r.spool_path,
  state: r.state, chunksSent: r.chunks_sent, receipt: r.receipt_json ? JSON.parse(r.receipt_json) as SignedDocument : null,
  wipeCert: r.wipe_cert_json ? JSON.parse(r.wipe_cert_json) as SignedDocument : null,
  certForwarded: r.cert_forwarded === 1, spoolRemoved: r.spool_removed === 1,
});

export class Journal {
  private constructor(private readonly db: Database.Database) {}

  static open(path: string): Journal {
    const db = new Database(path);
    db.pragma('secure_delete = ON');
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    // Issue 19: central's signed device-log receipt until the camera pruned, and when the camera last docked.
    const cols = (db.prepare('PRAGMA table_info(device_logs)').all() as { name: string }[]).map((c) => c.name);
    if (!cols.includes('receipt_json')) db.exec('ALTER TABLE device_logs ADD COLUMN receipt_json TEXT');
    if (!cols.includes('seen_at')) db.exec('ALTER TABLE device_logs ADD COLUMN seen_at TEXT');
    const certCols = (db.prepare('PRAGMA table_info(camera_certs)').all() as { name: string }[]).map((c) => c.name);
    if (!certCols.includes('seen_at')) db.exec('ALTER TABLE camera_certs ADD COLUMN seen_at TEXT');
    return new Journal(db);
  }

  get(clipId: string): JournalClip | undefined {
    const r = this.db.prepare('SELECT * FROM clips WHERE clip_id = ?').get(clipId) as Row | undefined;
    return r && toClip(r);
  }
  all(): JournalClip[] {
    return (this.db.prepare('SELECT * FROM clips ORDER BY rowid').all() as Row[]).map(toClip);
  }

  private set(clipId: string, fields: Record<string, unknown>): void {
    const cols = Object.keys(fields);
    const res = this.db.prepare(`UPDATE clips SET ${cols.map((c) => `${c} = @${c}`).join(', ')}, updated_at = @updated_at WHERE clip_id = @clip_id`)
      .run({ ...fields, updated_at: new Date().toISOString(), clip_id: clipId });
    if (res.changes !== 1) throw new Error(`journal: no clip ${clipId}`);
  }

  startPull(summary: ClipSummary, spoolPath: string): void {
    this.db.prepare(`INSERT INTO clips (clip_id, device_id, summary_json, spool_path, state, updated_at) VALUES (?, ?, ?, ?, 'pulling', ?)
      ON CONFLICT(clip_id) DO NOTHING`).run(summary.clipId, summary.deviceId, JSON.stringify(summary), spoolPath, new Date().toISOString());
  }
  markPulled(clipId: string): void { this.set(clipId, { state: 'pulled' }); }
  markUploading(clipId: string, chunksSent: number): void { this.set(clipId, { state: 'uploading', chunks_sent: chunksSent }); }
  markReceipted(clipId: string, receipt: SignedDocument): void { this.set(clipId, { state: 'receipted', receipt_json: JSON.stringify(receipt) }); }
  markWiped(clipId: string, cert: SignedDocument): void { this.set(clipId, { state: 'wiped', wipe_cert_json: JSON.stringify(cert) }); }
  /**
   * The camera no longer holds a receipted clip whose wipe the dock never saw answered (line cut or
   * dock killed after the camera wiped): no certificate to forward; the camera's own device log
   * records the wipe. The row finishes once the spool copy is removed.
   */
  markWipedUnanswered(clipId: string): void { this.set(clipId, { state: 'wiped', cert_forwarded: 1 }); }
  markSpoolRemoved(clipId: string): void { this.set(clipId, { spool_removed: 1 }); this.finishIfDone(clipId); }
  markCertForwarded(clipId: string): void { this.set(clipId, { cert_forwarded: 1 }); this.finishIfDone(clipId); }

  /** Remove the row once nothing about the clip is left to do (data minimisation on the dock). */
  private finishIfDone(clipId: string): void {
    this.db.prepare("DELETE FROM clips WHERE clip_id = ? AND state = 'wiped' AND cert_forwarded = 1 AND spool_removed = 1").run(clipId);
  }

  /** Clips pulled but not yet receipted: deliverable without the camera. */
  pendingUploads(): JournalClip[] { return this.all().filter((c) => c.state === 'pulled' || c.state === 'uploading'); }
  /** Wiped clips whose certificate the central store has not yet acknowledged. */
  pendingCertForwards(): JournalClip[] { return this.all().filter((c) => c.state === 'wiped' && !c.certForwarded); }
  pendingSpoolRemovals(): JournalClip[] { return this.all().filter((c) => c.state === 'wiped' && !c.spoolRemoved); }

  /** Highest device log seq the central store acknowledged (0: none; camera logs start at seq 1). */
  logSeq(deviceId: string): number {
    const r = this.db.prepare('SELECT forwarded_seq FROM device_logs WHERE device_id = ?').get(deviceId) as { forwarded_seq: number } | undefined;
    return r?.forwarded_seq ?? 0;
  }
  setLogSeq(deviceId: string, seq: number, at = new Date()): void {
    this.db.prepare(`INSERT INTO device_logs (device_id, forwarded_seq, seen_at) VALUES (?, ?, ?)
      ON CONFLICT(device_id) DO UPDATE SET forwarded_seq = MAX(forwarded_seq, excluded.forwarded_seq), seen_at = excluded.seen_at`).run(deviceId, seq, at.toISOString());
  }

  /** Central's signed receipt for the camera's log through `seq` (already verified), kept until the camera pruned. */
  setLogReceipt(deviceId: string, seq: number, receipt: SignedDocument): void {
    this.db.prepare(`INSERT INTO device_logs (device_id, forwarded_seq, receipt_json, seen_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(device_id) DO UPDATE SET receipt_json = excluded.receipt_json`).run(deviceId, seq, JSON.stringify(receipt), new Date().toISOString());
  }
  logReceipt(deviceId: string): SignedDocument | null {
    const r = this.db.prepare('SELECT receipt_json FROM device_logs WHERE device_id = ?').get(deviceId) as { receipt_json: string | null } | undefined;
    return r?.receipt_json ? JSON.parse(r.receipt_json) as SignedDocument : null;
  }
  /** The camera has pruned through `seq`: a receipt up to there has done its work. */
  cameraPruned(deviceId: string, seq: number): void {
    const r = this.logReceipt(deviceId);
    if (!r) return;
    let through = Infinity;
    try { through = (JSON.parse(r.body) as { seq: number }).seq; } catch { /* unreadable: drop it */ }
    if (seq >= through || !Number.isFinite(through)) this.db.prepare('UPDATE device_logs SET receipt_json = NULL WHERE device_id = ?').run(deviceId);
  }

  /** Note that a camera docked (its rows live on while it keeps docking). */
  seen(deviceId: string, at = new Date()): void {
    this.db.prepare('UPDATE device_logs SET seen_at = ? WHERE device_id = ?').run(at.toISOString(), deviceId);
    this.db.prepare('UPDATE camera_certs SET seen_at = ? WHERE device_id = ?').run(at.toISOString(), deviceId);
  }

  /**
   * The dock's deadline (issue 19): rows of cameras not docked since `cutoff` go (a camera that docks
   * again starts its log collection from 0; central ignores what it already holds).
   */
  pruneDevices(cutoff: Date): { devices: number; certs: number } {
    const c = cutoff.toISOString();
    return this.db.transaction(() => ({
      devices: this.db.prepare('DELETE FROM device_logs WHERE coalesce(seen_at, \'\') < ?').run(c).changes,
      certs: this.db.prepare('DELETE FROM camera_certs WHERE coalesce(seen_at, \'\') < ? AND device_id NOT IN (SELECT device_id FROM clips)').run(c).changes,
    }))();
  }

  /** The certificate a camera presented in its last verified handshake (DER base64), forwarded with its clips, certificates and log. */
  setCameraCert(deviceId: string, certB64: string): void {
    this.db.prepare('INSERT INTO camera_certs (device_id, cert_der, seen_at) VALUES (?, ?, ?) ON CONFLICT(device_id) DO UPDATE SET cert_der = excluded.cert_der, seen_at = excluded.seen_at')
      .run(deviceId, certB64, new Date().toISOString());
  }
  cameraCert(deviceId: string): string | undefined {
    return (this.db.prepare('SELECT cert_der FROM camera_certs WHERE device_id = ?').get(deviceId) as { cert_der: string } | undefined)?.cert_der;
  }

  close(): void { this.db.close(); }
}
