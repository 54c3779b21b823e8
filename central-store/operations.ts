// Every operation a person can perform on the store, shared by the HTTP API and the CLI so both apply
// the same permission checks and write the same access-log entries. Each call: check the actor's role
// → validate input → run → log; a refusal, bad input or failure is logged as well. Nothing is returned
// to the caller unless its log entry was written. Irreversible operations (delete, export, DSAR,
// retention, user creation) log first and add an 'error' entry if they then fail.
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { issueText } from '../shared/config.js';
import type { AccessLog } from './access-log.js';
import type { Db } from './db.js';
import type { Index, Unit } from './index/port.js';
import { deleteEndedSessions } from './index/tables/sessions.js';
import { reviewReport } from './review.js';
import type { RecordKind } from './record-census.js';
import { fleet } from './index/tables/fleet.js';
import { INCIDENT_KINDS, incidents, type IncidentKind } from './index/tables/ingest-incidents.js';
import { can, checkNewPassword, checkRole, checkUsername, generatePassword, PERMISSIONS, ROLES, UserError, type Permission, type Role, type Users } from './users.js';
import * as S from './op-schemas.js';
import { latestHeartbeats } from './index/tables/dock-heartbeats.js';
import type { HeartbeatBody } from '../shared/mqtt/codec.js';
import { LIMITS } from './input-limits.js';
import type { EvidenceApi, RedactionApi } from './op-schemas.js';

export const ACTIONS = {
  search: 'search', metadata: 'search', view: 'view', download: 'download', export: 'export', dsar: 'dsar',
  hold: 'hold', unhold: 'hold', 'case-hold': 'hold', 'case-unhold': 'hold',  'marker-add': 'annotate', category: 'annotate', 'case-add': 'annotate', 'case-remove': 'annotate', delete: 'delete', 'deletion-receipts': 'audit', incidents: 'search', review: 'audit', 'log-verify': 'audit', 'log-read': 'audit',
  'export-download': 'export', fleet: 'admin', 'log-purge': 'admin', 'retention-run': 'admin', 'records-purge': 'admin', 'user-list': 'admin', 'user-create': 'admin', 'user-role': 'admin',
  'user-unlock': 'admin', 'user-disable': 'admin', 'user-enable': 'admin', 'user-bootstrap': 'admin',
  'redact-start': 'dsar', 'redact-show': 'dsar', 'redact-edit': 'dsar', 'redact-preview': 'dsar', 'redact-approve': 'dsar', 'redact-package': 'dsar',
} as const satisfies Record<string, Permission>;
export type Action = keyof typeof ACTIONS;

export type ErrCode = 'bad-input' | 'unauthenticated' | 'forbidden' | 'not-found' | 'on-hold' | 'conflict' | 'locked' | 'disabled' | 'key-destroyed' | 'gone' | 'corrupt' | 'log-failed' | 'internal';
export class OpError extends Error {
  constructor(readonly code: ErrCode, message: string) { super(message); }
}
/** Error codes of the users module and the evidence store (store-error.ts), as operation errors. */
const KNOWN: Record<string, ErrCode> = {
  'bad-input': 'bad-input', 'not-found': 'not-found', 'on-hold': 'on-hold', conflict: 'conflict', locked: 'locked', disabled: 'disabled',
  'key-destroyed': 'key-destroyed', 'key-missing': 'key-destroyed', 'not-held': 'conflict', deleting: 'conflict', exists: 'conflict', corrupt: 'corrupt', gone: 'gone',
};
function toOpError(err: unknown): OpError {
  if (err instanceof OpError) return err;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && KNOWN[code]) return new OpError(KNOWN[code], (err as Error).message);
  return new OpError('internal', `internal error: ${(err as Error)?.message ?? String(err)}`);
}

export function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  // A missing body is an empty one, so the message names the first missing field.
  const r = schema.safeParse(input === undefined && schema instanceof z.ZodObject ? {} : input);
  if (r.success) return r.data;
  throw new OpError('bad-input', issueText(r.error.issues[0], '(body)'));
}

