// Police export and subject access copies (docs/police-export.md): a ZIP with WinZip AES-256 (AE-2)
// encryption under a fresh random password, returned once and stored nowhere. Inside: each clip as
// <clipId>.ts (verified, decrypted MPEG-TS) and manifest.json (+ manifest.sig, the store's signature).
import { randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { readdir, rename, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { signDocument, type SignedDocument } from '../shared/evidence.js';
import { fsyncDir, overwriteAndUnlink } from '../shared/durable-file.js';
import { migrate, type Db } from './db.js';
import { StoreError } from './store-error.js';
import { ZipAesWriter, type ZipOptions } from './zip-aes.js';

// No look-alikes (0/O, 1/l/I): the password is read out or typed by a person.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** 24 characters from a 57-symbol alphabet (~140 bits), in groups of 4: e.g. "Xk7m-2Qab-...". */
export function newExportPassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < 6; g++) groups.push(Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join(''));
  return groups.join('-');
}

export interface ExportItem {
  clipId: string; deviceId: string; purpose: string | null; startedAt: string; stoppedAt: string | null;
  ciphertextBytes: number; ciphertextSha256: string; receipt: SignedDocument;
  /** Verified plaintext payloads; throws if the clip fails verification (the export is then abandoned). */
  open(): Promise<AsyncIterable<Buffer>>;
  /** A redacted derivative instead of the clip: its file is <clipId>.redacted.ts and its manifest entry gets these fields. */
  redacted?: { describe(): Record<string, unknown> };
}

export type ExportLabel =
  | { kind: 'police-export'; journalNumber: string; recipient: string }
  | { kind: 'subject-access'; subject: string; redacted?: boolean };

export interface ExportResult { exportId: number; path: string; password: string; sha256: string; clips: string[] }

const MIGRATION = `
CREATE TABLE exports (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  journal_number TEXT,
  recipient TEXT,
  subject TEXT,
  exported_by TEXT NOT NULL,
  exported_at TEXT NOT NULL,
  clip_ids TEXT NOT NULL,
  package_sha256 TEXT NOT NULL
);`;
export function migrateExports(db: Db): void {
  migrate(db, 'evidence-exports-1', MIGRATION);
  // Issue 19: where the package was written, and when it left the server (downloaded or past its deadline).
  migrate(db, 'evidence-exports-2', 'ALTER TABLE exports ADD COLUMN package_path TEXT; ALTER TABLE exports ADD COLUMN package_removed_at TEXT');
}

export const NOTES = [
  'Each <clipId>.ts is the clip\'s MPEG-TS exactly as recorded, verified segment by segment (AES-256-GCM) and against the SHA-256 in the store\'s receipt before export.',
  'Bystanders are not blurred or removed in this copy; redaction is a separate step before disclosure to anyone else.',
];
export const REDACTED_NOTES = [
  'Each <clipId>.redacted.ts is a redacted derivative, not the recording: rendered from the clip after it was verified segment by segment (AES-256-GCM) and against the SHA-256 in the store\'s receipt.',
  'Faces of bystanders are blurred and audio ranges muted as the approved redaction plan says; its SHA-256 (over the plan\'s canonical JSON, docs/redaction.md), approver and approval time are named per copy, with the source clip\'s id and SHA-256 (ciphertext as stored, and the plaintext the copy was rendered from).',
  'The tracks listed as kept (the data subject) are left as recorded; everything outside the blurred areas is the recorded picture, re-encoded.',
];

