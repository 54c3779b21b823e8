// Police export and subject access copies (docs/police-export.md): a ZIP with WinZip AES-256 (AE-2)
// encryption under a fresh random password, returned once and stored nowhere. Inside: each clip as
// <clipId>.ts (verified, decrypted MPEG-TS) and manifest.json (+ manifest.sig, the store's signature).
import { randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { readdir, rename, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { signDocument, type SignedDocument } from '../shared/evidence.js';
import { fsyncDir, overwriteAndUnlink } from '../shared/durable-file.js';
import type { Index } from './index/port.js';
import {
  deleteExportsBefore, exportPackageRow, livePackagePaths, livePackagesBefore, markPackageRemoved, recordExport, type ExportPackageRow,
} from './index/tables/exports.js';
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
  by: string; outPath: string; storeId: string; signingKey: KeyObject; now: () => number; index: Index; zip?: ZipOptions;
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
    const exportId = await o.index.tx((u) => recordExport(u, { kind: label.kind, journalNumber: label.kind === 'police-export' ? label.journalNumber : null,
      recipient: label.kind === 'police-export' ? label.recipient : null, subject: label.kind === 'subject-access' ? label.subject : null,
      exportedBy: o.by, exportedAt, clipIds: items.map((i) => i.clipId), packageSha256: fin.sha256, packagePath: out }));
    return { exportId, path: out, password, sha256: fin.sha256, clips: items.map((i) => i.clipId) };
  } catch (err) {
    await zip.abort();
    await overwriteAndUnlink(tmp);
    throw err;
  }
}

export type ExportPackage = ExportPackageRow;

export function exportPackage(index: Index, exportId: number): Promise<ExportPackage | undefined> {
  return index.tx((u) => exportPackageRow(u, exportId));
}

const inside = (dir: string, file: string) => { const rel = path.relative(path.resolve(dir), path.resolve(file)); return !!rel && !rel.startsWith('..') && !path.isAbsolute(rel); };

/** Overwrite and unlink a package the server holds (in exportsDir) and note when it left. */
export async function removePackage(index: Index, exportsDir: string, p: ExportPackage, at: string): Promise<void> {
  if (inside(exportsDir, p.path)) await overwriteAndUnlink(p.path);
  await index.tx((u) => markPackageRemoved(u, p.exportId, at));
}

/**
 * The deadlines of exports (issue 19): packages still in exportsDir after `packagesBefore` are
 * overwritten and unlinked; export records older than `recordsBefore` are deleted (their package
 * first); stray files in exportsDir (a crashed export's .partial-*) older than `packagesBefore` go too.
 */
export async function purgeExports(index: Index, o: { exportsDir: string; packagesBefore: string; recordsBefore: string; at: string }): Promise<{ packages: number; records: number; strays: number }> {
  const live = await index.tx((u) => livePackagesBefore(u, o.packagesBefore, o.recordsBefore));
  let packages = 0;
  for (const id of live) {
    const p = await exportPackage(index, id);
    if (p) { await removePackage(index, o.exportsDir, p, o.at); packages++; }
  }
  const records = await index.tx((u) => deleteExportsBefore(u, o.recordsBefore));
  const known = new Set((await index.tx((u) => livePackagePaths(u))).map((f) => path.resolve(f)));
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