/** When the 'ok' entry is written: after the work, before it, in its transaction, or by the work itself. */
type Mode = 'after' | 'before' | 'tx' | 'self';
export const SYSTEM = 'system';
/** What a non-'tx' operation's work gets instead of a unit: any use is a bug, and says so. */
const NO_UNIT: Unit = new Proxy({} as Unit, { get: (_t, p) => { throw new Error(`operation: unit.${String(p)} used outside a 'tx' operation`); } });
/** The actor named in the log for a break-glass unlock on the store host (needs the master key, not a login). */
export const BREAK_GLASS = 'break-glass';
export const WRONG_LOGIN = 'wrong username or password';
const lockedOr = (now: boolean) => now ? ' (locked by this failure, wrong password)' : ' (wrong password)';

export class Operations {
  constructor(private readonly o: { db?: Db; index?: Index; users: Users; log: AccessLog; evidence: () => Promise<EvidenceApi>; redaction?: () => Promise<RedactionApi>; now?: () => number; logMonths?: number; disabledUserDays?: number;
    /** Each record kind's count, oldest and deadline for the review (record-census.ts). */
    census?: () => Promise<RecordKind[]> }) {}
  get log(): AccessLog { return this.o.log; }
  /** Whether this store has the redaction service (the office offers the step only then). */
  get canRedact(): boolean { return !!this.o.redaction; }
  private now(): number { return (this.o.now ?? Date.now)(); }

  get index(): Index { return this.o.index ?? this.o.log.index; }

  /** One access-log entry, in `u` when given (it commits with the unit's work) or in its own unit. */
  private async write(user: string, action: string, criterion: string, outcome: 'ok' | 'denied' | 'error', reason?: string, u?: Unit): Promise<void> {
    const e = { user, action, criterion, outcome, reason };
    try { await (u ? this.o.log.appendIn(u, e) : this.o.log.append(e)); } catch (err) {
      throw new OpError('log-failed', `the access log could not be written, so the operation was not completed (${(err as Error).message})`);
    }
  }

  /** The core of every operation: authorise, log (in the order the mode says), run; `pre` runs after authorisation, before the rest (its failure is logged). */
  async run<T>(actor: string, action: Action, criterion: unknown, fn: (u: Unit) => T | Promise<T>, mode: Mode = 'after', pre?: () => Promise<unknown>): Promise<T> {
    const crit = JSON.stringify(criterion ?? null);
    const need = ACTIONS[action];
    if (actor !== SYSTEM && actor !== BREAK_GLASS) {
      const u = await this.o.users.get(actor);
      const why = !u ? 'no such user' : u.disabledAt ? 'account disabled' : u.lockedAt ? 'account locked' : !can(u.role, need) ? `role ${u.role} lacks the ${need} permission` : null;
      if (why) {
        await this.write(actor, action, crit, 'denied', why);
        throw new OpError('forbidden', `${action}: refused (${why})`);
      }
    }
    const fail = async (err: unknown): Promise<never> => {
      const e = toOpError(err);
      if (e.code !== 'log-failed') await this.write(actor, action, crit, 'error', e.message);
      throw e;
    };
    try {
      if (pre) await pre();
      // 'tx': the work and its entry are one unit of work (fn uses only `u`, or sync statements on the sqlite connection the unit holds).
      if (mode === 'tx') return await this.index.tx(async (u) => { const r = await fn(u); await this.write(actor, action, crit, 'ok', undefined, u); return r; });
      if (mode === 'before') await this.write(actor, action, crit, 'ok');
      const r = await fn(NO_UNIT);
      if (mode === 'after') await this.write(actor, action, crit, 'ok');
      return r;
    } catch (err) { return fail(err); }
  }

