// Firmware bundle manifest (docs/firmware-bundle.md): what is signed. Parsing never trusts the input:
// every field is checked and a bad one is refused as BundleError('malformed') naming the field.
import * as z from 'zod/mini';
import { int } from '../zod-mini.js';
import { formatIssues } from '../config.js';

export type BundleErrorCode =
  | 'unsigned' | 'bad-signature' | 'untrusted-key' | 'wrong-hardware' | 'below-floor' | 'not-newer' | 'from-too-old'
  | 'truncated' | 'tampered' | 'malformed' | 'busy' | 'io';

export class BundleError extends Error {
  constructor(readonly code: BundleErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'BundleError';
  }
}

export const MAX_FILES = 256;
export const MAX_TOTAL_BYTES = 1024 ** 3;
const SEMVER_RE = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;
// Relative, '/'-separated, no '.', '..' or empty parts, no hidden names (the slot keeps .manifest.json).
const PATH_RE = /^(?:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}\/){0,7}[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

const semver = z.string().check(z.maxLength(64), z.regex(SEMVER_RE, 'not a semantic version (MAJOR.MINOR.PATCH[-pre])'));

export const manifestSchema = z
  .strictObject({
    format: z.literal(1),
    version: semver,
    hardware: z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only')),
    channel: z.enum(['release', 'development']),
    minFromVersion: z.optional(semver),
    createdAt: z.iso.datetime(),
    files: z
      .array(
        z.strictObject({
          path: z.string().check(z.regex(PATH_RE, 'not a safe relative path')),
          size: int(0, MAX_TOTAL_BYTES),
          sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'not a lowercase hex SHA-256')),
        }),
      )
      .check(z.minLength(1), z.maxLength(MAX_FILES)),
  })
  .check(z.superRefine((m, ctx) => {
    const seen = new Set<string>();
    for (const f of m.files) {
      if (seen.has(f.path)) ctx.addIssue({ code: 'custom', path: ['files'], message: `duplicate path ${f.path}` });
      seen.add(f.path);
    }
    // A path that is also another's directory could not be written into the slot.
    for (const f of m.files) {
      for (let i = f.path.indexOf('/'); i > 0; i = f.path.indexOf('/', i + 1)) {
        if (seen.has(f.path.slice(0, i))) ctx.addIssue({ code: 'custom', path: ['files'], message: `${f.path.slice(0, i)} is a file and the directory of ${f.path}` });
      }
    }
    if (!seen.has('firmware.js')) ctx.addIssue({ code: 'custom', path: ['files'], message: 'firmware.js (the entry the launcher starts) is missing' });
    const total = m.files.reduce((n, f) => n + f.size, 0);
    if (total > MAX_TOTAL_BYTES) ctx.addIssue({ code: 'custom', path: ['files'], message: `total size ${total} exceeds ${MAX_TOTAL_BYTES}` });
  }));

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestFile = Manifest['files'][number];

/** Parse the exact manifest bytes (UTF-8 JSON). */
export function parseManifest(bytes: Buffer): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new BundleError('malformed', `manifest is not UTF-8 JSON (${(err as Error).message})`);
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    throw new BundleError('malformed', formatIssues(r.error.issues, 'manifest'));
  }
  return r.data;
}

export function isSemver(v: string): boolean {
  return SEMVER_RE.test(v);
}

/** Semantic-version precedence (semver.org §11): -1, 0 or 1. Throws on a non-version. */
export function compareVersions(a: string, b: string): number {
  const pa = SEMVER_RE.exec(a);
  const pb = SEMVER_RE.exec(b);
  if (!pa || !pb) throw new Error(`not a semantic version: ${!pa ? a : b}`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return Math.sign(d);
  }
  const xa = pa[4]?.split('.');
  const xb = pb[4]?.split('.');
  if (!xa || !xb) return xa ? -1 : xb ? 1 : 0;
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    const ia = xa[i];
    const ib = xb[i];
    if (ia === undefined || ib === undefined) return ia === undefined ? -1 : 1;
    const na = /^\d+$/.test(ia);
    const nb = /^\d+$/.test(ib);
    if (na && nb) {
      const d = Number(ia) - Number(ib);
      if (d !== 0) return Math.sign(d);
    } else if (na !== nb) return na ? -1 : 1;
    else if (ia !== ib) return ia < ib ? -1 : 1;
  }
  return 0;
}
