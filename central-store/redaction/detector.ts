// Face detector for redaction: @vladmandic/human's BlazeFace on the tfjs WASM backend, on CPU, offline.
// Loaded by file path (the package's exports map does not list the node-wasm build under a name we
// can import from ESM with types), models read from the package folder through a file:// io router
// (tfjs can only fetch file:// with tfjs-node, which cannot be installed here). Only the central
// store imports this module; the camera and dock bundles must never carry it.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Box { x: number; y: number; w: number; h: number }
export interface Detection extends Box { score: number }

export interface Detector {
  /** Faces in one RGB24 frame (width*height*3 bytes), in pixels, with confidence ≥ minScore. */
  detect(rgb: Uint8Array, width: number, height: number): Promise<Detection[]>;
  close(): void;
}

const require = createRequire(import.meta.url);
const humanDist = () => path.dirname(require.resolve('@vladmandic/human'));
const wasmDist = () => path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));

interface TfIo {
  registerLoadRouter(r: (url: string | string[]) => unknown): void;
  fromMemory?: unknown;
}

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

let routerAdded = false;

export interface DetectorOptions {
  /** Keep faces at or above this confidence (BlazeFace score, 0..1). */
  minScore?: number;
  maxFaces?: number;
}

/** Load BlazeFace once (≈ 1 s); detect() then costs ≈ 90-100 ms per 640x360 frame on one core. */
export async function loadDetector(o: DetectorOptions = {}): Promise<Detector> {
  const minScore = o.minScore ?? 0.3;
  const mod = require(path.join(humanDist(), 'human.node-wasm.js')) as { Human: new (c: unknown) => HumanLike };
  const human = new mod.Human({
    backend: 'wasm', wasmPath: `${wasmDist()}${path.sep}`, modelBasePath: pathToFileURL(path.join(humanDist(), '..', 'models') + path.sep).href,
    debug: false, async: false, warmup: 'none', cacheSensitivity: 0, validateModels: false,
    filter: { enabled: false }, gesture: { enabled: false }, body: { enabled: false }, hand: { enabled: false },
    object: { enabled: false }, segmentation: { enabled: false },
    face: {
      enabled: true, detector: { modelPath: 'blazeface.json', rotation: false, maxDetected: o.maxFaces ?? 30, minConfidence: minScore, iouThreshold: 0.2, skipFrames: 0, skipTime: 0, return: false },
      mesh: { enabled: false }, iris: { enabled: false }, description: { enabled: false }, emotion: { enabled: false },
      antispoof: { enabled: false }, liveness: { enabled: false },
    },
  });
  const tf = human.tf as TfLike;
  if (!routerAdded) {
    tf.io.registerLoadRouter((url) => (typeof url === 'string' && url.startsWith('file://') ? fileHandler(url) : null));
    routerAdded = true;
  }
  await human.load();
  return {
    async detect(rgb, width, height) {
      if (rgb.length !== width * height * 3) throw new Error(`detect: frame is ${rgb.length} bytes, expected ${width * height * 3}`);
      const t = tf.tensor(rgb, [1, height, width, 3], 'int32');
      try {
        const r = await human.detect(t);
        return r.face.filter((f) => f.boxScore >= minScore).map((f) => ({ x: f.box[0], y: f.box[1], w: f.box[2], h: f.box[3], score: f.boxScore }));
      } finally { t.dispose(); }
    },
    close() { /* the wasm backend lives for the process */ },
  };
}

interface HumanLike {
  tf: unknown;
  load(): Promise<void>;
  detect(input: unknown): Promise<{ face: { box: [number, number, number, number]; boxScore: number; score: number }[] }>;
}
interface TfLike {
  io: TfIo;
  tensor(v: Uint8Array, shape: number[], dtype: 'int32'): { dispose(): void };
}