  /**
   * Check a password; logs 'login', or 'login-failure' (and 'lockout' when this failure locked the account).
   * The log gets the true reason; the caller gets the same 'wrong username or password' for an unknown
   * name, a wrong password, and a locked or disabled account, unless the password was right: only then
   * is it told the account is locked (423) or disabled (403).
   */
  async login(username: unknown, password: unknown): Promise<{ username: string; role: string }> {
    const name = typeof username === 'string' ? username.slice(0, 64) : '';
    const crit = JSON.stringify({ username: name });
    if (!name || typeof password !== 'string' || !password) {
      await this.write(name || '-', 'login-failure', crit, 'error', 'username and password are required');
      throw new OpError('bad-input', typeof username !== 'string' || !username ? 'username: required' : 'password: required');
    }
    const r = await this.o.users.login(name, password);
    if (r.ok) { await this.write(name, 'login', crit, 'ok'); return { username: name, role: r.user.role }; }
    const reason = r.code === 'bad-credentials' ? `wrong username or password (${r.failedLogins} consecutive)`
      : `account ${r.code}${r.proved ? ' (right password)' : lockedOr(r.lockedNow)}`;
    await this.write(name, 'login-failure', crit, 'denied', reason);
    if (r.lockedNow) await this.write(SYSTEM, 'lockout', JSON.stringify({ username: name, failedLogins: r.failedLogins }), 'ok', `${r.failedLogins} consecutive failed logins`);
    if (r.proved && r.code === 'locked') throw new OpError('locked', 'account locked after repeated failed logins: an administrator must unlock it');
    if (r.proved && r.code === 'disabled') throw new OpError('disabled', 'account disabled');
    throw new OpError('unauthenticated', WRONG_LOGIN);
  }

  /**
   * Break-glass unlock, for the store host only (`bodycam store break-glass unlock`, never over HTTP):
   * the caller has already proved it holds the master key. The unlock and its log entry are one transaction.
   */
  async breakGlassUnlock(username: string, o: { reason: string; operator: string; prove: () => Promise<void> }) {
    const crit = { username, operator: o.operator, reason: o.reason };
    try { await o.prove(); } catch (err) {
      const e = toOpError(err);
      await this.write(BREAK_GLASS, 'user-unlock', JSON.stringify(crit), 'denied', e.message);
      throw e;
    }
    return this.run(BREAK_GLASS, 'user-unlock', crit, (u) => this.o.users.unlock(BREAK_GLASS, username, u), 'tx');
  }

