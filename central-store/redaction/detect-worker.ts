// A detector in its own thread: frames in, faces out, so detection runs beside decoding and blurring.
import { parentPort, workerData } from 'node:worker_threads';
import { loadDetector, type DetectorOptions } from './detector.js';

const port = parentPort!;
const d = await loadDetector((workerData as { opts: DetectorOptions }).opts);
port.on('message', (m: { id: number; buf: ArrayBuffer; width: number; height: number; out?: { width: number; height: number } }) => {
  d.detect(new Uint8Array(m.buf), m.width, m.height, m.out).then(
    (faces) => port.postMessage({ id: m.id, faces }),
    (err: Error) => port.postMessage({ id: m.id, error: err.message }),
  );
});
port.postMessage({ ready: true });
