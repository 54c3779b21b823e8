// Face detector for redaction: the BlazeFace model that @vladmandic/human ships (models/blazeface.json,
// a 256×256 input), run directly with tfjs-converter on the tfjs WASM backend, on CPU, offline. The
// box decoding, non-maximum suppression and box shape follow human's own BlazeFace code (anchors,
// IoU 0.2, enlarged 1.4× and squared), without the rest of human's per-frame pipeline, which cost a
// third of the detection time. Frames already at 256×256 (the proposal pass has ffmpeg scale them while
// decoding) skip the resize. tfjs and the model are loaded by path through a file:// io router (tfjs can
// only fetch file:// with tfjs-node, which cannot be installed here). Only the central store imports
// this module; the camera and dock bundles must never carry it.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Box { x: number; y: number; w: number; h: number }
export interface Detection extends Box { score: number }

/** The model's input side: frames of this size go in as they are; others are resized first. */
export const DETECT_SIZE = 256;

export interface Detector {
  /**
   * Faces in one RGB24 frame (width*height*3 bytes) with confidence ≥ minScore, in pixels of a picture
   * of `out` size (default: the frame's own size; the proposal pass detects on a scaled copy).
   */
  detect(rgb: Uint8Array, width: number, height: number, out?: { width: number; height: number }): Promise<Detection[]>;
  close(): void;
}

const require = createRequire(import.meta.url);
const humanDist = () => path.dirname(require.resolve('@vladmandic/human'));
const wasmDist = () => path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));