  async search(actor: string, q: unknown) {
    return this.run(actor, 'search', q, async () => (await this.o.evidence()).search(parse(S.SearchSchema, q)));
  }
  async metadata(actor: string, clipId: unknown) {
    return this.run(actor, 'metadata', { clipId }, async () => {
      const id = parse(S.ClipIdSchema, clipId);
      const ev = await this.o.evidence();
      const c = await ev.get(id);
      if (!c) throw new OpError('not-found', `clip ${id} not found`);
      return { ...c, markers: await ev.markers(id), cases: await ev.cases(id), header: await ev.headerFacts(id).catch(() => null) };
    });
  }
  /** Decrypt for viewing (stream) or download; logged before the first byte is handed out. */
  async video(actor: string, clipId: unknown, kind: 'view' | 'download'): Promise<Readable | ReadableStream> {
    return this.run(actor, kind, { clipId }, async () => (await this.o.evidence()).openPlaintext(parse(S.ClipIdSchema, clipId)));
  }
  /** A view/download stream that broke after it was handed out (e.g. verification failed mid-clip). */
  async streamFailed(actor: string, kind: 'view' | 'download', clipId: string, err: unknown): Promise<void> {
    await this.write(actor, kind, JSON.stringify({ clipId }), 'error', `stream ended early: ${(err as Error)?.message ?? String(err)}`);
  }
  async hold(actor: string, clipId: unknown, body: unknown) {
    const crit = { clipId, ...S.pick(body, ['reason', 'caseNumber']) };
    const ev = await this.evidenceFor(actor, 'hold', crit);
    // The blob's own hold (S3 legal hold) goes on first: an index hold is never without it.
    return this.run(actor, 'hold', crit, (u) => {
      const b = parse(S.HoldSchema, body);
      return ev.placeHold(parse(S.ClipIdSchema, clipId), { ...b, by: actor }, u);
    }, 'tx', async () => { parse(S.HoldSchema, body); await ev.setBlobHold?.(parse(S.ClipIdSchema, clipId), true); });
  }
  /** An officer's bookmark at a moment of the clip, with a note. */
  async addMarker(actor: string, clipId: unknown, body: unknown) {
    const crit = { clipId, ...S.pick(body, ['offsetMs', 'note']) };
    const ev = await this.evidenceFor(actor, 'marker-add', crit);
    return this.run(actor, 'marker-add', crit, (u) => {
      const b = parse(S.MarkerSchema, body);
      return ev.addMarker(parse(S.ClipIdSchema, clipId), { ...b, by: actor }, u);
    }, 'tx');
  }
  /** Change a clip's purpose (category); retention is recomputed from it. A reason is required. */
  async setCategory(actor: string, clipId: unknown, body: unknown) {
    const crit = { clipId, ...S.pick(body, ['purpose', 'reason']) };
    const ev = await this.evidenceFor(actor, 'category', crit);
    const r = await this.run(actor, 'category', crit, (u) => {
      const b = parse(S.CategorySchema, body);
      return ev.setCategory(parse(S.ClipIdSchema, clipId), { ...b, by: actor }, u);
    }, 'tx');
    // The blob's retain-until follows a later deadline (after the commit; never throws).
    await ev.extendRetainUntil?.(r.clipId);
    return r;
  }
  async addToCase(actor: string, clipId: unknown, body: unknown) {
    const crit = { clipId, ...S.pick(body, ['caseNumber']) };
    const ev = await this.evidenceFor(actor, 'case-add', crit);
    return this.run(actor, 'case-add', crit, (u) => {
      const b = parse(S.CaseSchema, body);
      return ev.addToCase(parse(S.ClipIdSchema, clipId), { ...b, by: actor }, u);
    }, 'tx');
  }
  async removeFromCase(actor: string, clipId: unknown, body: unknown) {
    const crit = { clipId, ...S.pick(body, ['caseNumber', 'reason']) };
    const ev = await this.evidenceFor(actor, 'case-remove', crit);
    return this.run(actor, 'case-remove', crit, (u) => {
      const b = parse(S.CaseRemoveSchema, body);
      return ev.removeFromCase(parse(S.ClipIdSchema, clipId), { ...b, by: actor }, u);
    }, 'tx');
  }
  async unhold(actor: string, clipId: unknown, body: unknown) {
    const crit = { clipId, ...S.pick(body, ['reason']) };
    const ev = await this.evidenceFor(actor, 'unhold', crit);
    const r = await this.run(actor, 'unhold', crit, (u) => {
      const b = parse(S.ReasonSchema, body);
      return ev.liftHold(parse(S.ClipIdSchema, clipId), { ...b, by: actor }, u);
    }, 'tx');
    // Lifted on the blob after the index (a failure leaves the blob held, the safe side; deletion lifts it then).
    await ev.setBlobHold?.(r.clipId, false);
    return r;
  }
  /**
   * A hold on every clip of a case (in it, or held under its number) that is not held yet: one `hold`
   * per clip, each with its own permission check and log entry (an ordinary clip hold), then one
   * `case-hold` entry. A clip held under another number is left as it is and reported; a clip that
   * fails is reported and the rest go on (each clip's hold stands on its own).
   */
  async holdCase(actor: string, caseNumber: unknown, body: unknown) {
    return this.run(actor, 'case-hold', { caseNumber, ...S.pick(body, ['reason']) }, async () => {
      const n = parse(S.CaseNumberSchema, caseNumber);
      const { reason } = parse(S.ReasonSchema, body);
      const placed: string[] = []; const alreadyHeld: { clipId: string; caseNumber: string }[] = []; const failed: { clipId: string; error: string }[] = [];
      for (const c of await this.caseClips(n)) {
        if (c.hold) { alreadyHeld.push({ clipId: c.clipId, caseNumber: c.hold.caseNumber }); continue; }
        try { await this.hold(actor, c.clipId, { reason, caseNumber: n }); placed.push(c.clipId); } catch (err) {
          if ((err as OpError).code === 'log-failed') throw err;
          failed.push({ clipId: c.clipId, error: (err as Error).message });
        }
      }
      return { caseNumber: n, placed, alreadyHeld, failed };
    });
  }
  /** Lift the holds placed under this case number (one `unhold` per clip, then `case-unhold`); holds under other numbers stay. */
  async unholdCase(actor: string, caseNumber: unknown, body: unknown) {
    return this.run(actor, 'case-unhold', { caseNumber, ...S.pick(body, ['reason']) }, async () => {
      const n = parse(S.CaseNumberSchema, caseNumber);
      const { reason } = parse(S.ReasonSchema, body);
      const lifted: string[] = []; const heldElsewhere: { clipId: string; caseNumber: string }[] = []; const failed: { clipId: string; error: string }[] = [];
      for (const c of await this.caseClips(n)) {
        if (!c.hold) continue;
        if (c.hold.caseNumber !== n) { heldElsewhere.push({ clipId: c.clipId, caseNumber: c.hold.caseNumber }); continue; }
        try { await this.unhold(actor, c.clipId, { reason }); lifted.push(c.clipId); } catch (err) {
          if ((err as OpError).code === 'log-failed') throw err;
          failed.push({ clipId: c.clipId, error: (err as Error).message });
        }
      }
      return { caseNumber: n, lifted, heldElsewhere, failed };
    });
  }
  /** Every clip of a case (the case page's set: in it, or held under its number), a search page at a time. */
  private async caseClips(caseNumber: string): Promise<S.ClipInfoLike[]> {
    const ev = await this.o.evidence();
    const out: S.ClipInfoLike[] = [];
    for (let offset = 0; ; offset += LIMITS.searchResults) {
      const page = await ev.search({ caseNumber, limit: LIMITS.searchResults, offset });
      out.push(...page);
      if (page.length < LIMITS.searchResults) return out;
    }
  }
  async delete(actor: string, clipId: unknown, body: unknown) {
    const crit = { clipId, ...S.pick(body, ['reason']) };
    const id = await this.validated(actor, 'delete', crit, () => parse(S.ClipIdSchema, clipId));
    const b = await this.validated(actor, 'delete', crit, () => parse(S.ReasonSchema, body));
    return this.run(actor, 'delete', crit, async () => (await this.o.evidence()).deleteNow(id, { ...b, by: actor }), 'before');
  }
  async exportPolice(actor: string, body: unknown, outPath: string) {
    const crit = S.pick(body, ['clipIds', 'journalNumber', 'recipient']);
    const b = await this.validated(actor, 'export', crit, () => parse(S.ExportSchema, body));
    return this.run(actor, 'export', crit, async () => (await this.o.evidence()).exportForPolice(b.clipIds, { journalNumber: b.journalNumber, recipient: b.recipient, by: actor, outPath }), 'before');
  }
  async dsar(actor: string, body: unknown, outPath: string) {
    const crit = S.pick(body, ['clipIds', 'subject']);
    const b = await this.validated(actor, 'dsar', crit, () => parse(S.DsarSchema, body));
    return this.run(actor, 'dsar', crit, async () => (await this.o.evidence()).exportForSubject(b.clipIds, { subject: b.subject, by: actor, outPath }), 'before');
  }
  /** The evidence store for a synchronous (transactional) operation; failing to open it is logged like the operation failing. */
  private async evidenceFor(actor: string, action: Action, crit: unknown): Promise<EvidenceApi> {
    try { return await this.o.evidence(); } catch (err) { return this.run(actor, action, crit, () => { throw err; }); }
  }
  /** Input the API could not parse (bad JSON body, bad URL escape): denied or logged as an error like failed validation. */
  async rejectInput(actor: string, action: string, criterion: unknown, err: OpError): Promise<never> {
    if (!Object.hasOwn(ACTIONS, action)) throw err;
    return this.run(actor, action as Action, criterion, () => { throw err; });
  }
  /** Validation as its own logged step, so a 'before' operation never logs 'ok' for input it then rejects. */
  private async validated<T>(actor: string, action: Action, crit: unknown, fn: () => T): Promise<T> {
    try { return fn(); } catch (err) { return this.run(actor, action, crit, () => { throw err; }); }
  }

