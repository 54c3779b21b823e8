// Face tracks from detections on every Nth frame. Detection alone misses faces for a few frames (a
// face at the frame edge, a turned head), so a track is blurred between its detections (linear
// interpolation of the centre, the larger neighbouring size), for a few frames before its first and
// after its last detection (hold), and with a margin around the detected box (pad).
import type { Box, Detection } from './detector.js';

/** One detection of a track: frame index and box in pixels (integers), score in hundredths. */
export type TrackKey = [frame: number, x: number, y: number, w: number, h: number, score: number];
export interface Track { id: string; keys: TrackKey[] }

export interface TrackOptions {
  /** A track may resume after this many frames without a match (else a new track starts). */
  maxGapFrames: number;
  /** Frames a box is kept before the first and after the last detection. */
  holdFrames: number;
  /** Margin added on each side, as a fraction of the box's width/height. */
  pad: number;
  /** Minimum overlap (intersection over union) to continue a track. */
  minIou: number;
}
export const TRACK_DEFAULTS: TrackOptions = { maxGapFrames: 12, holdFrames: 8, pad: 0.2, minIou: 0.15 };

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const i = ix * iy;
  const u = a.w * a.h + b.w * b.h - i;
  return u > 0 ? i / u : 0;
}

const keyBox = (k: TrackKey): Box => ({ x: k[1], y: k[2], w: k[3], h: k[4] });

/**
 * Link detections (in frame order) into tracks: each detection continues the live track it overlaps
 * most (greedy, best pair first), or starts a new one. Ids are t1, t2, ... in order of first appearance,
 * so the same detections always give the same tracks.
 */
export function buildTracks(frames: { frame: number; faces: Detection[] }[], o: TrackOptions = TRACK_DEFAULTS): Track[] {
  const tracks: Track[] = [];
  const sorted = [...frames].sort((a, b) => a.frame - b.frame);
  for (const { frame, faces } of sorted) {
    const live = tracks.filter((t) => frame - t.keys[t.keys.length - 1]![0] <= o.maxGapFrames && t.keys[t.keys.length - 1]![0] < frame);
    const pairs: { t: Track; d: number; v: number }[] = [];
    live.forEach((t) => faces.forEach((f, d) => { const v = iou(keyBox(t.keys[t.keys.length - 1]!), f); if (v >= o.minIou) pairs.push({ t, d, v }); }));
    pairs.sort((a, b) => b.v - a.v);
    const usedT = new Set<Track>(), usedD = new Set<number>();
    for (const p of pairs) {
      if (usedT.has(p.t) || usedD.has(p.d)) continue;
      usedT.add(p.t); usedD.add(p.d);
      p.t.keys.push(toKey(frame, faces[p.d]!));
    }
    faces.forEach((f, d) => { if (!usedD.has(d)) tracks.push({ id: `t${tracks.length + 1}`, keys: [toKey(frame, f)] }); });
  }
  return tracks;
}

const toKey = (frame: number, d: Detection): TrackKey =>
  [frame, Math.round(d.x), Math.round(d.y), Math.round(d.w), Math.round(d.h), Math.round(d.score * 100)];

function padBox(b: Box, pad: number): Box {
  const dx = b.w * pad, dy = b.h * pad;
  return { x: b.x - dx, y: b.y - dy, w: b.w + 2 * dx, h: b.h + 2 * dy };
}

/**
 * The (padded) box of a track at a frame, or null when the track is not on screen then. The centre is
 * interpolated linearly between the detections around the frame (held before the first and after the
 * last); the size is the largest of the detections from the one before the frame to the one after it,
 * so one detection that comes out small (a face at the picture's edge, a blurry frame) does not shrink
 * the blur in the frames around it.
 */
export function trackBoxAt(t: Track, frame: number, o: TrackOptions = TRACK_DEFAULTS): Box | null {
  const k = t.keys;
  if (!k.length || frame < k[0]![0] - o.holdFrames || frame > k[k.length - 1]![0] + o.holdFrames) return null;
  // i: last key at or before the frame (-1 before the first); j: first key after the frame.
  let i = -1;
  while (i + 1 < k.length && k[i + 1]![0] <= frame) i++;
  const j = i + 1;
  const before = i >= 0 && k[i]![0] === frame ? i - 1 : i;
  let w = 0, h = 0;
  for (let n = Math.max(0, before); n <= Math.min(k.length - 1, j); n++) { w = Math.max(w, k[n]![3]); h = Math.max(h, k[n]![4]); }
  const cx = (q: TrackKey) => q[1] + q[3] / 2, cy = (q: TrackKey) => q[2] + q[4] / 2;
  let x: number, y: number;
  if (i < 0 || j >= k.length) { const q = k[i < 0 ? 0 : i]!; x = cx(q); y = cy(q); } else {
    const a = k[i]!, b = k[j]!, s = (frame - a[0]) / (b[0] - a[0]);
    x = cx(a) + (cx(b) - cx(a)) * s; y = cy(a) + (cy(b) - cy(a)) * s;
  }
  return padBox({ x: x - w / 2, y: y - h / 2, w, h }, o.pad);
}

/** A box clipped to the frame and rounded outwards to whole pixels, or null when nothing is left. */
export function clampBox(b: Box, width: number, height: number): Box | null {
  const x0 = Math.max(0, Math.floor(b.x)), y0 = Math.max(0, Math.floor(b.y));
  const x1 = Math.min(width, Math.ceil(b.x + b.w)), y1 = Math.min(height, Math.ceil(b.y + b.h));
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null;
}
