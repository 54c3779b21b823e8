// Input schemas for the store's operations (API bodies/queries and CLI flags alike), and the part of
// the evidence store (central-store/evidence.ts) that operations use.
import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { Unit } from './index/port.js';
import { LIMITS } from './input-limits.js';

export interface HoldInfo { reason: string; caseNumber: string; placedBy: string; placedAt: string }
export interface ClipInfoLike { clipId: string; hold: HoldInfo | null; [k: string]: unknown }
export interface ExportResult { exportId?: number; path: string; password: string; sha256: string; clips: unknown }

export interface EvidenceApi {
  search(c: SearchCriteria): Promise<ClipInfoLike[]>;
  get(id: string): Promise<ClipInfoLike | undefined>;
  openPlaintext(id: string): Promise<Readable | ReadableStream>;
  placeHold(id: string, h: { reason: string; caseNumber: string; by: string }, u?: Unit): Promise<ClipInfoLike>;
  addMarker(id: string, m: { offsetMs: number; note: string; by: string }, u?: Unit): Promise<unknown>;
  setCategory(id: string, c: { purpose: string; reason: string; by: string }, u?: Unit): Promise<ClipInfoLike>;
  addToCase(id: string, c: { caseNumber: string; by: string }, u?: Unit): Promise<ClipInfoLike>;
  removeFromCase(id: string, c: { caseNumber: string; reason: string; by: string }, u?: Unit): Promise<ClipInfoLike>;
  cases(id: string): unknown[] | Promise<unknown[]>;
  headerFacts(id: string): Promise<unknown>;
  markers(id: string): unknown[] | Promise<unknown[]>;
  liftHold(id: string, h: { reason: string; by: string }, u?: Unit): Promise<ClipInfoLike>;
  /** Mirror a hold on the clip's blob (S3 legal hold); lifting never throws (logged; deletion lifts a stale one). */
  setBlobHold?(id: string, on: boolean): Promise<void>;
  /** Move the blob's retain-until to a later deadline (S3 GOVERNANCE); never throws (logged). */
  extendRetainUntil?(id: string): Promise<void>;
  deleteNow(id: string, d: { reason: string; by: string }): Promise<unknown>;
  runRetention(): Promise<unknown>;
  deletionReceipts(o: { since?: string }): unknown;
  /** The record deadlines (docs/data-inventory.md): counts deleted per record kind. */
  purgeRecords(): Promise<Record<string, number>>;
  /** A package still on the server (refused with 'gone' once it left). */
  exportPackage(exportId: number): Promise<{ exportId: number; kind: string; path: string; sha256: string }> | { exportId: number; kind: string; path: string; sha256: string };
  /** A complete download: the package leaves the server. */
  packageDownloaded(exportId: number): Promise<void>;
  exportForPolice(ids: string[], o: { journalNumber: string; recipient: string; by: string; outPath: string }): Promise<ExportResult>;
  exportForSubject(ids: string[], o: { subject: string; by: string; outPath: string }): Promise<ExportResult>;
}

/** Redaction cases (central-store/redaction/service.ts), as operations use them. */
export interface RedactionApi {
  start(clipIds: string[], o: { subject: string; by: string }): Promise<unknown>;
  show(caseId: string): unknown;
  edit(caseId: string, e: RedactEdit, by: string, u?: Unit): unknown;
  preview(caseId: string, clipId: string): Promise<Readable>;
  approve(caseId: string, by: string, u?: Unit): unknown;
  package(caseId: string, o: { by: string; outPath: string }): Promise<ExportResult>;
}

export type Obj = Record<string, unknown> | undefined;

/** Only the named fields of a body, for the log's criterion (never a password). */
export function pick(body: unknown, keys: string[]): Record<string, unknown> {
  const o = body && typeof body === 'object' ? body as Record<string, unknown> : {};
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
}

/** Missing → 'required' (zod's default message says 'expected string, received undefined'). */
const str = () => z.string({ error: (i) => (i.input === undefined ? 'required' : 'must be a string') });
const ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const ClipIdSchema = str().regex(ID, 'a clip id (letters, digits, . _ : -)');
const text = (max: number) => str().trim().min(1, 'required').max(max, `at most ${max} characters`);
const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 date/time').transform((s) => new Date(s).toISOString());
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);

