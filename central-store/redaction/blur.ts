// Blur a box of an RGB24 frame in place: the box is reduced to a coarse grid of cell means (about six
// cells across its shorter side, so a padded face keeps three or four) and smoothly interpolated back
// (bilinear between cell centres). No facial detail survives, no blocky edges invite guessing, and it
// costs two passes over the box. Only pixels inside the box are read or written, so the rest of the
// picture stays bit-identical.
import type { Box } from './detector.js';

export function blurBox(rgb: Buffer, width: number, b: Box): void {
  const cell = Math.max(4, Math.round(Math.min(b.w, b.h) / 6));
  const gw = Math.ceil(b.w / cell), gh = Math.ceil(b.h / cell);
  const sum = new Float64Array(gw * gh * 3);
  const cnt = new Float64Array(gw * gh);
  for (let y = 0; y < b.h; y++) {
    const row = ((b.y + y) * width + b.x) * 3;
    const gy = Math.floor(y / cell) * gw;
    for (let x = 0; x < b.w; x++) {
      const g = gy + Math.floor(x / cell), o = row + x * 3;
      sum[g * 3] += rgb[o]!; sum[g * 3 + 1] += rgb[o + 1]!; sum[g * 3 + 2] += rgb[o + 2]!;
      cnt[g]!++;
    }
  }
  for (let g = 0; g < gw * gh; g++) { sum[g * 3]! /= cnt[g]!; sum[g * 3 + 1]! /= cnt[g]!; sum[g * 3 + 2]! /= cnt[g]!; }
  // Per column: the two grid columns around it and the weight of the right one.
  const x0 = new Int32Array(b.w), x1 = new Int32Array(b.w), tx = new Float64Array(b.w);
  for (let x = 0; x < b.w; x++) {
    const f = Math.min(gw - 1, Math.max(0, (x + 0.5) / cell - 0.5));
    x0[x] = Math.floor(f); x1[x] = Math.min(gw - 1, x0[x]! + 1); tx[x] = f - x0[x]!;
  }
  for (let y = 0; y < b.h; y++) {
    const f = Math.min(gh - 1, Math.max(0, (y + 0.5) / cell - 0.5));
    const r0 = Math.floor(f) * gw, r1 = Math.min(gh - 1, Math.floor(f) + 1) * gw, ty = f - Math.floor(f);
    const row = ((b.y + y) * width + b.x) * 3;
    for (let x = 0; x < b.w; x++) {
      const a = (r0 + x0[x]!) * 3, c = (r0 + x1[x]!) * 3, d = (r1 + x0[x]!) * 3, e = (r1 + x1[x]!) * 3, t = tx[x]!, o = row + x * 3;
      for (let k = 0; k < 3; k++) {
        const top = sum[a + k]! + (sum[c + k]! - sum[a + k]!) * t;
        const bot = sum[d + k]! + (sum[e + k]! - sum[d + k]!) * t;
        rgb[o + k] = Math.round(top + (bot - top) * ty);
      }
    }
  }
}
