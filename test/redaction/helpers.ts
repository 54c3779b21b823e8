// Test videos for redaction: real group photographs (the face-api package's samples) panned across a
// 640x360 frame at 25 fps, H.264 + an AAC tone in MPEG-TS, built by ffmpeg into memory (never a file),
// and stored as real encrypted clips.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { addClip, epochAt, makeStore, T0, type Fixture } from '../store/store-helpers.js';

const require = createRequire(import.meta.url);
export const SAMPLES = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

/**
 * `seconds` of each sample photo (1-6), panned left to right (faces move ≈ 4 px per frame),
 * with a 440 Hz tone. Returns the MPEG-TS bytes.
 */
export async function testVideo(samples: number[] = [1, 5], seconds = 1.6, o: { small?: boolean } = {}): Promise<Buffer> {
  const inputs = samples.flatMap((n) => ['-loop', '1', '-framerate', '25', '-t', String(seconds), '-i', path.join(SAMPLES, `sample${n}.jpg`)]);
  const frames = Math.round(seconds * 25);
  // small: the photo 320 px wide on a grey picture (faces ≈ 30-50 px), drifting right.
  const chains = samples.map((_, i) => o.small
    ? `color=gray:s=640x360:r=25:d=${seconds}[bg${i}];[${i}:v]scale=320:-2[s${i}];[bg${i}][s${i}]overlay=x='40+n*3':y=40:shortest=1,setsar=1,format=yuv420p[v${i}]`
    : `[${i}:v]scale=800:-2,crop=640:360:x='(iw-640)*n/${frames}':y='(ih-360)/3',setsar=1,format=yuv420p[v${i}]`);
  const filter = `${chains.join(';')};${samples.map((_, i) => `[v${i}]`).join('')}concat=n=${samples.length}:v=1:a=0[v]`;
  const dur = seconds * samples.length;
  const { stdout } = await promisify(execFile)('ffmpeg', ['-v', 'error', ...inputs, '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${dur}`,
    '-filter_complex', filter, '-map', '[v]', '-map', `${samples.length}:a`, '-r', '25', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-crf', '18',
    '-c:a', 'aac', '-b:a', '96k', '-f', 'mpegts', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 28 });
  return stdout;
}

/** Split MPEG-TS into clip segments of whole 188-byte packets. */
export function tsSegments(ts: Buffer, packets = 1000): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < ts.length; o += 188 * packets) out.push(ts.subarray(o, Math.min(ts.length, o + 188 * packets)));
  return out;
}

export async function storeWithVideo(t: { teardown(fn: () => unknown): void }, ts: Buffer): Promise<{ f: Fixture; clipId: string; sha256: string }> {
  const f = await makeStore(t);
  const epoch = await epochAt(f, T0);
  const c = await addClip(f, { epoch, startedAt: T0 + 3600_000, payloads: tsSegments(ts) });
  return { f, clipId: c.clipId, sha256: c.sha256 };
}
