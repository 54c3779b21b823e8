// Camera contract: the pipeline driver (real driver, ffmpeg testsrc as its command) and the
// synthetic twin both yield keyframe-first, ordered, whole-packet segments and stop cleanly.
import test from 'ava';
import type { VideoSegment, VideoSource } from '../../shared/hal.js';
import { createSimCamera, ffmpegAvailable } from '../../hardware-sim/camera.js';
import { PipelineCamera } from '../../firmware/drivers/camera.js';

async function contract(t: import('ava').ExecutionContext, cam: VideoSource, want: number) {
  const segs: VideoSegment[] = [];
  const errors: Error[] = [];
  cam.onError((e) => errors.push(e));
  const got = new Promise<void>((res) => cam.onSegment((s) => (segs.push(s), segs.length >= want && res())));
  await cam.start();
  t.teardown(() => cam.stop());
  await Promise.race([got, new Promise((r) => setTimeout(r, 15_000))]);
  await cam.stop();
  t.deepEqual(errors, []);
  t.true(segs.length >= want, `segments ${segs.length}`);
  t.true(segs[0]!.keyframe);
  for (let i = 0; i < segs.length; i++) {
    t.is(segs[i]!.seq, i);
    t.is(segs[i]!.data.length % 188, 0);
    t.is(segs[i]!.data[0], 0x47);
    if (i) t.true(segs[i]!.startMs >= segs[i - 1]!.startMs);
  }
}

test('synthetic twin', (t) => contract(t, createSimCamera({ width: 160, height: 120, fps: 25, gop: 5, bitrateKbps: 200, synthetic: true }), 3));

(ffmpegAvailable() ? test : test.skip)('pipeline driver running ffmpeg testsrc2', (t) =>
  contract(t, createSimCamera({ width: 160, height: 120, fps: 25, gop: 10, bitrateKbps: 200 }), 3));

test('pipeline driver reports a failing capture command', async (t) => {
  const cam = new PipelineCamera(['sh', '-c', 'echo no camera >&2; exit 3']);
  const err = new Promise<Error>((r) => cam.onError(r));
  await cam.start();
  t.regex((await err).message, /exited \(3\): no camera/);
});
