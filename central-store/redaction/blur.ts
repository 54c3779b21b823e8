// Blur a box of an RGB24 frame in place: the box is reduced to a coarse grid of cell means (about six
// cells across its shorter side, so a padded face keeps three or four) and smoothly interpolated back
// (bilinear between cell centres). No facial detail survives, no blocky edges invite guessing, and it
// costs two passes over the box. Only pixels inside the box are read or written, so the rest of the
// picture stays bit-identical.
import type { Box } from './detector.js';

export function blurBox(rgb: Buffer, width: number, b: Box): void {
  const cell = Math.max(4, Math.round(Math.min(b.w, b.h) / 6));
  const gw = Math.ceil(b.w / cell), gh = Math.ceil(b.h / cell);
  const col = new Int32Array(b.w);
  for (let x = 0; x < b.w; x++) col[x] = Math.floor(x / cell) * 3;
  // Cell means.
  const mean = new Float64Array(gw * gh * 3);
  const cnt = new Float64Array(gw * gh);
  for (let y = 0; y < b.h; y++) {
    const row = ((b.y + y) * width + b.x) * 3;
    const g = Math.floor(y / cell) * gw * 3;
    for (let x = 0, o = row; x < b.w; x++, o += 3) {
      const i = g + col[x]!;
      mean[i] += rgb[o]!; mean[i + 1] += rgb[o + 1]!; mean[i + 2] += rgb[o + 2]!;
    }
  }
  for (let gy = 0; gy < gh; gy++) for (let gx = 0; gx < gw; gx++) {
    cnt[gy * gw + gx] = (Math.min(b.h, (gy + 1) * cell) - gy * cell) * (Math.min(b.w, (gx + 1) * cell) - gx * cell);
  }
  for (let g = 0; g < gw * gh; g++) { const n = cnt[g]!; mean[g * 3]! /= n; mean[g * 3 + 1]! /= n; mean[g * 3 + 2]! /= n; }
  // Per column: the grid column left of it and the weight of the one to its right.
  const x0 = new Int32Array(b.w), dx = new Int32Array(b.w), tx = new Float64Array(b.w);
  for (let x = 0; x < b.w; x++) {
    const f = Math.min(gw - 1, Math.max(0, (x + 0.5) / cell - 0.5));
    const i = Math.floor(f);
    x0[x] = i * 3; dx[x] = i + 1 < gw ? 3 : 0; tx[x] = f - i;
  }
  // Per row: the two grid rows blended first, then one blend per pixel.
  const line = new Float64Array(gw * 3);
  for (let y = 0; y < b.h; y++) {
    const f = Math.min(gh - 1, Math.max(0, (y + 0.5) / cell - 0.5));
    const i = Math.floor(f), ty = f - i;
    const r0 = i * gw * 3, r1 = Math.min(gh - 1, i + 1) * gw * 3;
    for (let k = 0; k < gw * 3; k++) line[k] = mean[r0 + k]! + (mean[r1 + k]! - mean[r0 + k]!) * ty;
    for (let x = 0, o = ((b.y + y) * width + b.x) * 3; x < b.w; x++, o += 3) {
      const a = x0[x]!, c = a + dx[x]!, t = tx[x]!;
      rgb[o] = line[a]! + (line[c]! - line[a]!) * t + 0.5;
      rgb[o + 1] = line[a + 1]! + (line[c + 1]! - line[a + 1]!) * t + 0.5;
      rgb[o + 2] = line[a + 2]! + (line[c + 2]! - line[a + 2]!) * t + 0.5;
    }
  }
}
