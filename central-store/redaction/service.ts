// Redaction cases for data-subject access requests: propose face tracks for each clip, let the officer
// edit the plan, preview it, approve it, and render the approved copies into the DSAR package. The
// operations layer (operations.ts) checks permissions and logs every step; this is the work itself.
import { Readable } from 'node:stream';
import type { Index, Unit } from '../index/port.js';
import { analyseClip, type OpenClip } from './analyse.js';
import type { DetectPool } from './detect-pool.js';
import { checkPlan, type Plan } from './plan.js';
import { approveCase, getCase, insertCase, newCaseId, updatePlan, type StoredPlan } from '../index/tables/redaction-plans.js';
import { renderRedacted, type RenderResult } from './render.js';

export interface RedactedCopy {
  clipId: string;
  render(open: OpenClip): AsyncIterable<Buffer>;
  /** Manifest fields for this copy, asked for after it was written (the source hash is known then). */
  describe(): Record<string, unknown>;
}
/** The part of the evidence store redaction uses. */
export interface RedactionEvidence {
  get(clipId: string): Promise<{ clipId: string; sha256: string } | undefined>;
  openPlaintext(clipId: string): Promise<Readable>;
  exportRedactedForSubject(copies: RedactedCopy[], o: { subject: string; by: string; outPath: string }): Promise<{ path: string; password: string; sha256: string; clips: string[] }>;
}

export interface PlanEdit {
  clipId: string; keep?: string[]; unkeep?: string[]; removeBoxes?: string[]; clearMutes?: boolean; muteAll?: boolean; reason?: string;
  addBoxes?: { from: number; to: number; x: number; y: number; w: number; h: number; note?: string }[];
  addMutes?: { from: number; to: number }[];
}

const err = (code: string, message: string) => Object.assign(new Error(message), { code });

/** What the officer reviews: per clip, the proposed tracks (first/last frame, detections), boxes, mutes. */
export function caseView(rows: StoredPlan[]) {
  if (!rows.length) return null;
  return {
    caseId: rows[0]!.caseId, subject: rows[0]!.subject, createdBy: rows[0]!.createdBy, createdAt: rows[0]!.createdAt, deleteAfter: rows[0]!.deleteAfter,
    clips: rows.map((r) => ({
      clipId: r.clipId, state: r.state, planHash: r.planHash, approvedBy: r.approvedBy, approvedAt: r.approvedAt,
      video: r.plan.video, reason: r.plan.reason, keep: r.plan.keep, boxes: r.plan.boxes, mutes: r.plan.mutes, muteAll: r.plan.muteAll,
      tracks: r.plan.tracks.map((t) => ({
        id: t.id, kept: r.plan.keep.includes(t.id), fromFrame: t.keys[0]![0], toFrame: t.keys[t.keys.length - 1]![0], detections: t.keys.length,
        maxScore: Math.max(...t.keys.map((k) => k[5])) / 100, firstBox: t.keys[0]!.slice(1, 5),
      })),
    })),
  };
}
export type CaseView = NonNullable<ReturnType<typeof caseView>>;

export class RedactionService {
  /** The index must have MIGRATIONS applied (openIndex does it). */
  constructor(private readonly o: { index: Index; evidence: () => Promise<RedactionEvidence>; pool: () => Promise<DetectPool>; now?: () => number; detectEvery?: number }) {}
  private now(): number { return (this.o.now ?? Date.now)(); }
  /** In the caller's unit (its change commits with the caller's log entry), or a unit of its own. */
  private within<T>(u: Unit | undefined, fn: (u: Unit) => Promise<T>): Promise<T> { return u ? fn(u) : this.o.index.tx(fn); }

  private async must(caseId: string, u?: Unit): Promise<StoredPlan[]> {
    const rows = await this.within(u, (q) => getCase(q, caseId));
    if (!rows.length) throw err('not-found', `redaction case ${caseId} not found`);
    return rows;
  }

  /** Analyse every clip (decrypt → decode → detect → track) and store the proposed plans as a new case. */
  async start(clipIds: string[], o: { subject: string; by: string }): Promise<CaseView> {
    const ev = await this.o.evidence();
    const clips: { clipId: string; sha256: string }[] = [];
    for (const id of clipIds) { const c = await ev.get(id); if (!c) throw err('not-found', `clip ${id} not found`); clips.push(c); }
    const pool = await this.o.pool();
    const plans: Plan[] = [];
    for (const c of clips) {
      const a = await analyseClip(() => ev.openPlaintext(c.clipId), { pool, detectEvery: this.o.detectEvery });
      plans.push(checkPlan({
        v: 1, clipId: c.clipId, sourceSha256: c.sha256, video: a.video, detector: { model: 'blazeface', every: a.detectEvery, minScore: a.minScore },
        track: a.track, tracks: a.tracks, keep: [], boxes: [], mutes: [], muteAll: false, reason: '',
      }));
    }
    return caseView(await this.o.index.tx((u) => insertCase(u, newCaseId(), o.subject, plans, o.by, this.now())))!;
  }

