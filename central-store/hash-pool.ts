// SHA-256 of whole files on worker threads: finalize's read-back hash of every clip otherwise runs on
// the ingest's one event loop, through the same 4 libuv threads as the chunk writes and fsyncs.
// Each worker reads with plain blocking reads (its own thread) and hashes; one job per worker at a time.
import os from 'node:os';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const buf = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', ({ id, file }) => {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const h = createHash('sha256');
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
    parentPort.postMessage({ id, hex: h.digest('hex') });
  } catch (e) {
    parentPort.postMessage({ id, err: (e && e.message) || String(e) });
  } finally { if (fd !== undefined) fs.closeSync(fd); }
});`;

interface Slot { w: Worker; busy: number }
type Job = { slot: Slot; resolve: (hex: string) => void; reject: (e: Error) => void };

const size = Math.max(1, Math.min(4, os.availableParallelism()));
let slots: Slot[] = [];
const jobs = new Map<number, Job>();
let seq = 0;

function slot(): Slot {
  if (slots.length < size) {
    slots = [...slots, ...Array.from({ length: size - slots.length }, () => {
      const s: Slot = { w: new Worker(WORKER, { eval: true, execArgv: [] }), busy: 0 };
      s.w.on('message', (m: { id: number; hex?: string; err?: string }) => {
        s.busy--;
        if (s.busy === 0) s.w.unref();
        const j = jobs.get(m.id);
        jobs.delete(m.id);
        if (m.hex) j?.resolve(m.hex); else j?.reject(new Error(`hash: ${m.err}`));
      });
      // A dead worker fails its jobs (finalize then fails and the dock asks again); a new one replaces it.
      s.w.on('error', (err) => {
        slots = slots.filter((x) => x !== s);
        for (const [id, j] of jobs) if (j.slot === s) { jobs.delete(id); j.reject(new Error(`hash worker: ${err.message}`)); }
      });
      // After the listeners: attaching 'message' refs the worker's port again, and an idle pool
      // would then keep the process alive for ever.
      s.w.unref();
      return s;
    })];
  }
  return slots.reduce((a, b) => (b.busy < a.busy ? b : a));
}

/** SHA-256 (hex) of the file's bytes as read from it now. */
export function hashFileOffThread(file: string): Promise<string> {
  const s = slot();
  const id = ++seq;
  return new Promise((resolve, reject) => {
    jobs.set(id, { slot: s, resolve, reject });
    s.busy++;
    s.w.ref();
    s.w.postMessage({ id, file });
  });
}
