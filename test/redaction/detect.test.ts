// The real detector (BlazeFace on tfjs WASM, offline) on real photographs, and the proposal pass on a
// real encrypted clip: decrypting stream → ffmpeg → detector threads → tracks.
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { analyseClip } from '../../central-store/redaction/analyse.js';
import { DetectPool } from '../../central-store/redaction/detect-pool.js';
import { SAMPLES, storeWithVideo, testVideo } from './helpers.js';

let pool: DetectPool;
let video: Buffer;
test.before(async () => {
  [pool, video] = await Promise.all([DetectPool.open({ minScore: 0.3 }), testVideo()]);
});
test.after.always(async () => { await pool?.close(); });

async function still(n: number): Promise<Buffer> {
  const { stdout } = await promisify(execFile)('ffmpeg', ['-v', 'error', '-i', path.join(SAMPLES, `sample${n}.jpg`),
    '-vf', 'scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:-1:-1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 24 });
  return stdout;
}

test('the detector finds the faces of the group photos (loaded from the package, nothing downloaded)', async (t) => {
  const one = (await pool.detect(await still(1), 640, 360)).filter((f) => f.score >= 0.5);
  const two = (await pool.detect(await still(2), 640, 360)).filter((f) => f.score >= 0.5);
  t.is(one.length, 3, 'sample1: three people');
  t.is(two.length, 2, 'sample2: two people');
  for (const f of [...one, ...two]) t.true(f.w > 40 && f.w < 200 && f.x >= 0 && f.y >= 0, JSON.stringify(f));
  // Distinct faces, not one face reported three times.
  t.true(Math.abs(one[0]!.x - one[1]!.x) > 50 && Math.abs(one[1]!.x - one[2]!.x) > 50);
});

test('an empty picture has no faces', async (t) => {
  t.deepEqual(await pool.detect(Buffer.alloc(640 * 360 * 3, 128), 640, 360), []);
});

test('the proposal pass reads a real encrypted clip through pipes and proposes tracks that follow the faces', async (t) => {
  const { f, clipId } = await storeWithVideo(t, video);
  const a = await analyseClip(async () => f.store.openPlaintext(clipId), { pool, detectEvery: 2 });
  t.deepEqual(a.video, { width: 640, height: 360, fps: '25/1', frames: 80 });
  t.is(a.detectedFrames, 40);
  const long = a.tracks.filter((tr) => tr.keys.length >= 8);
  t.true(long.length >= 4, `tracks: ${a.tracks.map((tr) => `${tr.id}×${tr.keys.length}`).join(' ')}`);
  // The picture pans left to right, so a face followed by a track moves left (x falls) over its keys.
  for (const tr of long) {
    const inScene = tr.keys.filter((k) => (k[0] < 40) === (tr.keys[0]![0] < 40));
    t.true(inScene[inScene.length - 1]![1] < inScene[0]![1], `${tr.id} moves left`);
  }
});

test('a clip whose stored ciphertext was altered is refused, naming the reason', async (t) => {
  const { f, clipId } = await storeWithVideo(t, video);
  const file = f.blobs.pathOf(clipId);
  const b = readFileSync(file);
  b[Math.floor(b.length / 2)]! ^= 0xff;
  writeFileSync(file, b);
  const err = await t.throwsAsync(analyseClip(async () => f.store.openPlaintext(clipId), { pool }));
  t.is((err as { code?: string }).code, 'corrupt');
  t.regex(err!.message, /fails (verification|authentication)/);
});