export const SearchSchema = z.object({
  clipId: ClipIdSchema.optional(),
  deviceId: z.string().regex(ID, 'a device id').optional(),
  purpose: text(64).optional(),
  from: iso.optional(),
  to: iso.optional(),
  onHold: bool.optional(),
  hasMarker: bool.optional(),
  caseNumber: text(LIMITS.caseNumber).optional(),
  sort: z.enum(['start', 'camera', 'purpose', 'received']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  offset: z.coerce.number().int().min(0).max(LIMITS.searchOffset).optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.searchResults).optional(),
}).strict();
export type SearchCriteria = z.infer<typeof SearchSchema>;

export const HoldSchema = z.object({ reason: text(LIMITS.reason), caseNumber: text(LIMITS.caseNumber) }).strict();
/** A bookmark: milliseconds from the clip's start (as the player shows it) and a note. */
export const MarkerSchema = z.object({
  offsetMs: z.coerce.number({ error: 'a number of milliseconds from the clip start' }).int('whole milliseconds').min(0, 'not before the clip start').max(7 * 86_400_000, 'at most 7 days'),
  note: text(LIMITS.markerNote),
}).strict();
export const CategorySchema = z.object({ purpose: text(64), reason: text(LIMITS.reason) }).strict();
export const CaseSchema = z.object({ caseNumber: text(LIMITS.caseNumber) }).strict();
export const CaseNumberSchema = text(LIMITS.caseNumber);
export const CaseRemoveSchema = z.object({ caseNumber: text(LIMITS.caseNumber), reason: text(LIMITS.reason) }).strict();
export const ReasonSchema = z.object({ reason: text(LIMITS.reason) }).strict();
const clipIds = z.array(ClipIdSchema, { error: (i) => (i.input === undefined ? 'required' : 'a list of clip ids') }).min(1, 'at least one clip id').max(LIMITS.clipsPerRequest);
export const ExportSchema = z.object({ clipIds, journalNumber: text(LIMITS.journalNumber), recipient: text(LIMITS.recipient) }).strict();
export const DsarSchema = z.object({ clipIds, subject: text(LIMITS.subject) }).strict();
export const ExportIdSchema = z.coerce.number({ error: 'an export id (a whole number)' }).int('an export id (a whole number)').min(1, 'an export id (a whole number)').max(Number.MAX_SAFE_INTEGER);
export const SinceSchema = z.object({ since: iso.optional() }).strict();
export const LogQuerySchema = z.object({
  from: iso.optional(), to: iso.optional(),
  user: z.string().min(1).max(64).optional(), action: z.string().regex(/^[a-z-]{1,40}$/, 'an action name').optional(),
  clipId: ClipIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.logRows).optional(),
  offset: z.coerce.number().int().min(0).max(LIMITS.searchOffset).optional(),
  format: z.enum(['json', 'csv']).optional(),
}).strict();
export const UserCreateSchema = z.object({ username: str(), role: str(), password: str().optional(), generate: bool.optional(), reason: text(LIMITS.reason).optional() }).strict();
/** A role change alters what the account may do: the reason is required (logged). */
export const RoleSchema = z.object({ role: str(), reason: text(LIMITS.reason) }).strict();
export const OptionalReasonSchema = z.object({ reason: text(LIMITS.reason).optional() }).strict();

export const CaseIdSchema = str().regex(/^rd-[0-9a-f]{12}$/, 'a redaction case id (rd- and 12 hex digits)');
export const RedactStartSchema = z.object({ clipIds, subject: text(LIMITS.subject) }).strict();
const n = z.number().int().min(0).max(100_000_000);
const trackIds = z.array(z.string().regex(/^t\d{1,6}$/, 'a track id (t1, t2, ...)')).max(1000);
export const RedactEditSchema = z.object({
  clipId: ClipIdSchema,
  keep: trackIds.optional(),
  unkeep: trackIds.optional(),
  addBoxes: z.array(z.object({ from: n, to: n, x: n, y: n, w: n.min(1), h: n.min(1), note: text(200).optional() }).strict()).max(1000).optional(),
  removeBoxes: z.array(z.string().regex(/^b\d{1,6}$/, 'a box id (b1, b2, ...)')).max(1000).optional(),
  addMutes: z.array(z.object({ from: z.number().min(0).max(1e7), to: z.number().min(0).max(1e7) }).strict()).max(1000).optional(),
  clearMutes: z.boolean().optional(),
  muteAll: z.boolean().optional(),
  reason: text(LIMITS.reason).optional(),
}).strict();
export type RedactEdit = z.infer<typeof RedactEditSchema>;