/** tfjs io handler that reads a model.json and its weight files from disk. */
function fileHandler(url: string) {
  return {
    async load() {
      const file = fileURLToPath(url);
      const json = JSON.parse(await readFile(file, 'utf8')) as { modelTopology: unknown; weightsManifest: { paths: string[]; weights: unknown[] }[]; format?: string; generatedBy?: string; convertedBy?: string };
      const specs: unknown[] = [];
      const parts: Buffer[] = [];
      for (const g of json.weightsManifest) {
        specs.push(...g.weights);
        for (const p of g.paths) parts.push(await readFile(path.join(path.dirname(file), p)));
      }
      const all = Buffer.concat(parts);
      return {
        modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy,
        weightSpecs: specs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

export interface DetectorOptions {
  /** Keep faces at or above this confidence (BlazeFace score, 0..1). */
  minScore?: number;
  maxFaces?: number;
}

/** Anchor centres of the 256 model, in input pixels: 16×16 cells × 2, then 8×8 cells × 6 (human's generateAnchors). */
function anchors(size: number): Float32Array {
  const out: number[] = [];
  for (const [stride, per] of [[size / 16, 2], [size / 8, 6]] as const) {
    const cells = Math.floor((size + stride - 1) / stride);
    for (let y = 0; y < cells; y++) for (let x = 0; x < cells; x++) for (let n = 0; n < per; n++) out.push(stride * (x + 0.5), stride * (y + 0.5));
  }
  return Float32Array.from(out);
}

/** Greedy non-maximum suppression (as tfjs's, without soft-NMS): indices by falling score. */
export function nms(boxes: Float32Array, scores: Float32Array, max: number, iouLimit: number, minScore: number): number[] {
  const cand: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i]! > minScore) cand.push(i);
  cand.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const keep: number[] = [];
  for (const i of cand) {
    if (keep.length >= max) break;
    if (!keep.some((j) => boxIou(boxes, i, j) >= iouLimit)) keep.push(i);
  }
  return keep;
}
function boxIou(b: Float32Array, i: number, j: number): number {
  const a = (k: number) => Math.max(0, b[k * 4 + 2]! - b[k * 4]!) * Math.max(0, b[k * 4 + 3]! - b[k * 4 + 1]!);
  const ai = a(i), aj = a(j);
  if (ai <= 0 || aj <= 0) return 0;
  const iw = Math.max(0, Math.min(b[i * 4 + 2]!, b[j * 4 + 2]!) - Math.max(b[i * 4]!, b[j * 4]!));
  const ih = Math.max(0, Math.min(b[i * 4 + 3]!, b[j * 4 + 3]!) - Math.max(b[i * 4 + 1]!, b[j * 4 + 1]!));
  return (iw * ih) / (ai + aj - iw * ih);
}

let backend: Promise<void> | null = null;

/** Load BlazeFace once (≈ 0.5 s); detect() then costs ≈ 35-40 ms CPU per frame on one core. */
export async function loadDetector(o: DetectorOptions = {}): Promise<Detector> {
  const minScore = o.minScore ?? 0.3;
  const maxFaces = o.maxFaces ?? 30;
  const tf = require('@tensorflow/tfjs-core') as TfLike;
  (require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(p: string): void }).setWasmPaths(`${wasmDist()}${path.sep}`);
  const conv = require('@tensorflow/tfjs-converter') as { loadGraphModel(url: string): Promise<ModelLike> };
  backend ??= (async () => {
    if (!await tf.setBackend('wasm')) throw new Error('detector: the tfjs wasm backend did not start');
    tf.io.registerLoadRouter((url) => (typeof url === 'string' && url.startsWith('file://') ? fileHandler(url) : null));
    await tf.ready();
  })();
  await backend;
  const model = await conv.loadGraphModel(pathToFileURL(path.join(humanDist(), '..', 'models', 'blazeface.json')).href);
  const S = DETECT_SIZE;
  const anchor = anchors(S);
  const n = anchor.length / 2;
  const input = new Float32Array(S * S * 3);
  const boxes = new Float32Array(n * 4);
  const scores = new Float32Array(n);

  async function infer(rgb: Uint8Array, width: number, height: number): Promise<void> {
    let t;
    if (width === S && height === S) {
      for (let i = 0; i < input.length; i++) input[i] = rgb[i]! / 127.5 - 1;
      t = tf.tensor(input, [1, S, S, 3], 'float32');
    } else {
      t = tf.tidy(() => tf.sub(tf.div(tf.image.resizeBilinear(tf.tensor(rgb, [1, height, width, 3], 'int32'), [S, S]), 127.5), 1));
    }
    const res = model.execute(t);
    t.dispose();
    try {
      // Four outputs: scores and regressions of the 512 fine anchors and of the 384 coarse ones.
      const by = (rows: number, cols: number) => res.find((r) => r.shape[1] === rows && r.shape[2] === cols);
      const parts = [[by(512, 1), by(512, 16)], [by(384, 1), by(384, 16)]];
      let row = 0;
      for (const [sc, rg] of parts) {
        if (!sc || !rg) throw new Error(`detector: unexpected model outputs ${res.map((r) => r.shape.join('x')).join(', ')}`);
        const s = await sc.data(), r = await rg.data();
        for (let i = 0; i < s.length; i++, row++) {
          scores[row] = 1 / (1 + Math.exp(-s[i]!));
          const cx = anchor[row * 2]! + r[i * 16]!, cy = anchor[row * 2 + 1]! + r[i * 16 + 1]!;
          const hw = r[i * 16 + 2]! / 2, hh = r[i * 16 + 3]! / 2;
          boxes[row * 4] = cx - hw; boxes[row * 4 + 1] = cy - hh; boxes[row * 4 + 2] = cx + hw; boxes[row * 4 + 3] = cy + hh;
        }
      }
    } finally { for (const r of res) r.dispose(); }
  }

  return {
    async detect(rgb, width, height, out = { width, height }) {
      if (rgb.length !== width * height * 3) throw new Error(`detect: frame is ${rgb.length} bytes, expected ${width * height * 3}`);
      await infer(rgb, width, height);
      const fx = out.width / S, fy = out.height / S;
      const faces: Detection[] = [];
      for (const i of nms(boxes, scores, maxFaces, 0.2, minScore)) {
        const score = Math.round(100 * scores[i]!) / 100;
        if (score < minScore) continue;
        // Scaled to the picture, enlarged 1.4× about the centre, squared on the longer side, clipped.
        const x0 = boxes[i * 4]! * fx, y0 = boxes[i * 4 + 1]! * fy, x1 = boxes[i * 4 + 2]! * fx, y1 = boxes[i * 4 + 3]! * fy;
        const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, half = (1.4 * Math.max(x1 - x0, y1 - y0)) / 2;
        const sx = Math.round(cx - half), sy = Math.round(cy - half), ex = Math.round(cx + half), ey = Math.round(cy + half);
        const x = Math.max(0, sx), y = Math.max(0, sy);
        faces.push({ x: Math.trunc(x), y: Math.trunc(y), w: Math.trunc(Math.min(out.width, ex) - x), h: Math.trunc(Math.min(out.height, ey) - y), score });
      }
      return faces;
    },
    close() { model.dispose(); },
  };
}

interface TensorLike { shape: number[]; data(): Promise<Float32Array>; dispose(): void }
interface ModelLike { execute(t: TensorLike): TensorLike[]; dispose(): void }
interface TfLike {
  io: { registerLoadRouter(r: (url: string | string[]) => unknown): void };
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tidy<T>(fn: () => T): T;
  tensor(v: Uint8Array | Float32Array, shape: number[], dtype: 'int32' | 'float32'): TensorLike;
  sub(a: TensorLike, b: number): TensorLike;
  div(a: TensorLike, b: number): TensorLike;
  image: { resizeBilinear(t: TensorLike, size: [number, number]): TensorLike };
}
