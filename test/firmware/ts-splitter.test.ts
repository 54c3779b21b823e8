import test from 'ava';
import { spawnSync } from 'node:child_process';
import { TsSplitter } from '../../firmware/drivers/ts-splitter.js';
import type { VideoSegment } from '../../shared/hal.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const t2 = hasFfmpeg ? test : test.skip;

t2('splits ffmpeg MPEG-TS into keyframe-aligned GOP segments with PTS timing', async (t) => {
  const ff = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-c:a', 'aac', '-f', 'mpegts', '-'], { maxBuffer: 64e6 });
  t.is(ff.status, 0, ff.stderr?.toString());
  const input: Buffer = ff.stdout;
  const sp = new TsSplitter();
  const segs: VideoSegment[] = [];
  sp.on('data', (s: VideoSegment) => segs.push(s));
  const done = new Promise((r) => sp.on('end', r));
  // Odd chunk sizes: packets straddle writes.
  for (let i = 0; i < input.length; i += 1000) sp.write(input.subarray(i, i + 1000));
  sp.end();
  await done;
  t.true(segs.length >= 4 && segs.length <= 5, `segments ${segs.length}`);
  t.true(segs[0]!.keyframe);
  t.true(segs.every((s) => s.keyframe));
  t.is(Buffer.concat(segs.map((s) => s.data)).length, input.length);
  t.is(segs[0]!.audioPids.length, 1);
  for (let i = 1; i < segs.length; i++) t.is(segs[i]!.startMs, segs[i - 1]!.startMs + segs[i - 1]!.durationMs);
  t.true(Math.abs(segs[1]!.durationMs - 1000) <= 40, `gop ${segs[1]!.durationMs}`);
});
