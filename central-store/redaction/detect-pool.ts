// A few detector threads (one per core by default). Each frame goes to an idle thread; results come
// back per request, so callers keep their own order.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Detection, DetectorOptions } from './detector.js';

// The worker is started from a tiny CommonJS bootstrap so it can register tsx first when the store
// runs from sources (bin/bodycam.js registers tsx in-process, which workers do not inherit).
const BOOT = `const { workerData, parentPort } = require('node:worker_threads');
(async () => { if (workerData.tsx) (await import(workerData.tsx)).register(); await import(workerData.entry); })()
  .catch((e) => parentPort.postMessage({ fatal: String((e && e.stack) || e) }));`;

function workerEntry(): { entry: string; tsx: string | null } {
  const fromSource = import.meta.url.endsWith('.ts');
  // From the tsup bundle (dist/*.js) the worker is its own bundle, dist/redaction-worker.js.
  const entry = new URL(fromSource ? './detect-worker.ts' : './redaction-worker.js', import.meta.url).href;
  return { entry, tsx: fromSource ? import.meta.resolve('tsx/esm/api') : null };
}

interface Slot { w: Worker; busy: boolean }
type Job = { buf: ArrayBuffer; width: number; height: number; out?: { width: number; height: number }; resolve: (d: Detection[]) => void; reject: (e: Error) => void };

export class DetectPool {
  private queue: Job[] = [];
  private waiting = new Map<number, Job>();
  private nextId = 1;
  private dead: Error | null = null;
  private constructor(private readonly slots: Slot[], readonly minScore: number) {}

  /** Start `threads` detectors (each loads BlazeFace, ≈ 0.3-1 s) and wait until all are ready. */
  static async open(o: DetectorOptions & { threads?: number } = {}): Promise<DetectPool> {
    const n = Math.max(1, o.threads ?? Math.min(2, os.availableParallelism()));
    const slots: Slot[] = [];
    const pool = new DetectPool(slots, o.minScore ?? 0.3);
    const ready = Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
      const w = new Worker(BOOT, { eval: true, workerData: { ...workerEntry(), opts: { minScore: o.minScore, maxFaces: o.maxFaces } } });
      const slot: Slot = { w, busy: false };
      slots.push(slot);
      w.on('message', (m: { ready?: true; fatal?: string; id?: number; faces?: Detection[]; error?: string }) => {
        if (m.ready) return resolve();
        if (m.fatal) { pool.fail(new Error(`detector thread: ${m.fatal}`)); return reject(pool.dead!); }
        const job = pool.waiting.get(m.id!);
        pool.waiting.delete(m.id!);
        slot.busy = false;
        if (m.error) job?.reject(new Error(`detector: ${m.error}`)); else job?.resolve(m.faces!);
        pool.pump();
      });
      w.on('error', (e) => { pool.fail(e); reject(e); });
    }));
    try { await Promise.all(ready); } catch (err) { await pool.close(); throw err; }
    return pool;
  }

  get threads(): number { return this.slots.length; }

  /**
   * Faces in an RGB24 frame, in pixels of a picture of `o.out` size (default: the frame's). The buffer
   * is copied, so the caller may reuse it at once — unless `o.transfer`: then a frame that is the whole
   * of its ArrayBuffer moves to the thread without a copy and is unusable here afterwards.
   */
  detect(rgb: Buffer, width: number, height: number, o: { out?: { width: number; height: number }; transfer?: boolean } = {}): Promise<Detection[]> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      let buf: ArrayBuffer;
      if (o.transfer && rgb.byteOffset === 0 && rgb.byteLength === rgb.buffer.byteLength && rgb.buffer instanceof ArrayBuffer) buf = rgb.buffer;
      else { buf = new ArrayBuffer(rgb.length); new Uint8Array(buf).set(rgb); }
      this.queue.push({ buf, width, height, out: o.out, resolve, reject }); this.pump(); });
  }

  private pump(): void {
    for (const s of this.slots) {
      if (s.busy || !this.queue.length) continue;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      this.waiting.set(id, job);
      s.busy = true;
      s.w.postMessage({ id, buf: job.buf, width: job.width, height: job.height, out: job.out }, [job.buf]);
    }
  }

  private fail(e: Error): void {
    this.dead ??= e;
    for (const j of [...this.queue, ...this.waiting.values()]) j.reject(e);
    this.queue = [];
    this.waiting.clear();
  }

  async close(): Promise<void> {
    this.fail(new Error('detector pool closed'));
    await Promise.all(this.slots.map((s) => s.w.terminate()));
  }
}
