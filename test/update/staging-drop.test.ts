// The dock drop-folder path with real parts: two cameras (dock link, device log, A/B updater) on socat
// pty pairs, the dock agent with real serial sessions, mosquitto and the central ingest. A bundle in
// the drop folder reaches both cameras only after their clips are offloaded and wiped; both end on
// the new version, and the install records arrive in the central store's device_log_entries.
import test from 'ava';
import { existsSync, readFileSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DockAgent, type AgentEvent } from '../../dock-agent/agent.js';
import { FirmwareDrop, trackDocked, type FirmwareEvent } from '../../dock-agent/firmware-staging.js';
import { Journal } from '../../dock-agent/journal.js';
import { openSerialLine } from '../../shared/serial-port.js';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { openMockPair, startPtyPair } from '../../hardware-sim/serial.js';
import { SimUsbHotplug } from '../../hardware-sim/usb.js';
import { verifyReceipt } from '../../shared/receipt-check.js';
import { startAedes } from '../helpers/aedes.js';
import { deviceLogIn } from '../helpers/index-read.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { makeCentral, quiet, tmpDir } from '../mqtt/setup.js';
import { makeBundle, makeCamera, makeFwPki, sha256File, type FwCamera } from './fw-fixtures.js';
import { dockAuthFor } from '../helpers/pki.js';