/** Write the package to outPath (must not exist) via a temp file; nothing is left behind on failure. */
export async function writePackage(items: ExportItem[], label: ExportLabel, o: {
  by: string; outPath: string; storeId: string; signingKey: KeyObject; now: () => number; db: Db; zip?: ZipOptions;
}): Promise<ExportResult> {
  const out = path.resolve(o.outPath);
  if (existsSync(out)) throw new StoreError('exists', `outPath: ${out} already exists (an export never overwrites)`);
  if (!existsSync(path.dirname(out))) throw new StoreError('bad-input', `outPath: directory ${path.dirname(out)} does not exist`);
  const tmp = `${out}.partial-${randomBytes(6).toString('hex')}`;
  const password = newExportPassword();
  const exportedAt = new Date(o.now()).toISOString();
  const zip = await ZipAesWriter.create(tmp, password, { mtime: new Date(o.now()), ...o.zip });
  try {
    const clips = [];
    for (const it of items) {
      const file = it.redacted ? `${it.clipId}.redacted.ts` : `${it.clipId}.ts`;
      // A re-encode may come out larger than the recording: size bound with room to spare.
      const r = await zip.add(file, await it.open(), it.redacted ? it.ciphertextBytes * 4 + (64 << 20) : it.ciphertextBytes);
      clips.push({
        file, clipId: it.clipId, deviceId: it.deviceId, purpose: it.purpose, startedAt: it.startedAt, stoppedAt: it.stoppedAt,
        plaintextBytes: r.bytes, plaintextSha256: r.sha256, ciphertextBytes: it.ciphertextBytes, ciphertextSha256: it.ciphertextSha256, receipt: it.receipt,
        ...it.redacted?.describe(),
      });
    }
    const head = label.kind === 'police-export'
      ? { v: 1, kind: 'police-export', title: 'Police export', journalNumber: label.journalNumber, recipient: label.recipient }
      : { v: 1, kind: 'subject-access', title: label.redacted ? 'Subject access copy (GDPR art. 15), redacted' : 'Subject access copy (GDPR art. 15)', subject: label.subject };
    const redacted = label.kind === 'subject-access' && label.redacted;
    const manifest = { ...head, exportedBy: o.by, exportedAt, storeId: o.storeId, clips, notes: redacted ? REDACTED_NOTES : NOTES };
    const doc = signDocument(manifest, o.signingKey);
    await zip.add('manifest.json', [Buffer.from(doc.body, 'utf8')]);
    await zip.add('manifest.sig', [Buffer.from(JSON.stringify({ sig: doc.sig, keyId: doc.keyId }) + '\n', 'utf8')]);
    const fin = await zip.finish();
    await rename(tmp, out);
    await fsyncDir(path.dirname(out));
    const row = o.db.prepare(`INSERT INTO exports (kind, journal_number, recipient, subject, exported_by, exported_at, clip_ids, package_sha256, package_path)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(label.kind, label.kind === 'police-export' ? label.journalNumber : null,
      label.kind === 'police-export' ? label.recipient : null, label.kind === 'subject-access' ? label.subject : null,
      o.by, exportedAt, JSON.stringify(items.map((i) => i.clipId)), fin.sha256, out);
    return { exportId: Number(row.lastInsertRowid), path: out, password, sha256: fin.sha256, clips: items.map((i) => i.clipId) };
  } catch (err) {
    await zip.abort();
    await overwriteAndUnlink(tmp);
    throw err;
  }
}

export interface ExportPackage { exportId: number; kind: ExportLabel['kind']; path: string; sha256: string; removedAt: string | null }

export function exportPackage(db: Db, exportId: number): ExportPackage | undefined {
  const r = db.prepare('SELECT id, kind, package_path, package_sha256, package_removed_at FROM exports WHERE id = ?').get(exportId) as
    { id: number; kind: ExportLabel['kind']; package_path: string | null; package_sha256: string; package_removed_at: string | null } | undefined;
  return r && r.package_path ? { exportId: r.id, kind: r.kind, path: r.package_path, sha256: r.package_sha256, removedAt: r.package_removed_at } : undefined;
}

const inside = (dir: string, file: string) => { const rel = path.relative(path.resolve(dir), path.resolve(file)); return !!rel && !rel.startsWith('..') && !path.isAbsolute(rel); };

/** Overwrite and unlink a package the server holds (in exportsDir) and note when it left. */
export async function removePackage(db: Db, exportsDir: string, p: ExportPackage, at: string): Promise<void> {
  if (inside(exportsDir, p.path)) await overwriteAndUnlink(p.path);
  db.prepare('UPDATE exports SET package_removed_at = ? WHERE id = ? AND package_removed_at IS NULL').run(at, p.exportId);
}

/**
 * The deadlines of exports (issue 19): packages still in exportsDir after `packagesBefore` are
 * overwritten and unlinked; export records older than `recordsBefore` are deleted (their package
 * first); stray files in exportsDir (a crashed export's .partial-*) older than `packagesBefore` go too.
 */
export async function purgeExports(db: Db, o: { exportsDir: string; packagesBefore: string; recordsBefore: string; at: string }): Promise<{ packages: number; records: number; strays: number }> {
  const live = (db.prepare('SELECT id FROM exports WHERE package_removed_at IS NULL AND (exported_at < ? OR exported_at < ?)').all(o.packagesBefore, o.recordsBefore) as { id: number }[]);
  let packages = 0;
  for (const { id } of live) {
    const p = exportPackage(db, id);
    if (p) { await removePackage(db, o.exportsDir, p, o.at); packages++; }
  }
  const records = db.prepare('DELETE FROM exports WHERE exported_at < ?').run(o.recordsBefore).changes;
  const known = new Set((db.prepare('SELECT package_path FROM exports WHERE package_removed_at IS NULL AND package_path IS NOT NULL').all() as { package_path: string }[]).map((r) => path.resolve(r.package_path)));
  let strays = 0;
  for (const f of await readdir(o.exportsDir).catch(() => [] as string[])) {
    const file = path.resolve(o.exportsDir, f);
    if (known.has(file)) continue;
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile() || st.mtime.toISOString() >= o.packagesBefore) continue;
    await overwriteAndUnlink(file);
    strays++;
  }
  return { packages, records, strays };
}
