// The firmware as a real OS process on the sim HAL: boot, record, power cut (SIGKILL) and recovery,
// and refusal of a bad config with the field named.
import test from 'ava';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCameraProcess } from '../../hardware-sim/camera-process.js';
import { createFleetPki, provisionCamera } from '../../hardware-sim/fleet/pki.js';
import { decryptClip } from '../../shared/clip/reader.js';
import { DeviceLog } from '../../firmware/device-log.js';
import { systemClock } from '../../shared/clock.js';

const pki = createFleetPki();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function camDir(t: { teardown(f: () => Promise<void>): void }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fwproc-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  provisionCamera(pki, path.join(dir, 'trust'), 'cam-p1');
  return dir;
}
const configFor = (dir: string, over: Record<string, unknown> = {}) => ({
  deviceId: 'cam-p1', purpose: 'guarding', hal: 'sim', prerecordSeconds: 2, longPressMs: 800,
  paths: { flashDir: path.join(dir, 'flash'), trustDir: path.join(dir, 'trust') },
  camera: { synthetic: true, fps: 10, gop: 5, bitrateKbps: 400 }, ...over,
});

test('bad config: the process exits 78 and names the field', async (t) => {
  const dir = await camDir(t);
  const err = await t.throwsAsync(startCameraProcess(dir, configFor(dir, { prerecordSeconds: 500 })));
  t.regex(err!.message, /code 78/);
  t.regex(err!.message, /config\.prerecordSeconds/);
});

test('missing trust store: refused at boot naming trustDir, nothing recorded', async (t) => {
  const dir = await camDir(t);
  const err = await t.throwsAsync(startCameraProcess(dir, configFor(dir, { paths: { flashDir: path.join(dir, 'flash'), trustDir: path.join(dir, 'nope') } })));
  t.regex(err!.message, /config\.paths\.trustDir/);
});

test('records over IPC; SIGKILL mid-clip; reboot recovers the clip truncated, decryptable up to the cut', async (t) => {
  const dir = await camDir(t);
  let cam = await startCameraProcess(dir, configFor(dir));
  t.teardown(() => cam.kill9());
  await sleep(2500); // fill the pre-record buffer
  let s = await cam.send({ op: 'press' });
  t.is(s.recorder, 'recording');
  await sleep(1500);
  s = await cam.send({ op: 'long-press' });
  t.is(s.recorder, 'idle');
  t.is(s.clipsOnFlash, 1);
  s = await cam.send({ op: 'press' });
  await sleep(2200);
  // Measure against what the camera had captured by the cut, in camera time: on a loaded machine the
  // capture lags wall time, and a lag is not a loss.
  const capturedEnd = Number((await cam.send({ op: 'status' })).lastSegmentEndMs);
  await cam.kill9();
  t.is((await cam.exited).signal, 'SIGKILL');

  cam = await startCameraProcess(dir, configFor(dir));
  s = await cam.send({ op: 'status' });
  t.is(s.clipsOnFlash, 2, 'the torn clip is recovered and offloadable');
  await cam.stop();

  const log = new DeviceLog({ path: path.join(dir, 'flash', 'device-log.db'), clock: systemClock });
  const entries = log.since(0);
  t.true(log.verify().ok);
  log.close();
  const recovered = entries.filter((e) => e.type === 'recover');
  t.is(recovered.length, 1);
  const clipId = String(recovered[0]!.data.clipId);
  const epoch = pki.epochs.find((e) => e.notBefore <= Date.now() && Date.now() < e.notAfter)!;
  const stats = decryptClip(path.join(dir, 'flash', 'clips', `${clipId}.bcc`), epoch.privateKey, () => undefined, { allowTruncated: true });
  t.true(stats.truncated);
  // At most ~1 s of unsynced tail is lost (plus one 0.5 s GOP being written and the status round trip).
  const lostS = (capturedEnd - stats.lastEndMs!) / 1000;
  t.true(lostS <= 1.5, `lost ${lostS}s of captured video at the cut`);
  t.true(stats.firstStartMs! < capturedEnd - 2000, 'the clip starts with the pre-record before the press');
  const files = await readdir(path.join(dir, 'flash', 'clips'));
  t.is(files.filter((f) => f.endsWith('.bcc')).length, 2);
});