  async show(caseId: string, u?: Unit): Promise<CaseView> { return caseView(await this.must(caseId, u))!; }

  /** The full stored plans of a case (for export of the record, and tests). */
  plans(caseId: string): Promise<StoredPlan[]> { return this.must(caseId); }

  async edit(caseId: string, e: PlanEdit, by: string, u?: Unit): Promise<CaseView> {
    return this.within(u, async (q) => {
    const row = (await this.must(caseId, q)).find((r) => r.clipId === e.clipId);
    if (!row) throw err('not-found', `redaction case ${caseId} has no clip ${e.clipId}`);
    const p = structuredClone(row.plan);
    const ids = new Set(p.tracks.map((t) => t.id));
    for (const k of e.keep ?? []) { if (!ids.has(k)) throw err('bad-input', `keep: no track ${k} in clip ${e.clipId}`); if (!p.keep.includes(k)) p.keep.push(k); }
    p.keep = p.keep.filter((k) => !(e.unkeep ?? []).includes(k));
    for (const b of e.removeBoxes ?? []) { if (!p.boxes.some((x) => x.id === b)) throw err('bad-input', `removeBoxes: no box ${b}`); }
    p.boxes = p.boxes.filter((b) => !(e.removeBoxes ?? []).includes(b.id));
    let next = Math.max(0, ...p.boxes.map((b) => Number(b.id.slice(1)))) + 1;
    for (const b of e.addBoxes ?? []) p.boxes.push({ id: `b${next++}`, ...b });
    if (e.clearMutes) p.mutes = [];
    p.mutes.push(...(e.addMutes ?? []));
    if (e.muteAll !== undefined) p.muteAll = e.muteAll;
    if (e.reason !== undefined) p.reason = e.reason;
    await updatePlan(q, caseId, p, by, this.now());
    return this.show(caseId, q);
    });
  }

  /** The redacted copy of one clip as it would be rendered now (MPEG-TS stream; nothing is stored). */
  async preview(caseId: string, clipId: string): Promise<Readable> {
    const row = (await this.must(caseId)).find((r) => r.clipId === clipId);
    if (!row) throw err('not-found', `redaction case ${caseId} has no clip ${clipId}`);
    const ev = await this.o.evidence();
    return Readable.from(renderRedacted(() => ev.openPlaintext(clipId), row.plan));
  }

  /** Approve every plan of the case; each needs a reason. */
  approve(caseId: string, by: string, u?: Unit): Promise<CaseView> {
    return this.within(u, async (q) => {
      const rows = await this.must(caseId, q);
      const noReason = rows.find((r) => !r.plan.reason.trim());
      if (noReason) throw err('bad-input', `reason: the plan for clip ${noReason.clipId} has no reason (redact reason ${caseId} ${noReason.clipId} --reason TEXT)`);
      return caseView(await approveCase(q, caseId, by, this.now()))!;
    });
  }

  /** Render the approved copies into a subject access package. Refused unless every plan is approved. */
  async package(caseId: string, o: { by: string; outPath: string }) {
    const rows = await this.must(caseId);
    const open = rows.find((r) => r.state !== 'approved');
    if (open) throw err('conflict', `redaction case ${caseId}: the plan for clip ${open.clipId} is not approved`);
    const ev = await this.o.evidence();
    const copies: RedactedCopy[] = rows.map((r) => {
      let done: RenderResult | undefined;
      return {
        clipId: r.clipId,
        render: (openClip) => renderRedacted(openClip, r.plan, { done: (x) => { done = x; } }),
        describe: () => ({
          redaction: {
            caseId, planHash: r.planHash, approvedBy: r.approvedBy, approvedAt: r.approvedAt, reason: r.plan.reason,
            tracksBlurred: r.plan.tracks.length - r.plan.keep.length, tracksKept: r.plan.keep, manualBoxes: r.plan.boxes.length,
            mutes: r.plan.mutes, muteAll: r.plan.muteAll, frames: done?.frames ?? null,
          },
          source: { clipId: r.clipId, ciphertextSha256: r.plan.sourceSha256, plaintextSha256: done?.sourcePlainSha256 ?? null },
        }),
      };
    });
    const res = await ev.exportRedactedForSubject(copies, { subject: rows[0]!.subject, by: o.by, outPath: o.outPath });
    return { ...res, caseId, planHashes: Object.fromEntries(rows.map((r) => [r.clipId, r.planHash])) };
  }
}
