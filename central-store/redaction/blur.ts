// Blur a box of a YUV 4:2:0 frame in place, on each plane: the box is reduced to a coarse grid of
// cell means (about six cells across its shorter side, so a padded face keeps three or four) and
// smoothly interpolated back (bilinear between cell centres). No facial detail survives, no blocky
// edges invite guessing, and it costs two passes over the box, each an add or two per sample. Working on the decoder's own planes
// (not RGB) halves the samples touched and spares two colour conversions. Only samples inside the
// box are read or written; with the box on even pixel edges (plan.ts boxesAt) the chroma samples it
// touches belong to its own pixels only, so the rest of the picture stays bit-identical.
import type { Box } from './detector.js';

/** Blur box `b` (pixels, even edges) of a yuv420p frame of width×height. */
export function blurYuv420(frame: Buffer, width: number, height: number, b: Box): void {
  const cw = Math.ceil(width / 2), ch = Math.ceil(height / 2);
  blurPlane(frame, 0, width, b.x, b.y, b.w, b.h);
  const cx = b.x >> 1, cy = b.y >> 1;
  const cbw = Math.ceil((b.x + b.w) / 2) - cx, cbh = Math.ceil((b.y + b.h) / 2) - cy;
  blurPlane(frame, width * height, cw, cx, cy, cbw, cbh);
  blurPlane(frame, width * height + cw * ch, cw, cx, cy, cbw, cbh);
}

/** Blur a w×h rectangle at (x0, y0) of one 8-bit plane starting at `off` with `stride` bytes per row. */
export function blurPlane(p: Buffer, off: number, stride: number, x0: number, y0: number, w: number, h: number): void {
  if (w <= 0 || h <= 0) return;
  const cell = Math.max(2, Math.round(Math.min(w, h) / 6));
  const gw = Math.ceil(w / cell), gh = Math.ceil(h / cell);
  // Cell means: each row adds its runs of `cell` samples to its grid row.
  const mean = new Float64Array(gw * gh);
  for (let y = 0; y < h; y++) {
    const row = off + (y0 + y) * stride + x0;
    const g = Math.floor(y / cell) * gw;
    for (let gx = 0, x = 0; gx < gw; gx++) {
      const end = Math.min(w, x + cell);
      let s = 0;
      for (; x < end; x++) s += p[row + x]!;
      mean[g + gx] += s;
    }
  }
  for (let gy = 0; gy < gh; gy++) {
    const rows = Math.min(h, (gy + 1) * cell) - gy * cell;
    for (let gx = 0; gx < gw; gx++) mean[gy * gw + gx]! /= rows * (Math.min(w, (gx + 1) * cell) - gx * cell);
  }
  // Per row: the two grid rows around it blended into one line of cell values; then, along the row,
  // flat before the first cell centre and after the last, and a linear ramp (one add per sample)
  // from each centre to the next.
  const line = new Float64Array(gw);
  const half = cell / 2;
  for (let y = 0; y < h; y++) {
    const f = Math.min(gh - 1, Math.max(0, (y + 0.5) / cell - 0.5));
    const i = Math.floor(f), ty = f - i;
    const r0 = i * gw, r1 = Math.min(gh - 1, i + 1) * gw;
    for (let k = 0; k < gw; k++) line[k] = mean[r0 + k]! + (mean[r1 + k]! - mean[r0 + k]!) * ty;
    const o = off + (y0 + y) * stride + x0;
    let x = 0;
    const first = line[0]! + 0.5;
    for (const end = Math.min(w, Math.ceil(half - 0.5)); x < end; x++) p[o + x] = first;
    for (let k = 0; k + 1 < gw; k++) {
      const end = Math.min(w, Math.ceil(half - 0.5 + (k + 1) * cell));
      const step = (line[k + 1]! - line[k]!) / cell;
      for (let v = line[k]! + (x + 0.5 - half - k * cell) * step + 0.5; x < end; x++, v += step) p[o + x] = v;
    }
    const last = line[gw - 1]! + 0.5;
    for (; x < w; x++) p[o + x] = last;
  }
}
