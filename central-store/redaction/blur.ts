// Blur a box of an RGB24 frame in place: three passes of a separable box blur (close to a Gaussian)
// with a radius of a quarter of the box, so no facial detail survives. Only pixels inside the box
// are written, and only pixels inside it are read, so the rest of the picture stays bit-identical.
import type { Box } from './detector.js';

export function blurBox(rgb: Buffer, width: number, b: Box, passes = 3): void {
  const r = Math.max(3, Math.round(Math.min(b.w, b.h) / 4));
  const line = new Float64Array(Math.max(b.w, b.h) * 3);
  for (let p = 0; p < passes; p++) {
    for (let y = b.y; y < b.y + b.h; y++) blurLine(rgb, (y * width + b.x) * 3, 3, b.w, r, line);
    for (let x = b.x; x < b.x + b.w; x++) blurLine(rgb, (b.y * width + x) * 3, width * 3, b.h, r, line);
  }
}

/** Box blur of n pixels starting at byte `start`, `step` bytes apart; edges clamp to the line's ends. */
function blurLine(px: Buffer, start: number, step: number, n: number, r: number, tmp: Float64Array): void {
  for (let i = 0; i < n; i++) { const o = start + i * step; tmp[i * 3] = px[o]!; tmp[i * 3 + 1] = px[o + 1]!; tmp[i * 3 + 2] = px[o + 2]!; }
  const at = (i: number) => (i < 0 ? 0 : i >= n ? n - 1 : i) * 3;
  const span = 2 * r + 1;
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let k = -r; k <= r; k++) sum += tmp[at(k) + c]!;
    for (let i = 0; i < n; i++) {
      px[start + i * step + c] = Math.round(sum / span);
      sum += tmp[at(i + r + 1) + c]! - tmp[at(i - r) + c]!;
    }
  }
}
