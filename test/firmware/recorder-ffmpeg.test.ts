// Recorder on the ffmpeg sim camera (real time, tiny resolution): the clip (pre-buffer + live)
// decodes from its first frame and ffprobe's duration matches pre-record + live time.
import test from 'ava';
import pino from 'pino';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Recorder, type ClipVault } from '../../firmware/recorder.js';
import { parseConfig } from '../../firmware/config.js';
import { SimButton } from '../../hardware-sim/button.js';
import { SimOutput } from '../../hardware-sim/output.js';
import { createSimCamera, ffmpegAvailable } from '../../hardware-sim/camera.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

(ffmpegAvailable() ? test : test.skip)('pre-buffered + live clip decodes from frame one with the expected duration', async (t) => {
  const config = parseConfig({ deviceId: 'cam-1', purpose: 'patrol', prerecordSeconds: 3, longPressMs: 500, paths: { flashDir: '/x', trustDir: '/y' } });
  const parts: Buffer[] = [];
  let closed = false;
  const vault: ClipVault = {
    beginClip: () => ({ clipId: 'c1', appendSegment: (s) => void parts.push(Buffer.concat(Buffer.isBuffer(s.data) ? [s.data] : s.data)), close: () => void (closed = true), mark: () => undefined }),
  };
  const button = new SimButton();
  const source = createSimCamera({ width: 160, height: 120, fps: 25, gop: 25, bitrateKbps: 150 });
  const rec = new Recorder({ config, clock: { now: Date.now, setTimeout, setInterval, clearTimeout, clearInterval }, button, led: new SimOutput('led'), haptic: new SimOutput('h'), source, vault, deviceLog: { append: () => {} }, logger: pino({ level: 'silent' }) });
  rec.start();
  await source.start();
  t.teardown(() => source.stop());
  await sleep(5000); // longer than the 3 s buffer
  await button.press(50);
  await sleep(2000);
  await button.longPress(700);
  await rec.idle();
  await source.stop();
  t.true(closed);
  const dir = mkdtempSync(join(tmpdir(), 'recff-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'clip.ts');
  writeFileSync(file, Buffer.concat(parts));
  const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'format=duration:stream=nb_read_frames', '-count_frames', '-of', 'json', file], { encoding: 'utf8' });
  const info = JSON.parse(probe.stdout);
  const duration = Number(info.format.duration);
  // ≥ 3 s of pre-buffer (whole GOPs, so up to 4 s) + ~2.7 s live until the long press fired.
  t.true(duration >= 4.5 && duration <= 8, `duration ${duration}`);
  const dec = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'null', '-'], { encoding: 'utf8' });
  t.is(dec.stderr.trim(), '', 'first frame decodes without errors');
});