  // Redaction of subject access copies (docs/redaction.md): start (propose tracks), show, edit, preview,
  // approve, package. Each decrypting step is logged before the first byte is read.
  private async redaction(): Promise<RedactionApi> {
    if (!this.o.redaction) throw new OpError('internal', 'redaction is not configured on this store');
    return this.o.redaction();
  }
  async redactStart(actor: string, body: unknown) {
    const crit = S.pick(body, ['clipIds', 'subject']);
    const b = await this.validated(actor, 'redact-start', crit, () => parse(S.RedactStartSchema, body));
    return this.run(actor, 'redact-start', crit, async () => (await this.redaction()).start(b.clipIds, { subject: b.subject, by: actor }), 'before');
  }
  async redactShow(actor: string, caseId: unknown) {
    return this.run(actor, 'redact-show', { caseId }, async () => (await this.redaction()).show(parse(S.CaseIdSchema, caseId)));
  }
  async redactEdit(actor: string, caseId: unknown, body: unknown) {
    const crit = { caseId, ...S.pick(body, ['clipId', 'keep', 'unkeep', 'addBoxes', 'removeBoxes', 'addMutes', 'clearMutes', 'muteAll', 'reason']) };
    const r = await this.redaction().catch((err) => this.run(actor, 'redact-edit', crit, () => { throw err; }));
    return this.run(actor, 'redact-edit', crit, (u) => r.edit(parse(S.CaseIdSchema, caseId), parse(S.RedactEditSchema, body), actor, u), 'tx');
  }
  async redactPreview(actor: string, caseId: unknown, clipId: unknown): Promise<Readable> {
    const crit = { caseId, clipId };
    const id = await this.validated(actor, 'redact-preview', crit, () => ({ caseId: parse(S.CaseIdSchema, caseId), clipId: parse(S.ClipIdSchema, clipId) }));
    return this.run(actor, 'redact-preview', crit, async () => (await this.redaction()).preview(id.caseId, id.clipId), 'before');
  }
  async redactApprove(actor: string, caseId: unknown) {
    const r = await this.redaction().catch((err) => this.run(actor, 'redact-approve', { caseId }, () => { throw err; }));
    return this.run(actor, 'redact-approve', { caseId }, (u) => r.approve(parse(S.CaseIdSchema, caseId), actor, u), 'tx');
  }
  /** Render the approved copies into the DSAR package (the rendered video exists only inside it). */
  async redactPackage(actor: string, caseId: unknown, outPath: string) {
    const id = await this.validated(actor, 'redact-package', { caseId }, () => parse(S.CaseIdSchema, caseId));
    return this.run(actor, 'redact-package', { caseId }, async () => (await this.redaction()).package(id, { by: actor, outPath }), 'before');
  }

