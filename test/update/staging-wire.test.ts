// Firmware staging over real lines (socat pty pair, @serialport/binding-mock): byte-exact arrival and
// install, resume after a cut, and install records in the camera's device log.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { duplexPair, openMockPair } from '../../hardware-sim/serial.js';
import { FirmwareClient } from '../../shared/wire/fw-transfer.js';
import { makeBundle, makeCamera, makeFwPki, sha256File } from './fw-fixtures.js';
import { ptyLines } from '../wire/helpers.js';

const pki = makeFwPki();


test('a bundle staged over a socat pty arrives byte-exact, installs, and is recorded', async (t) => {
  const { dock, cam } = await ptyLines(t);
  const camera = makeCamera(pki, 'cam-21');
  const link = camera.start(cam);
  t.teardown(() => link.close());
  const bundle = makeBundle(pki, '1.2.0', { bytes: 300_000 });
  const s = await openCameraSession({ line: dock, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s.close());
  const fw = new FirmwareClient(s.rpc);
  const before = await fw.status();
  t.is(before.version, '0.0.0');
  t.is(before.hardware, 'bodycam-sim-1');
  const progress: number[] = [];
  const staged = await fw.stage(bundle.path, bundle.header, { chunkBytes: 16 * 1024, onProgress: (n) => progress.push(n) });
  t.is(staged.resumedFrom, 0);
  t.is(progress.at(-1), staged.size);
  const r = await fw.commit(staged.sha256);
  t.deepEqual({ version: r.version, switched: r.switched }, { version: '1.2.0', switched: true });
  t.deepEqual(camera.installed, [sha256File(bundle.path)], 'the updater got exactly the bundle bytes');
  t.true(readFileSync(join(camera.slotsDir, r.slot, 'firmware.js')).equals(bundle.firmware));
  const after = await fw.status();
  t.is(after.version, '1.2.0');
  t.is(after.staged, null, 'staging file removed after install');
  const rec = camera.log.since(0).filter((e) => e.type === 'fw-flash');
  t.is(rec.length, 1);
  t.like(rec[0]!.data, { deviceId: 'cam-21', version: '1.2.0', outcome: 'installed', by: { role: 'dock', id: 'dock-1' } });
  t.is((await fw.lastResult())?.outcome, 'installed');
});

test('a cut mid-transfer resumes from the camera’s verified prefix', async (t) => {
  const first = await ptyLines(t);
  const camera = makeCamera(pki, 'cam-22');
  const link = camera.start(first.cam);
  const bundle = makeBundle(pki, '2.0.0', { bytes: 1_500_000 });
  const s1 = await openCameraSession({ line: first.dock, identity: pki.dock, caCertPem: pki.ca.certPem, timeoutMs: 300, retries: 1 });
  let cut = false;
  await t.throwsAsync(new FirmwareClient(s1.rpc).stage(bundle.path, bundle.header, {
    chunkBytes: 32 * 1024, writeRetries: 1,
    onProgress: (n) => {
      if (!cut && n >= 500_000) {
        cut = true;
        void first.pair.stop(); // the camera is pulled out of the dock
      }
    },
  }));
  link.close();
  await Promise.all([first.dock.closeLine(), first.cam.closeLine()]);

  const again = await ptyLines(t);
  const link2 = camera.start(again.cam); // and the camera process restarted meanwhile
  t.teardown(() => link2.close());
  const s2 = await openCameraSession({ line: again.dock, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s2.close());
  const fw = new FirmwareClient(s2.rpc);
  const st = await fw.status();
  t.true(st.staged !== null && st.staged.have >= 500_000 && st.staged.have < 1_500_000, JSON.stringify(st.staged));
  const progress: number[] = [];
  const staged = await fw.stage(bundle.path, bundle.header, { chunkBytes: 32 * 1024, onProgress: (n) => progress.push(n) });
  t.is(staged.resumedFrom, st.staged!.have);
  t.is(progress[0], st.staged!.have, 'resumed, not restarted');
  const writes = s2.stats.requests;
  t.true(writes < 3 + Math.ceil((1_500_000 - staged.resumedFrom) / (32 * 1024)) + 5, `requests ${writes}`);
  t.is((await fw.commit(staged.sha256)).version, '2.0.0');
  t.deepEqual(camera.installed, [sha256File(bundle.path)]);
});

test('a staged prefix that no longer matches is restarted from zero', async (t) => {
  const { dock, cam } = await ptyLines(t);
  const camera = makeCamera(pki, 'cam-23');
  const link = camera.start(cam);
  t.teardown(() => link.close());
  const bundle = makeBundle(pki, '1.0.1', { bytes: 100_000 });
  const s = await openCameraSession({ line: dock, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s.close());
  const fw = new FirmwareClient(s.rpc);
  await fw.stage(bundle.path, bundle.header, { chunkBytes: 8192 });
  // Flash damage between sessions: the prefix hash the camera reports no longer matches our bytes.
  const bin = join(camera.flashDir, 'update', 'staging.bin');
  const bytes = readFileSync(bin);
  bytes[5000] ^= 0xff;
  (await import('node:fs')).writeFileSync(bin, bytes);
  link.close();
  const link2 = camera.start(cam);
  t.teardown(() => link2.close());
  const s2 = await openCameraSession({ line: dock, identity: pki.dock, caCertPem: pki.ca.certPem });
  const staged = await new FirmwareClient(s2.rpc).stage(bundle.path, bundle.header, { chunkBytes: 8192 });
  t.is(staged.resumedFrom, 0);
  t.is((await new FirmwareClient(s2.rpc).commit(staged.sha256)).version, '1.0.1');
  await s2.close();
});

test('staging over @serialport/binding-mock ports by a technician', async (t) => {
  const [dock, cam] = await openMockPair();
  t.teardown(() => dock.closeLine());
  t.teardown(() => cam.closeLine());
  const camera = makeCamera(pki, 'cam-24');
  const link = camera.start(cam);
  t.teardown(() => link.close());
  const bundle = makeBundle(pki, '1.0.0', { bytes: 250_000 });
  const s = await openCameraSession({ line: dock, identity: pki.technician, caCertPem: pki.ca.certPem, role: 'technician' });
  t.teardown(() => s.close());
  const fw = new FirmwareClient(s.rpc);
  const staged = await fw.stage(bundle.path, bundle.header);
  t.is((await fw.commit(staged.sha256)).version, '1.0.0');
  t.deepEqual(camera.installed, [sha256File(bundle.path)]);
  const rec = camera.log.since(0).find((e) => e.type === 'fw-flash')!;
  t.like(rec.data, { outcome: 'installed', by: { role: 'technician', id: 'tech-ann' } });
  t.regex(String((rec.data.by as { certSha256: string }).certSha256), /^[0-9a-f]{64}$/);
});

test('a slow HELLO response: the retransmitted HELLO gets the same nonce from the reply cache and AUTH succeeds', async (t) => {
  const { Duplex } = await import('node:stream');
  const [dockEnd, camEnd] = duplexPair();
  // The camera's answers are held (a busy camera) until it has answered twice: the second answer is
  // its reply cache's answer to the dock's retransmitted HELLO. Then both go out, in order, and the
  // dock takes the first. Decided by events, not by a hold time that a stalled event loop outlasts.
  let held: Buffer[] | null = null;
  const camSide = new Duplex({
    read() {},
    write(chunk: Buffer, _e, cb) {
      if (held === null) held = [chunk];
      else if (held.length > 0) held.push(chunk);
      else camEnd.write(chunk);
      if (held.length >= 2) { for (const c of held) camEnd.write(c); held = []; }
      cb();
    },
  });
  camEnd.on('data', (d: Buffer) => camSide.push(d));
  const camera = makeCamera(pki, 'cam-25');
  const link = camera.start(camSide);
  t.teardown(() => link.close());
  const s = await openCameraSession({ line: dockEnd, identity: pki.technician, caCertPem: pki.ca.certPem, role: 'technician', timeoutMs: 150 });
  t.teardown(() => s.close());
  t.true(s.stats.retransmits >= 1);
  t.is((await new FirmwareClient(s.rpc).status()).hardware, 'bodycam-sim-1');
  t.is(camera.log.since(0).filter((e) => e.type === 'technician-authenticated').length, 1);
});
