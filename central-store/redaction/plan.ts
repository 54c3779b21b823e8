// A redaction plan: what is blurred and muted in one clip's copy, and why. Its hash (SHA-256 over the
// canonical form: JSON with object keys sorted, no spaces) goes into the signed DSAR manifest, so a
// copy can be matched to the exact plan that made it. Format: docs/redaction.md.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Box } from './detector.js';
import { clampBox, trackBoxAt, type Track } from './tracker.js';

const int = z.number().int();
const nat = int.min(0);
const TrackKeySchema = z.tuple([nat, int, int, nat, nat, int.min(0).max(100)]);
const TrackSchema = z.object({ id: z.string().regex(/^t\d{1,6}$/), keys: z.array(TrackKeySchema).min(1).max(1_000_000) }).strict();
export const ManualBoxSchema = z.object({
  id: z.string().regex(/^b\d{1,6}$/, 'a box id (b1, b2, ...)'), from: nat, to: nat,
  x: nat, y: nat, w: int.min(1), h: int.min(1), note: z.string().trim().max(200).optional(),
}).strict().refine((b) => b.to >= b.from, { message: 'to: must not be before from', path: ['to'] });
export const MuteSchema = z.object({ from: z.number().min(0), to: z.number().min(0) }).strict()
  .refine((m) => m.to > m.from, { message: 'to: must be after from', path: ['to'] });

export const PlanSchema = z.object({
  v: z.literal(1),
  clipId: z.string().min(1).max(200),
  /** SHA-256 of the stored ciphertext (the clip's receipt). */
  sourceSha256: z.string().regex(/^[0-9a-f]{64}$/),
  video: z.object({ width: int.min(1).max(8192), height: int.min(1).max(8192), fps: z.string().regex(/^\d+\/\d+$/), frames: int.min(1) }).strict(),
  detector: z.object({ model: z.literal('blazeface'), every: int.min(1).max(25), minScore: z.number().min(0).max(1) }).strict(),
  track: z.object({ maxGapFrames: nat, holdFrames: nat, pad: z.number().min(0).max(2), minIou: z.number().min(0).max(1) }).strict(),
  tracks: z.array(TrackSchema).max(10_000),
  /** Track ids left unblurred (the data subject). */
  keep: z.array(z.string()).max(10_000),
  boxes: z.array(ManualBoxSchema).max(10_000),
  /** Audio ranges in seconds from the clip's start; muteAll silences the whole track. */
  mutes: z.array(MuteSchema).max(10_000),
  muteAll: z.boolean(),
  reason: z.string().trim().max(2000),
}).strict();
export type Plan = z.infer<typeof PlanSchema>;

export class PlanError extends Error { readonly code = 'bad-input'; }

/** Parse and check a plan against its own video: frames in range, kept tracks exist, mutes within the clip. */
export function checkPlan(input: unknown): Plan {
  const r = PlanSchema.safeParse(input);
  if (!r.success) { const i = r.error.issues[0]!; throw new PlanError(`plan${i.path.map((k) => `.${String(k)}`).join('')}: ${i.message}`); }
  const p = r.data;
  const n = p.video.frames;
  for (const b of p.boxes) {
    if (b.to >= n) throw new PlanError(`plan.boxes ${b.id}: frames ${b.from}-${b.to} out of range (the clip has frames 0-${n - 1})`);
    if (b.x >= p.video.width || b.y >= p.video.height) throw new PlanError(`plan.boxes ${b.id}: box starts outside the ${p.video.width}x${p.video.height} picture`);
  }
  for (const t of p.tracks) for (const k of t.keys) if (k[0] >= n) throw new PlanError(`plan.tracks ${t.id}: frame ${k[0]} out of range (the clip has frames 0-${n - 1})`);
  const ids = new Set(p.tracks.map((t) => t.id));
  for (const k of p.keep) if (!ids.has(k)) throw new PlanError(`plan.keep: no track ${k}`);
  if (new Set(p.boxes.map((b) => b.id)).size !== p.boxes.length) throw new PlanError('plan.boxes: an id is used twice');
  const seconds = n / fpsNum(p.video.fps);
  for (const m of p.mutes) if (m.from >= seconds) throw new PlanError(`plan.mutes: ${m.from}-${m.to} s starts after the clip ends (${seconds.toFixed(2)} s)`);
  return p;
}

const fpsNum = (fps: string) => { const [a, b] = fps.split('/').map(Number); return a! / (b || 1); };

/** JSON with object keys sorted at every level and no whitespace: the bytes the plan hash covers. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
export const planHash = (p: Plan): string => createHash('sha256').update(canonicalJson(p), 'utf8').digest('hex');

/**
 * Every box to blur at a frame (tracks not kept, and manual boxes), clipped to the picture and widened
 * to even pixel edges: the render blurs 4:2:0 video, whose colour samples each cover 2×2 pixels.
 */
export function boxesAt(p: Plan, frame: number): Box[] {
  const keep = new Set(p.keep);
  const out: Box[] = [];
  const { width, height } = p.video;
  const even = (b: Box): Box => {
    const x = b.x & ~1, y = b.y & ~1;
    return { x, y, w: Math.min(width, (b.x + b.w + 1) & ~1) - x, h: Math.min(height, (b.y + b.h + 1) & ~1) - y };
  };
  const add = (b: Box | null) => { const c = b && clampBox(b, width, height); if (c) out.push(even(c)); };
  for (const t of p.tracks as Track[]) if (!keep.has(t.id)) add(trackBoxAt(t, frame, p.track));
  for (const b of p.boxes) if (frame >= b.from && frame <= b.to) add(b);
  return out;
}
