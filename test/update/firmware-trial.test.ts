// The real firmware on the sim twins (hardware-sim/camera-main.ts) with paths.slotsDir: on a trial
// boot it runs its health checks, marks itself good (floor raised) and reports the launcher's earlier
// rollback once.
import test from 'ava';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startCameraProcess } from '../../hardware-sim/camera-process.js';
import { createFleetPki, provisionCamera } from '../../hardware-sim/fleet/pki.js';
import { DeviceLog } from '../../firmware/device-log.js';
import { initialState, readBootState, writeBootState, type BootState } from '../../firmware/update/boot-state.js';
import { systemClock } from '../../shared/clock.js';
import { tmpDir } from './fixtures.js';

const pki = createFleetPki();

function trialState(): BootState {
  const s = initialState();
  return {
    ...s, active: 'b', floor: '1.0.0',
    slots: { a: { version: '2.0.0', bootable: false, good: false, manifestSha256: 'x' }, b: { version: '1.4.0', bootable: true, good: false, manifestSha256: 'y' } },
    trial: { slot: 'b', bootCount: 1, fallback: null },
    lastRollback: { fromSlot: 'a', fromVersion: '2.0.0', toSlot: 'b', toVersion: '1.4.0', at: new Date().toISOString(), reason: 'boot-limit', bootCount: 3, reported: false },
  };
}

test('trial boot of the real firmware: health checks pass, marked good, floor raised, rollback reported', async (t) => {
  const dir = tmpDir(t, 'fwtrial-');
  provisionCamera(pki, path.join(dir, 'trust'), 'cam-u1');
  const slotsDir = path.join(dir, 'slots');
  mkdirSync(slotsDir);
  await writeBootState(slotsDir, trialState());
  process.env.BODYCAM_SLOT = 'b'; // what the launcher sets for the child
  const config = {
    deviceId: 'cam-u1', purpose: 'guarding', hal: 'sim', prerecordSeconds: 2,
    paths: { flashDir: path.join(dir, 'flash'), trustDir: path.join(dir, 'trust'), slotsDir },
    camera: { synthetic: true, fps: 10, gop: 5, bitrateKbps: 200 },
  };
  let cam = await startCameraProcess(dir, config);
  await cam.stop();
  let s = readBootState(slotsDir);
  t.is(s.trial, null);
  t.true(s.slots.b.good);
  t.is(s.floor, '1.4.0');
  t.true(s.lastRollback!.reported);

  cam = await startCameraProcess(dir, config); // a normal boot afterwards: no checks, nothing reported
  await cam.stop();
  const log = new DeviceLog({ path: path.join(dir, 'flash', 'device-log.db'), clock: systemClock });
  const entries = log.since(0);
  t.true(log.verify().ok);
  log.close();
  const fw = entries.filter((e) => e.type.startsWith('fw-'));
  t.deepEqual(fw.map((e) => e.type), ['fw-rollback', 'fw-health', 'fw-good']);
  t.like(fw[0]!.data, { fromVersion: '2.0.0', toVersion: '1.4.0', reason: 'boot-limit' });
  t.true(fw[1]!.data.ok as boolean);
  t.like(fw[2]!.data, { slot: 'b', version: '1.4.0', floor: '1.4.0' });
});