  async deletionReceipts(actor: string, q: unknown) {
    return this.run(actor, 'deletion-receipts', q, async () => (await this.o.evidence()).deletionReceipts(parse(S.SinceSchema, q ?? {})));
  }
  /** An export package for download: logged (with the export id) before the first byte is handed out. */
  async exportPackage(actor: string, exportId: unknown) {
    return this.run(actor, 'export-download', { exportId }, async () => (await this.o.evidence()).exportPackage(parse(S.ExportIdSchema, exportId)));
  }
  /** The download completed: the package leaves the server. A failure to remove it is left to the deadline job. */
  async packageDownloaded(exportId: number): Promise<void> { await (await this.o.evidence()).packageDownloaded(exportId); }
  /** A package download that broke after it was handed out (it stays until its deadline). */
  async downloadFailed(actor: string, exportId: number, err: unknown): Promise<void> {
    await this.write(actor, 'export-download', JSON.stringify({ exportId }), 'error', `download ended early: ${(err as Error)?.message ?? String(err)}`);
  }
  /**
   * The record deadlines (docs/data-inventory.md) and disabled accounts past theirs; one entry with the
   * counts (never ids), plus one 'user-remove' entry per account removed.
   */
  async purgeRecords(actor: string) {
    return this.run(actor, 'records-purge', {}, async () => {
      const counts = await (await this.o.evidence()).purgeRecords();
      const removed = await this.o.users.removeDisabled(new Date(this.now() - (this.o.disabledUserDays ?? 30) * 86_400_000).toISOString());
      for (const u of removed) await this.write(actor, 'user-remove', JSON.stringify({ username: u }), 'ok', `disabled for more than ${this.o.disabledUserDays ?? 30} days`);
      const endedSessions = await this.index.tx((u) => deleteEndedSessions(u, this.now()));
      const out = { ...counts, disabledUsers: removed.length, endedSessions };
      await this.write(actor, 'records-purge', JSON.stringify(out), 'ok');
      return out;
    }, 'self');
  }
  async runRetention(actor: string) {
    return this.run(actor, 'retention-run', {}, async () => (await this.o.evidence()).runRetention(), 'before');
  }
  /** Refused or conflicting uploads (forgeries, revoked cameras, chain gaps) for the evidence officer. */
  async incidents(actor: string, q: { kind?: string } = {}) {
    const kind = q.kind && (INCIDENT_KINDS as readonly string[]).includes(q.kind) ? q.kind as IncidentKind : undefined;
    if (q.kind && !kind) return this.run(actor, 'incidents', q, () => { throw new OpError('bad-input', `kind: one of ${INCIDENT_KINDS.join(', ')}`); });
    return this.run(actor, 'incidents', q, () => this.index.tx((u) => incidents(u, { kind })));
  }
  async review(actor: string) {
    return this.run(actor, 'review', {}, async () => ({ ...await reviewReport(this.o.users, this.now()), ...(this.o.census ? { records: await this.o.census() } : {}) }));
  }
  /** The access log itself, filtered (audit pages, CSV download): reading it is logged like any other use. */
  async readLog(actor: string, q: unknown) {
    return this.run(actor, 'log-read', q ?? {}, () => {
      const v = parse(S.LogQuerySchema, q ?? {});
      return this.o.log.query({ ...v, limit: v.limit ?? 100 });
    });
  }
  /** Docks and cameras as ingest knows them (last seen, offloads, backlog, faults): for administrators. */
  async fleet(actor: string) {
    return this.run(actor, 'fleet', {}, async () => ({
      ...await this.index.tx((u) => fleet(u)),
      // Each dock's newest verified heartbeat (its queue, spool, and the cameras' firmware, flash and clips as it last saw them).
      heartbeats: (await this.index.tx((u) => latestHeartbeats(u))).map((h) => ({ receivedAt: h.receivedAt, ...JSON.parse(h.bodyJson) as HeartbeatBody })),
    }));
  }
  async verifyLog(actor: string) { return this.run(actor, 'log-verify', {}, () => this.o.log.verify()); }
  /** The purge writes its own entry (AccessLog.purge); a refusal is logged like any other. */
  async purgeLog(actor: string) {
    return this.run(actor, 'log-purge', {}, async () => {
      const r = await this.o.log.purge(actor, this.o.logMonths ?? 6);
      return { deleted: r.deleted, cutoff: r.cutoff, throughSeq: r.throughSeq, seq: r.entry.seq };
    }, 'self');
  }

