// The real firmware process (on the sim twins, hardware-sim/camera-main.ts; A/B slots configured)
// docked on a socat pty: a technician's staging is cut by a power cut (SIGKILL) of the camera; after
// it boots again the staging resumes from the prefix the camera kept (checked by hash), installs, and
// is in the log.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSerialLine } from '../../shared/serial-port.js';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { DeviceLog } from '../../firmware/device-log.js';
import { startCameraProcess } from '../../hardware-sim/camera-process.js';
import { createFleetPki, provisionCamera } from '../../hardware-sim/fleet/pki.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { systemClock } from '../../shared/clock.js';
import { issueCertificate } from '../../shared/pki/ca.js';
import { writeDurable } from '../../shared/durable-file.js';
import { paths } from '../../shared/pki/trust-store.js';
import { FirmwareClient } from '../../shared/wire/fw-transfer.js';
import { HW, makeBundle, makeFwPki } from './fw-fixtures.js';

const fleet = createFleetPki();
const release = makeFwPki(); // only its release key is used: the camera trusts it
const technician = issueCertificate({ role: 'technician', id: 'tech-bo', ca: fleet.ca });

test('SIGKILL of the camera mid-staging: after reboot the staging resumes from the kept prefix and installs', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fwkill-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const trustDir = path.join(dir, 'trust');
  provisionCamera(fleet, trustDir, 'cam-k1');
  writeDurable(path.join(paths(trustDir).firmware, 'release-1.pub.pem'), release.release.publicPem);
  const config = {
    deviceId: 'cam-k1', purpose: 'guarding', hal: 'sim', prerecordSeconds: 2, hardware: HW,
    paths: { flashDir: path.join(dir, 'flash'), trustDir, slotsDir: path.join(dir, 'slots') },
    camera: { synthetic: true, fps: 10, gop: 5, bitrateKbps: 400 },
  };
  const bundle = makeBundle(release, '4.0.0', { bytes: 8 * 1024 * 1024 });

  const dockTo = async (cam: Awaited<ReturnType<typeof startCameraProcess>>) => {
    const pair = await startPtyPair();
    t.teardown(() => pair.stop());
    await cam.send({ op: 'dock', tty: pair.b });
    const line = await openSerialLine(pair.a);
    t.teardown(() => line.closeLine());
    const s = await openCameraSession({ line, identity: technician, caCertPem: fleet.ca.certPem, role: 'technician', timeoutMs: 500, retries: 2 });
    return { s, fw: new FirmwareClient(s.rpc), line };
  };

  let cam = await startCameraProcess(path.join(dir, 'run1'), config);
  const first = await dockTo(cam);
  let killed = false;
  await t.throwsAsync(first.fw.stage(bundle.path, bundle.header, {
    writeRetries: 1,
    onProgress: (n, total) => {
      if (!killed && n >= total / 5) {
        killed = true;
        void cam.kill9();
      }
    },
  }));
  t.true(killed);
  await cam.exited;
  await first.line.closeLine();

  cam = await startCameraProcess(path.join(dir, 'run2'), config);
  t.teardown(async () => { await cam.stop(); });
  const second = await dockTo(cam);
  const st = await second.fw.status();
  t.truthy(st.staged, 'the staging survived the power cut');
  t.true(st.staged!.have >= bundle.firmware.length / 5 && st.staged!.have < bundle.firmware.length, `have ${st.staged!.have}`);
  const staged = await second.fw.stage(bundle.path, bundle.header);
  t.is(staged.resumedFrom, st.staged!.have, 'resumed from the prefix the camera kept');
  const r = await second.fw.commit(staged.sha256);
  t.deepEqual({ version: r.version, switched: r.switched }, { version: '4.0.0', switched: true });
  t.is((await second.fw.status()).version, '4.0.0');
  await second.s.close();
  await cam.stop();
  const log = new DeviceLog({ path: path.join(dir, 'flash', 'device-log.db'), clock: systemClock });
  t.teardown(() => log.close());
  t.true(log.verify().ok);
  const rec = log.since(0).filter((e) => e.type === 'fw-flash');
  t.is(rec.length, 1);
  t.like(rec[0]!.data, { deviceId: 'cam-k1', version: '4.0.0', outcome: 'installed', by: { role: 'technician', id: 'tech-bo' } });
  t.true(log.since(0).some((e) => e.type === 'technician-authenticated'));
});