test('drop folder → two docked cameras after their offload → both on the new version, records at central', async (t) => {
  const b = await startMosquitto();
  const central = await makeCentral(b);
  const dir = await tmpDir('fwdrop-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(dir, { recursive: true, force: true }); });
  await central.start();
  const pki = makeFwPki();
  const bundle = makeBundle(pki, '3.1.0', { bytes: 400_000 });
  const dropDir = path.join(dir, 'drop');
  mkdirSync(dropDir);
  // A tampered copy dropped beside it is moved aside with its reason.
  const bad = readFileSync(bundle.path);
  bad[bad.length - 1] ^= 0x80;
  writeFileSync(path.join(dropDir, 'evil-3.2.0.bcfw'), bad);

  const hotplug = new SimUsbHotplug();
  const cameras: FwCamera[] = [];
  const clipsLeftAtFirstFw = new Map<string, number>();
  for (const [bay, id] of ['cam-41', 'cam-42'].entries()) {
    const pair = await startPtyPair();
    t.teardown(() => pair.stop());
    const camLine = await openSerialLine(pair.b);
    t.teardown(() => camLine.closeLine());
    const camera = makeCamera(pki, id, {
      onFirmware: () => { if (!clipsLeftAtFirstFw.has(id)) clipsLeftAtFirstFw.set(id, camera.vault.clips.size); },
    });
    const wipe = camera.vault.wipe.bind(camera.vault);
    camera.vault.wipe = async (clipId, receipt) => {
      const c = camera.vault.list().find((x) => x.clipId === clipId)!;
      verifyReceipt(receipt, central.publicKey, { clipId, deviceId: c.deviceId, sha256: c.sha256!, bytes: c.bytes });
      return wipe(clipId, receipt);
    };
    for (let i = 0; i < 2; i++) camera.vault.addSigned(`${id}-clip-${i}`, 80_000 + i);
    cameras.push(camera);
    const link = camera.start(camLine);
    t.teardown(() => link.close());
    hotplug.dock(bay, id, pair.a);
  }

  const fwEvents: FirmwareEvent[] = [];
  const drop = new FirmwareDrop({ dropDir, releaseKeys: pki.releaseKeys, log: quiet('fw'), onEvent: (e) => fwEvents.push(e), stage: { chunkBytes: 32 * 1024 } });
  await drop.start();
  t.teardown(() => drop.stop());
  copyFileSync(bundle.path, path.join(dropDir, '.incoming'));
  (await import('node:fs')).renameSync(path.join(dropDir, '.incoming'), path.join(dropDir, 'bodycam-3.1.0.bcfw'));
  const until = async (what: string, ok: () => boolean | Promise<boolean>) => {
    for (const end = Date.now() + 30_000; !await ok(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) throw new Error(`timed out: ${what} ${JSON.stringify(fwEvents)}`);
  };
  await until('bundle verified', () => fwEvents.some((e) => e.type === 'fw-ready') && fwEvents.some((e) => e.type === 'fw-rejected'));

  const journal = Journal.open(path.join(dir, 'journal.db'));
  const uploader = new Uploader({ ...dockAuthFor('dock-1'), mqtt: b.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, chunkSize: 64 * 1024, statusTimeoutMs: 1000, log: quiet('up') });
  const events: AgentEvent[] = [];
  const agent = new DockAgent({
    spoolDir: path.join(dir, 'spool'), hotplug, journal, uploader, centralPublicKey: central.publicKey, log: quiet('agent'),
    loadEpochs: async () => [], backoff: { initialMs: 100, maxMs: 500 }, onEvent: (e) => events.push(e),
    afterOffload: (s, signal) => drop.afterOffload(s, signal),
    async openSession(dev) {
      const line = await openSerialLine(dev.ttyPath);
      const s = await openCameraSession({ line, identity: pki.dock, caCertPem: pki.ca.certPem });
      const close = s.close.bind(s);
      return Object.assign(s, { close: async () => { await close(); await line.closeLine(); } });
    },
  });
  t.teardown(async () => { await agent.stop(); await uploader.close(); journal.close(); });
  await agent.start();
  await until('both bays done', () => events.filter((e) => e.type === 'bay-done').length === 2);
  await agent.idle();
  const logRows = async () => (await deviceLogIn(central.db)).filter((e) => e.type === 'fw-flash');
  await until('records at central', async () => (await logRows()).length === 2);

  t.deepEqual(fwEvents.filter((e) => e.type === 'fw-staged').map((e) => e.type === 'fw-staged' && `${e.deviceId}:${e.outcome}`).sort(), ['cam-41:installed', 'cam-42:installed']);
  for (const cam of cameras) {
    t.is(cam.status().version, '3.1.0', cam.id);
    t.deepEqual(cam.installed, [sha256File(bundle.path)], cam.id);
    t.is(clipsLeftAtFirstFw.get(cam.id), 0, `${cam.id}: firmware only after every clip was offloaded and wiped`);
  }
  const rows = await logRows();
  t.deepEqual(rows.map((r) => r.deviceId), ['cam-41', 'cam-42']);
  for (const r of rows) t.like((JSON.parse(r.entryJson) as { data: object }).data, { version: '3.1.0', outcome: 'installed', by: { role: 'dock', id: 'dock-1' } });
  t.true(existsSync(path.join(dropDir, 'rejected', 'evil-3.2.0.bcfw')));
  t.regex(readFileSync(path.join(dropDir, 'rejected', 'evil-3.2.0.bcfw.reason.txt'), 'utf8'), /tampered/);
});

test('a bundle dropped while a camera sits in the dock (offload long done) reaches it: its bay runs again', async (t) => {
  const broker = await startAedes();
  const central = await makeCentral(broker);
  const dir = await tmpDir('fwdrop2-');
  t.teardown(async () => { await central.cleanup(); await broker.stop(); await rm(dir, { recursive: true, force: true }); });
  await central.start();
  const pki = makeFwPki();
  const pair = await startPtyPair();
  t.teardown(() => pair.stop());
  const camLine = await openSerialLine(pair.b);
  t.teardown(() => camLine.closeLine());
  const camera = makeCamera(pki, 'cam-43');
  const link = camera.start(camLine);
  t.teardown(() => link.close());
  const sim = new SimUsbHotplug();
  sim.dock(0, 'cam-43', pair.a);
  const tracked = trackDocked(sim);
  const journal = Journal.open(path.join(dir, 'journal.db'));
  const uploader = new Uploader({ ...dockAuthFor('dock-1'), mqtt: broker.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, chunkSize: 64 * 1024, statusTimeoutMs: 1000, log: quiet('up') });
  const events: AgentEvent[] = [];
  const fwEvents: FirmwareEvent[] = [];
  const dropDir = path.join(dir, 'drop');
  let agent!: DockAgent;
  const drop = new FirmwareDrop({
    dropDir, releaseKeys: pki.releaseKeys, log: quiet('fw'), usePolling: true,
    onEvent: (e) => { fwEvents.push(e); if (e.type === 'fw-ready') for (const d of tracked.docked()) agent.attach(d); },
  });
  agent = new DockAgent({
    spoolDir: path.join(dir, 'spool'), hotplug: tracked.hotplug, journal, uploader, centralPublicKey: central.publicKey, log: quiet('agent'),
    loadEpochs: async () => [], backoff: { initialMs: 100, maxMs: 500 }, onEvent: (e) => events.push(e),
    afterOffload: (s, signal) => drop.afterOffload(s, signal),
    async openSession(dev) {
      const line = await openSerialLine(dev.ttyPath);
      const s = await openCameraSession({ line, identity: pki.dock, caCertPem: pki.ca.certPem });
      const close = s.close.bind(s);
      return Object.assign(s, { close: async () => { await close(); await line.closeLine(); } });
    },
  });
  t.teardown(async () => { await drop.stop(); await agent.stop(); await uploader.close(); journal.close(); });
  await drop.start();
  await agent.start();
  const until = async (what: string, ok: () => boolean) => {
    for (const end = Date.now() + 30_000; !ok(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) throw new Error(`timed out: ${what} ${JSON.stringify(fwEvents)}`);
  };
  await until('first bay done', () => events.some((e) => e.type === 'bay-done'));
  await agent.idle();
  t.is(camera.status().version, '0.0.0');
  const bundle = makeBundle(pki, '1.5.0', { bytes: 100_000 });
  copyFileSync(bundle.path, path.join(dropDir, 'bodycam-1.5.0.bcfw'));
  await until('staged', () => fwEvents.some((e) => e.type === 'fw-staged'));
  await agent.idle();
  t.like(fwEvents.find((e) => e.type === 'fw-staged'), { deviceId: 'cam-43', version: '1.5.0', outcome: 'installed' });
  t.is(camera.status().version, '1.5.0');
  t.is(events.filter((e) => e.type === 'bay-done').length, 2);
});

test('a bundle a camera refuses is not offered to it again until the file changes', async (t) => {
  const pki = makeFwPki();
  const { generateKeyPairSync } = await import('node:crypto');
  const otherKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
  // The camera trusts another release key than the dock does.
  const camera = makeCamera({ ...pki, releaseKeys: { 'release-9': otherKey } }, 'cam-44');
  const [dockLine, camLine] = await openMockPair();
  t.teardown(() => dockLine.closeLine());
  t.teardown(() => camLine.closeLine());
  const link = camera.start(camLine);
  t.teardown(() => link.close());
  const dir = await tmpDir('fwdrop3-');
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const fwEvents: FirmwareEvent[] = [];
  const drop = new FirmwareDrop({ dropDir: dir, releaseKeys: pki.releaseKeys, log: quiet('fw'), onEvent: (e) => fwEvents.push(e) });
  const bundle = makeBundle(pki, '2.0.0', { bytes: 20_000 });
  const file = path.join(dir, 'b.bcfw');
  copyFileSync(bundle.path, file);
  drop.consider(file);
  const s = await openCameraSession({ line: dockLine, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s.close());
  await drop.afterOffload(s);
  await drop.afterOffload(s);
  const staged = fwEvents.filter((e) => e.type === 'fw-staged');
  t.is(staged.length, 1);
  t.like(staged[0], { outcome: 'refused', deviceId: 'cam-44' });
  t.regex(String((staged[0] as { reason?: string }).reason), /untrusted-key/);
  drop.consider(file); // the file changed (re-verified): offered again
  await drop.afterOffload(s);
  t.is(fwEvents.filter((e) => e.type === 'fw-staged').length, 2);
});