  async listUsers(actor: string) { return this.run(actor, 'user-list', {}, () => this.o.users.list()); }
  /**
   * A new account. With `password` the administrator set it; with `generate: true` instead, the store
   * makes one and returns it in this answer only (never logged or stored but as its hash). `reason` is
   * optional here and logged when given.
   */
  async createUser(actor: string, body: unknown) {
    const crit = S.pick(body, ['username', 'role', 'generate', 'reason']);
    const b = await this.validated(actor, 'user-create', crit, () => {
      const v = parse(S.UserCreateSchema, body);
      if (v.generate && v.password !== undefined) throw new OpError('bad-input', 'password: not with generate (the store makes the password)');
      if (!v.generate && v.password === undefined) throw new OpError('bad-input', 'password: required (or generate: true)');
      try { return { username: checkUsername(v.username), role: checkRole(v.role), password: v.generate ? generatePassword() : checkNewPassword(v.password), generated: !!v.generate }; } catch (e) { return userErr(e); }
    });
    const u = await this.run(actor, 'user-create', crit, () => this.o.users.create(actor, b.username, b.role, b.password).catch(userErr), 'before');
    return b.generated ? { ...u, password: b.password } : u;
  }
  /** Changes what the account may do: a reason is required and logged. */
  async setRole(actor: string, username: string, body: unknown) {
    return this.run(actor, 'user-role', { username, ...S.pick(body, ['role', 'reason']) }, (u) => {
      const b = parse(S.RoleSchema, body);
      return this.o.users.setRole(actor, username, b.role, u);
    }, 'tx');
  }
  async unlock(actor: string, username: string, body?: unknown) {
    return this.run(actor, 'user-unlock', { username, ...S.pick(body, ['reason']) }, (u) => {
      if (body !== undefined) parse(S.OptionalReasonSchema, body);
      return this.o.users.unlock(actor, username, u);
    }, 'tx');
  }
  async disable(actor: string, username: string, body: unknown) {
    return this.run(actor, 'user-disable', { username, ...S.pick(body, ['reason']) }, (u) => { parse(S.ReasonSchema, body); return this.o.users.disable(actor, username, u); }, 'tx');
  }
  async enable(actor: string, username: string, body: unknown) {
    return this.run(actor, 'user-enable', { username, ...S.pick(body, ['reason']) }, (u) => { parse(S.ReasonSchema, body); return this.o.users.enable(actor, username, u); }, 'tx');
  }

