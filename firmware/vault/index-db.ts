// The camera's clip index: better-sqlite3 on flash, secure_delete on, rollback journal (never WAL,
// whose frames would keep deleted rows), synchronous=FULL so a state change is durable when it returns.
// The journal is PERSIST, not DELETE: a deleted journal's blocks go back to the filesystem still holding
// the pre-delete page (the wiped row), where a raw-image scan finds it (test/dock/forensic-wipe.test.ts).
// A persistent journal is rewritten in place, and scrubJournal() zeroes it after every wipe.
import Database from 'better-sqlite3';
import { closeSync, fstatSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { ClipState } from '../../shared/evidence.js';

export interface ClipRow {
  clip_id: string;
  state: ClipState;
  path: string;
  bytes: number;
  sha256: string | null;
  started_at: string;
  stopped_at: string | null;
  epoch_id: string;
  meta: string;
  /** SHA-256 of the receipt body a started wipe runs under (null unless a wipe began). */
  wipe_receipt?: string | null;
}

export class IndexDb {
  readonly db: Database.Database;
  /** The rollback journal sqlite keeps beside the database (PERSIST mode). */
  readonly journalPath: string;

  constructor(path: string) {
    this.journalPath = `${path}-journal`;
    this.db = new Database(path);
    this.db.pragma('secure_delete = ON');
    this.db.pragma('journal_mode = PERSIST');
    this.db.pragma('synchronous = FULL');
    // Page cache at most 256 KiB: sqlite's default (2 MB per connection) fills as the file grows over a
    // shift, a slow RSS creep on the camera (docs/performance.md); these tables are read rarely.
    this.db.pragma('cache_size = -256');
    if (this.db.pragma('journal_mode', { simple: true }) !== 'persist') throw new Error('index db: journal_mode is not PERSIST');
    if (this.db.pragma('secure_delete', { simple: true }) !== 1) throw new Error('index db: secure_delete is not on');
    this.db.exec(`CREATE TABLE IF NOT EXISTS clips (
      clip_id TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN ('recording', 'closed', 'truncated')),
      path TEXT NOT NULL,
      bytes INTEGER NOT NULL DEFAULT 0,
      sha256 TEXT,
      started_at TEXT NOT NULL,
      stopped_at TEXT,
      epoch_id TEXT NOT NULL,
      meta TEXT NOT NULL,
      wipe_receipt TEXT)`);
    // A finished wipe's signed certificate, kept until the dock has taken it (Vault.wipe): answered again
    // for the same receipt when the answer was lost. log_seq: the device-log 'wipe' entry of that wipe.
    this.db.exec(`CREATE TABLE IF NOT EXISTS wipe_certs (
      clip_id TEXT PRIMARY KEY,
      receipt_sha256 TEXT NOT NULL,
      cert_json TEXT NOT NULL,
      log_seq INTEGER)`);
  }

  /** Mark a wipe as begun before any byte is overwritten, so an interrupted wipe can be finished. */
  markWipe(clipId: string, receiptSha256: string): void {
    this.db.prepare('UPDATE clips SET wipe_receipt = ? WHERE clip_id = ?').run(receiptSha256, clipId);
  }

  insert(r: ClipRow): void {
    this.db.prepare(`INSERT INTO clips (clip_id, state, path, bytes, sha256, started_at, stopped_at, epoch_id, meta)
      VALUES (@clip_id, @state, @path, @bytes, @sha256, @started_at, @stopped_at, @epoch_id, @meta)`).run(r);
  }

  finish(clipId: string, state: 'closed' | 'truncated', bytes: number, sha256: string, stoppedAt: string | null, meta?: string): void {
    const res = this.db.prepare(`UPDATE clips SET state = ?, bytes = ?, sha256 = ?, stopped_at = ?, meta = COALESCE(?, meta)
      WHERE clip_id = ? AND state = 'recording'`).run(state, bytes, sha256, stoppedAt, meta ?? null, clipId);
    if (res.changes !== 1) throw new Error(`index: clip ${clipId} is not recording`);
  }

  /** Prepared once: every READ of a pull looks its clip up (a wipe may have begun since the last one). */
  private getStmt?: Database.Statement;

  get(clipId: string): ClipRow | undefined {
    this.getStmt ??= this.db.prepare('SELECT * FROM clips WHERE clip_id = ?');
    return this.getStmt.get(clipId) as ClipRow | undefined;
  }

  byState(...states: ClipState[]): ClipRow[] {
    return this.db.prepare(`SELECT * FROM clips WHERE state IN (${states.map(() => '?').join(',')}) AND wipe_receipt IS NULL ORDER BY started_at, clip_id`).all(...states) as ClipRow[];
  }

  all(): ClipRow[] {
    return this.db.prepare('SELECT * FROM clips').all() as ClipRow[];
  }

  /**
   * The one delete of a clip row, called only by Vault.wipe after the receipt checks, in one
   * transaction with the certificate that says so: after a crash there is either the row or the certificate.
   */
  finishWipe(clipId: string, receiptSha256: string, certJson: string): void {
    this.db.transaction(() => {
      const res = this.db.prepare('DELETE FROM clips WHERE clip_id = ?').run(clipId);
      if (res.changes !== 1) throw new Error(`index: clip ${clipId} not found`);
      this.db.prepare('INSERT OR REPLACE INTO wipe_certs (clip_id, receipt_sha256, cert_json, log_seq) VALUES (?, ?, ?, NULL)').run(clipId, receiptSha256, certJson);
    })();
  }

  keptCert(clipId: string): { receipt_sha256: string; cert_json: string; log_seq: number | null } | undefined {
    return this.db.prepare('SELECT receipt_sha256, cert_json, log_seq FROM wipe_certs WHERE clip_id = ?').get(clipId) as { receipt_sha256: string; cert_json: string; log_seq: number | null } | undefined;
  }

  /** The kept certificates, oldest first, from the `skip`-th. */
  keptCerts(skip: number, max: number): string[] {
    return (this.db.prepare('SELECT cert_json FROM wipe_certs ORDER BY rowid LIMIT ? OFFSET ?').all(max, skip) as { cert_json: string }[]).map((r) => r.cert_json);
  }

  keptCertCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM wipe_certs').get() as { n: number }).n;
  }

  setCertLogSeq(clipId: string, seq: number): void {
    this.db.prepare('UPDATE wipe_certs SET log_seq = ? WHERE clip_id = ?').run(seq, clipId);
  }

  /** Drop the certificates whose wipe entry is at or before `seq` (central's device-log receipt covers it), and any beyond the newest `max`. */
  dropCerts(throughSeq: number, max: number): number {
    const a = this.db.prepare('DELETE FROM wipe_certs WHERE log_seq IS NOT NULL AND log_seq <= ?').run(throughSeq).changes;
    const b = this.db.prepare('DELETE FROM wipe_certs WHERE rowid NOT IN (SELECT rowid FROM wipe_certs ORDER BY rowid DESC LIMIT ?)').run(max).changes;
    return a + b;
  }

  /**
   * Zero the persistent journal in place and fsync it (no transaction may be open: a zero header means
   * "no hot journal", so sqlite ignores the file). Blocks stay allocated to it, so nothing is freed unwiped.
   */
  scrubJournal(): void {
    let fd: number;
    try {
      fd = openSync(this.journalPath, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const size = fstatSync(fd).size;
      const zeros = Buffer.alloc(Math.min(size, 1 << 20));
      for (let off = 0; off < size; off += zeros.length) writeSync(fd, zeros, 0, Math.min(zeros.length, size - off), off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    this.db.close();
  }
}
