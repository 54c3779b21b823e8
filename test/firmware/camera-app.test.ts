import test from 'ava';
import pino from 'pino';
import { CameraApp, simHardware } from '../../firmware/camera-app.js';
import { parseConfig } from '../../firmware/config.js';
import type { ClipVault } from '../../firmware/recorder.js';
import { ScaledClock } from '../../shared/clock.js';
import type { SimButton, SimGps } from '../../hardware-sim/index.js';

test('sim camera app: boot, gps chatter fault, press records, stop closes the clip', async (t) => {
  const clock = new ScaledClock(Date.now(), 20);
  const config = parseConfig({ deviceId: 'cam-3', purpose: 'patrol', prerecordSeconds: 5, hal: 'sim', camera: { synthetic: true, gop: 25, fps: 25, bitrateKbps: 100 }, paths: { flashDir: '/x', trustDir: '/y' } });
  const events: string[] = [];
  let closed = 0;
  const vault: ClipVault = { beginClip: () => ({ clipId: 'k1', appendSegment: () => {}, close: () => void closed++ }) };
  const hw = simHardware(config, clock);
  const app = new CameraApp(config, hw, vault, { append: (type) => void events.push(type) }, clock, pino({ level: 'silent' }));
  await app.start();
  t.teardown(() => app.stop());
  (hw.gps as SimGps).chatter(true);
  await new Promise((r) => clock.setTimeout(() => r(null), 8000));
  t.truthy(app.status().gpsFault);
  await (hw.button as SimButton).press(100);
  await app.recorder.idle();
  t.is(app.status().recorder, 'recording');
  t.deepEqual(app.status().clipIds, ['k1']);
  await app.stop();
  t.is(closed, 1);
  t.deepEqual(events.filter((e) => ['boot', 'fault', 'record-start', 'record-stop'].includes(e)), ['boot', 'fault', 'record-start', 'record-stop']);
});
