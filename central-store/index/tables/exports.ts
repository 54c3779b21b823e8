// Owner of the `exports` table: one row per police export or subject-access copy (who, when, for whom,
// which clips, the package's SHA-256 and where it was written; never its password), and when the
// package left the server (downloaded or past its deadline, issue 19).
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

const COLUMNS = `kind TEXT NOT NULL,
  journal_number TEXT,
  recipient TEXT,
  subject TEXT,
  exported_by TEXT NOT NULL,
  exported_at TEXT NOT NULL,
  clip_ids TEXT NOT NULL,
  package_sha256 TEXT NOT NULL`;

export const EXPORTS_MIGRATIONS: Migration[] = [
  { name: 'evidence-exports-1',
    sqlite: `CREATE TABLE exports (\n  id INTEGER PRIMARY KEY,\n  ${COLUMNS}\n);`,
    pg: `CREATE TABLE exports (\n  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  ${COLUMNS}\n);` },
  { name: 'evidence-exports-2',
    sqlite: 'ALTER TABLE exports ADD COLUMN package_path TEXT; ALTER TABLE exports ADD COLUMN package_removed_at TEXT',
    pg: 'ALTER TABLE exports ADD COLUMN package_path TEXT; ALTER TABLE exports ADD COLUMN package_removed_at TEXT' },
];

export type ExportKind = 'police-export' | 'subject-access';
export interface ExportRecord {
  kind: ExportKind;
  journalNumber: string | null; recipient: string | null; subject: string | null;
  exportedBy: string; exportedAt: string; clipIds: string[]; packageSha256: string; packagePath: string | null;
}
export interface ExportPackageRow { exportId: number; kind: ExportKind; path: string; sha256: string; removedAt: string | null }

/** Record an export; returns its id. */
export async function recordExport(u: Unit, r: ExportRecord): Promise<number> {
  const row = await u.get<{ id: number | string }>(`INSERT INTO exports (kind, journal_number, recipient, subject, exported_by, exported_at, clip_ids, package_sha256, package_path)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  [r.kind, r.journalNumber, r.recipient, r.subject, r.exportedBy, r.exportedAt, JSON.stringify(r.clipIds), r.packageSha256, r.packagePath]);
  return Number(row!.id);
}

type Row = { id: number | string; kind: ExportKind; journal_number: string | null; recipient: string | null; subject: string | null; exported_by: string;
  exported_at: string; clip_ids: string; package_sha256: string; package_path: string | null; package_removed_at: string | null };

/** Every export, oldest first. */
export async function listExports(u: Unit): Promise<(ExportRecord & { exportId: number; removedAt: string | null })[]> {
  const rows = await u.all<Row>('SELECT * FROM exports ORDER BY id');
  return rows.map((r) => ({ exportId: Number(r.id), kind: r.kind, journalNumber: r.journal_number, recipient: r.recipient, subject: r.subject, exportedBy: r.exported_by,
    exportedAt: r.exported_at, clipIds: JSON.parse(r.clip_ids) as string[], packageSha256: r.package_sha256, packagePath: r.package_path, removedAt: r.package_removed_at }));
}

/** The package of an export, if one was written. */
export async function exportPackageRow(u: Unit, exportId: number): Promise<ExportPackageRow | undefined> {
  const r = await u.get<Row>('SELECT id, kind, package_path, package_sha256, package_removed_at FROM exports WHERE id = ?', [exportId]);
  return r && r.package_path ? { exportId: Number(r.id), kind: r.kind, path: r.package_path, sha256: r.package_sha256, removedAt: r.package_removed_at } : undefined;
}

/** Note when the package left the server (the first time only). */
export async function markPackageRemoved(u: Unit, exportId: number, at: string): Promise<void> {
  await u.run('UPDATE exports SET package_removed_at = ? WHERE id = ? AND package_removed_at IS NULL', [at, exportId]);
}

/** Exports whose package is still on the server and exported before either cut-off. */
export async function livePackagesBefore(u: Unit, a: string, b: string): Promise<number[]> {
  return (await u.all<{ id: number | string }>('SELECT id FROM exports WHERE package_removed_at IS NULL AND (exported_at < ? OR exported_at < ?) ORDER BY id', [a, b])).map((r) => Number(r.id));
}

export async function deleteExportsBefore(u: Unit, cutoff: string): Promise<number> {
  return (await u.run('DELETE FROM exports WHERE exported_at < ?', [cutoff])).changes;
}

/** Paths of packages the server still holds. */
export async function livePackagePaths(u: Unit): Promise<string[]> {
  return (await u.all<{ package_path: string }>('SELECT package_path FROM exports WHERE package_removed_at IS NULL AND package_path IS NOT NULL')).map((r) => r.package_path);
}

/** The review's figures: export records past `cutoff`. */
export function exportsCensus(u: Unit, cutoff: string): Promise<Census> { return censusOf(u, 'exports', 'exported_at', cutoff); }
/** The review's figures: packages still on the server, past `cutoff`. */
export function livePackagesCensus(u: Unit, cutoff: string): Promise<Census> { return censusOf(u, 'exports', 'exported_at', cutoff, { where: 'package_removed_at IS NULL' }); }