  /** The first administrator; refused (and logged) once one exists. */
  async bootstrapAdmin(username: string, password: string) {
    return this.run(SYSTEM, 'user-bootstrap', { username, role: 'administrator' }, () => this.o.users.bootstrapAdmin(username, password).catch(userErr));
  }
}
const userErr = (e: unknown): never => { throw e instanceof UserError ? new OpError(e.code === 'bad-credentials' ? 'unauthenticated' : e.code, e.message) : e; };

/**
 * Who may do what, from the very tables run() checks (ROLE_PERMISSIONS through can(), ACTIONS): the
 * administration page renders this, so it cannot drift from the check.
 */
export function permissionTable(): { roles: readonly Role[]; permissions: readonly Permission[]; grants: Record<Role, Permission[]>; actions: Record<Permission, Action[]> } {
  const grants = Object.fromEntries(ROLES.map((r) => [r, PERMISSIONS.filter((p) => can(r, p))])) as Record<Role, Permission[]>;
  const actions = Object.fromEntries(PERMISSIONS.map((p) => [p, (Object.keys(ACTIONS) as Action[]).filter((a) => ACTIONS[a] === p && a !== 'user-bootstrap')])) as Record<Permission, Action[]>;
  return { roles: ROLES, permissions: PERMISSIONS, grants, actions };
}
