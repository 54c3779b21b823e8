// The blur (logic only): cell means interpolated bilinearly between cell centres, inside the box only.
// The renderer's version steps along each row with one add per sample; checked here against the plain
// formula computed per sample.
import test from 'ava';
import { blurPlane, blurYuv420 } from '../../central-store/redaction/blur.js';

function noise(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let s = seed;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; b[i] = s >>> 24; }
  return b;
}

/** The blur written out per sample: the value at (x, y) interpolated between the four cell centres around it. */
function reference(p: Buffer, stride: number, x0: number, y0: number, w: number, h: number): Buffer {
  const out = Buffer.from(p);
  const cell = Math.max(2, Math.round(Math.min(w, h) / 6));
  const gw = Math.ceil(w / cell), gh = Math.ceil(h / cell);
  const mean = (gx: number, gy: number) => {
    let s = 0, n = 0;
    for (let y = gy * cell; y < Math.min(h, (gy + 1) * cell); y++) for (let x = gx * cell; x < Math.min(w, (gx + 1) * cell); x++) { s += p[(y0 + y) * stride + x0 + x]!; n++; }
    return s / n;
  };
  const at = (v: number, g: number) => { const f = Math.min(g - 1, Math.max(0, (v + 0.5) / cell - 0.5)); const i = Math.floor(f); return [i, Math.min(g - 1, i + 1), f - i] as const; };
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const [xa, xb, tx] = at(x, gw), [ya, yb, ty] = at(y, gh);
    const top = mean(xa, ya) + (mean(xb, ya) - mean(xa, ya)) * tx, bottom = mean(xa, yb) + (mean(xb, yb) - mean(xa, yb)) * tx;
    out[(y0 + y) * stride + x0 + x] = Math.floor(top + (bottom - top) * ty + 0.5);
  }
  return out;
}

test('blurPlane matches the per-sample formula (±1 for rounding) and touches nothing outside the box', (t) => {
  const W = 97, H = 61;
  for (const [x, y, w, h] of [[3, 5, 40, 30], [0, 0, 97, 61], [10, 20, 7, 9], [50, 1, 2, 2], [60, 3, 5, 50], [1, 40, 90, 13]] as const) {
    const src = noise(W * H, x * 31 + w);
    const got = Buffer.from(src);
    blurPlane(got, 0, W, x, y, w, h);
    const want = reference(src, W, x, y, w, h);
    let worst = 0, outside = 0;
    for (let i = 0; i < src.length; i++) {
      const px = i % W, py = Math.floor(i / W);
      const inside = px >= x && px < x + w && py >= y && py < y + h;
      if (!inside && got[i] !== src[i]) outside++;
      worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    }
    t.is(outside, 0, `box ${x},${y} ${w}x${h}: samples changed outside`);
    t.true(worst <= 1, `box ${x},${y} ${w}x${h}: off by ${worst}`);
  }
});

test('the blur removes detail: a 2-pixel checkerboard inside a box comes out nearly flat', (t) => {
  const W = 64, H = 64;
  const p = Buffer.alloc(W * H);
  for (let i = 0; i < p.length; i++) p[i] = ((i % W) + Math.floor(i / W)) % 2 ? 255 : 0;
  blurPlane(p, 0, W, 8, 8, 48, 48);
  let lo = 255, hi = 0;
  for (let y = 8; y < 56; y++) for (let x = 8; x < 56; x++) { lo = Math.min(lo, p[y * W + x]!); hi = Math.max(hi, p[y * W + x]!); }
  t.true(hi - lo <= 2, `inside: ${lo}..${hi}`);
});

test('blurYuv420 blurs the luma box and the matching half-size chroma boxes, nothing else', (t) => {
  const W = 64, H = 48, cw = 32, ch = 24;
  const src = noise(W * H + 2 * cw * ch, 7);
  const got = Buffer.from(src);
  blurYuv420(got, W, H, { x: 10, y: 6, w: 20, h: 16 });
  const changedOutside = (off: number, stride: number, rows: number, x: number, y: number, w: number, h: number) => {
    let n = 0;
    for (let r = 0; r < rows; r++) for (let c = 0; c < stride; c++) {
      const i = off + r * stride + c;
      if (!(c >= x && c < x + w && r >= y && r < y + h) && got[i] !== src[i]) n++;
    }
    return n;
  };
  t.is(changedOutside(0, W, H, 10, 6, 20, 16), 0, 'Y');
  t.is(changedOutside(W * H, cw, ch, 5, 3, 10, 8), 0, 'U');
  t.is(changedOutside(W * H + cw * ch, cw, ch, 5, 3, 10, 8), 0, 'V');
  t.notDeepEqual(got.subarray(W * H, W * H + cw * ch), src.subarray(W * H, W * H + cw * ch), 'U blurred');
  t.notDeepEqual(got.subarray(W * H + cw * ch), src.subarray(W * H + cw * ch), 'V blurred');
});
