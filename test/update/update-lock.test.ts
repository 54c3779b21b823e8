// Update lock on the real firmware process (on the sim twins, hardware-sim/camera-main.ts; dock link
// over a socat pty): a switched camera does not restart while a recording begun after the switch
// runs, and an install committed while a dock still has clips to offload waits for the offload before
// switching.
import test from 'ava';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { DeviceLog } from '../../firmware/device-log.js';
import { readBootState } from '../../firmware/update/boot-state.js';
import { Updater } from '../../firmware/update/install.js';
import { startCameraProcess } from '../../hardware-sim/camera-process.js';
import { createFleetPki, provisionCamera } from '../../hardware-sim/fleet/pki.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { systemClock } from '../../shared/clock.js';
import { issueCertificate } from '../../shared/pki/ca.js';
import { writeDurable } from '../../shared/durable-file.js';
import { paths } from '../../shared/pki/trust-store.js';
import { openSerialLine } from '../../shared/serial-port.js';
import { FirmwareClient } from '../../shared/wire/fw-transfer.js';
import { bundleHeader } from './fw-fixtures.js';
import { HW, keysOf, makeBundle, signer, tmpDir } from './fixtures.js';

const pki = createFleetPki();
const release = signer('release-main');
const technician = issueCertificate({ role: 'technician', id: 'tech-lock', ca: pki.ca });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A camera process running 1.0.0 (slot b, good) with its dock link on a pty; the pty's other end. */
async function camera(t: import('ava').ExecutionContext, id: string) {
  const dir = tmpDir(t, 'fwlock-');
  const trustDir = path.join(dir, 'trust');
  provisionCamera(pki, trustDir, id);
  writeDurable(path.join(paths(trustDir).firmware, `${release.name}.pub.pem`), release.pubPem);
  const slotsDir = path.join(dir, 'slots');
  mkdirSync(slotsDir);
  const factory = new Updater({ slotsDir, trust: { releaseKeys: keysOf(release) }, hardware: HW });
  await factory.install(makeBundle(dir, { version: '1.0.0', signer: release }));
  await factory.markGood('b');
  process.env.BODYCAM_SLOT = 'b';
  const flashDir = path.join(dir, 'flash');
  const cam = await startCameraProcess(dir, {
    deviceId: id, purpose: 'guarding', hal: 'sim', prerecordSeconds: 1, hardware: HW,
    paths: { flashDir, trustDir, slotsDir }, camera: { synthetic: true, fps: 10, gop: 5, bitrateKbps: 200 },
  });
  t.teardown(() => cam.kill9());
  let exited = false;
  void cam.exited.then(() => (exited = true));
  const pty = await startPtyPair();
  t.teardown(() => pty.stop());
  await cam.send({ op: 'dock', tty: pty.b });
  const connect = async (identity: { keyPem: string; certPem: string }, role: 'dock' | 'technician') => {
    const line = await openSerialLine(pty.a);
    t.teardown(() => line.closeLine());
    const s = await openCameraSession({ line, identity, caCertPem: pki.ca.certPem, role });
    return { s, fw: new FirmwareClient(s.rpc) };
  };
  const bundle = makeBundle(dir, { version: '1.1.0', signer: release });
  const deviceLog = () => {
    const log = new DeviceLog({ path: path.join(flashDir, 'device-log.db'), clock: systemClock });
    try {
      return log.since(0);
    } finally {
      log.close();
    }
  };
  return { cam, slotsDir, connect, bundle, header: bundleHeader(bundle), deviceLog, exited: () => exited };
}

test.serial('a recording begun after the switch holds the restart until it stops', async (t) => {
  const c = await camera(t, 'cam-lock-1');
  const { s, fw } = await c.connect(technician, 'technician');
  const r = await fw.commit((await fw.stage(c.bundle, c.header)).sha256);
  t.like(r, { version: '1.1.0', slot: 'a', switched: true });
  await s.close();
  // Within the restart grace (3 s) the guard starts recording.
  t.is((await c.cam.send({ op: 'press' })).recorder, 'recording');
  await sleep(4500); // past the grace: the restart must be held
  t.false(c.exited(), 'the firmware did not restart while recording');
  await c.cam.send({ op: 'long-press' }).catch(() => undefined); // the restart may beat the reply
  t.is((await c.cam.exited).code, 0, c.cam.stderr());
  const log = c.deviceLog();
  const at = (type: string, match: (d: Record<string, unknown>) => boolean = () => true) => log.findIndex((e) => e.type === type && match(e.data));
  const held = at('fw-restart', (d) => d.waitingFor === 'recording');
  const stopped = at('record-stop');
  const shutdown = at('shutdown', (d) => d.reason === 'firmware switched');
  t.false([held, stopped, shutdown].includes(-1), log.map((e) => e.type).join(', '));
  t.true(held < stopped && stopped < shutdown, 'held, then the guard stopped, then the restart');
  t.not(log[stopped]!.data.reason, 'shutdown');
});

test.serial('an install committed while a dock still has clips to offload switches only after the offload', async (t) => {
  const c = await camera(t, 'cam-lock-2');
  await c.cam.send({ op: 'press' });
  await c.cam.send({ op: 'long-press' }); // one closed clip on flash, not yet offloaded
  const { s, fw } = await c.connect(pki.dock, 'dock');
  const r = await fw.commit((await fw.stage(c.bundle, c.header)).sha256);
  t.like(r, { version: '1.1.0', slot: 'a', switched: false, waitingFor: 'offload' });
  t.like(await fw.status(), { active: 'b', pending: '1.1.0' });
  t.is(readBootState(c.slotsDir).active, 'b', 'no switch while the dock is offloading');
  await s.close(); // the dock leaves (BYE)
  t.is((await c.cam.exited).code, 0, c.cam.stderr());
  const st = readBootState(c.slotsDir);
  t.like(st, { active: 'a', trial: { slot: 'a', bootCount: 0, fallback: 'b' } });
  const log = c.deviceLog();
  const at = (outcome: string) => log.findIndex((e) => e.type === 'fw-install' && e.data.outcome === outcome);
  t.true(at('waiting') !== -1 && at('waiting') < at('switched'), log.map((e) => `${e.type}:${String(e.data.outcome ?? '')}`).join(', '));
  t.like(log[at('waiting')]!.data, { waitingFor: 'offload' });
});
