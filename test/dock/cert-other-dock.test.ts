// A camera's wipe certificate survives the camera moving to another dock before the first one took it:
// the real firmware process (vault, dock link) over socat ptys, two dock agents with their own
// journals, real mosquitto and the central ingest. Dock 1 has the clip receipted and the camera
// wipes it, but the WIPE answer never reaches dock 1 (line cut); the camera then docks at dock 2,
// which has never heard of the clip. Dock 2 must take the certificate the camera kept to central
// before it forwards the device log whose receipt lets the camera drop it.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DockAgent, type AgentEvent } from '../../dock-agent/agent.js';
import { Journal } from '../../dock-agent/journal.js';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import type { CameraSession } from '../../dock-agent/types.js';
import type { SignedDocument } from '../../shared/evidence.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { startCameraProcess } from '../../hardware-sim/camera-process.js';
import { identityFor } from '../../hardware-sim/broker-pki.js';
import { createFleetPki, provisionCamera } from '../../hardware-sim/fleet/pki.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { SimUsbHotplug } from '../../hardware-sim/usb.js';
import { openSerialLine } from '../../shared/serial-port.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { wipeCertIn } from '../helpers/index-read.js';
import { makeCentral, quiet } from '../mqtt/setup.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the camera moves to another dock before the first one took its wipe certificate: the second dock delivers it', async (t) => {
  const pki = createFleetPki();
  const b = await startMosquitto({ ca: pki.ca });
  const central = await makeCentral(b);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cert-move-'));
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(dir, { recursive: true, force: true }); });
  await central.start();
  const trustDir = path.join(dir, 'trust');
  provisionCamera({ ...pki, receiptKey: { privateKey: central.privateKey, publicKey: central.publicKey } }, trustDir, 'cam-mv');
  const cam = await startCameraProcess(dir, {
    deviceId: 'cam-mv', purpose: 'guarding', hal: 'sim', prerecordSeconds: 1,
    paths: { flashDir: path.join(dir, 'flash'), trustDir }, camera: { synthetic: true, fps: 10, gop: 5, bitrateKbps: 200 },
  });
  t.teardown(() => cam.kill9());
  await cam.send({ op: 'press' });
  await sleep(1500);
  await cam.send({ op: 'long-press' });

  /** A dock: its own journal, uploader and bay; `cut` wraps its camera sessions. */
  const startDock = (dockId: string, cut?: (s: CameraSession, undock: () => void) => CameraSession) => {
    const identity = identityFor(pki.ca, 'dock', dockId);
    const journal = Journal.open(path.join(dir, `${dockId}.db`));
    const uploader = new Uploader({ mqtt: b.endpoint(dockId), dockId, identity, cameraCert: (id) => journal.cameraCert(id), centralPublicKey: central.publicKey, statusTimeoutMs: 1000, log: quiet('up') });
    const hotplug = new SimUsbHotplug();
    const events: AgentEvent[] = [];
    const waiters: { when: (e: AgentEvent[]) => boolean; resolve: () => void }[] = [];
    const agent = new DockAgent({
      spoolDir: path.join(dir, `${dockId}-spool`), hotplug, journal, uploader, centralPublicKey: central.publicKey, log: quiet('agent'),
      loadEpochs: async () => [], backoff: { initialMs: 100, maxMs: 500 },
      onEvent: (e) => { events.push(e); for (const w of [...waiters]) if (w.when(events)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); } },
      async openSession(dev) {
        const line = await openSerialLine(dev.ttyPath);
        const s = await openCameraSession({ line, identity, caCertPem: pki.ca.certPem });
        const close = s.close.bind(s);
        Object.assign(s, { close: async () => { await close(); await line.closeLine(); } });
        return cut ? cut(s, () => hotplug.undock(0)) : s;
      },
    });
    const stop = async () => { await agent.stop(); await uploader.close(); journal.close(); };
    t.teardown(stop);
    const until = (when: (e: AgentEvent[]) => boolean) => new Promise<void>((resolve) => {
      if (when(events)) resolve(); else waiters.push({ when, resolve });
    });
    /** Dock the camera on a fresh pty pair in bay 0. */
    const dock = async () => {
      const pty = await startPtyPair();
      t.teardown(() => pty.stop());
      await cam.send({ op: 'dock', tty: pty.b });
      hotplug.dock(0, 'cam-mv', pty.a);
    };
    return { agent, journal, events, until, dock, stop, undock: () => hotplug.undock(0) };
  };

  // Dock 1: the camera wipes the receipted clip, but the answer is lost with the line.
  let wipedClip = '';
  const dock1 = startDock('dock-1', (s, undock) => {
    const wipe = s.wipe.bind(s);
    return Object.assign(s, {
      wipe: async (clipId: string, receipt: SignedDocument): Promise<SignedDocument> => {
        await wipe(clipId, receipt);
        wipedClip = clipId;
        undock();
        throw new Error('line cut after the camera wiped');
      },
    });
  });
  await dock1.agent.start();
  await dock1.dock();
  await dock1.until((e) => e.some((x) => x.type === 'receipted'));
  await dock1.until(() => wipedClip !== '');
  await dock1.stop();
  t.truthy(wipedClip);
  t.is(dock1.events.filter((e) => e.type === 'cert-forwarded').length, 0, 'dock 1 never had the certificate');
  const certAt = async () => {
    const c = await wipeCertIn(central.db, wipedClip);
    return c && { sig: c.signatureVerified, rec: c.receiptMatches };
  };
  t.is(await certAt(), undefined);

  // Dock 2 never saw the clip: the certificate reaches central before the log that lets the camera drop it.
  const dock2 = startDock('dock-2');
  await dock2.agent.start();
  await dock2.dock();
  await dock2.until((e) => e.some((x) => x.type === 'log-forwarded'));
  t.deepEqual(await certAt(), { sig: true, rec: true });
  t.true(dock2.events.some((e) => e.type === 'cert-forwarded' && e.clipId === wipedClip));

  // The next docking relays central's log receipt: the camera drops the certificate, central keeps it.
  dock2.undock();
  await dock2.until((e) => e.filter((x) => x.type === 'bay-done').length >= 1);
  await dock2.agent.idle();
  await dock2.dock();
  await dock2.until((e) => e.filter((x) => x.type === 'bay-done').length >= 2);
  await dock2.stop();
  const pty = await startPtyPair();
  t.teardown(() => pty.stop());
  await cam.send({ op: 'dock', tty: pty.b });
  const line = await openSerialLine(pty.a);
  t.teardown(() => line.closeLine());
  const s = await openCameraSession({ line, identity: identityFor(pki.ca, 'dock', 'dock-2'), caCertPem: pki.ca.certPem });
  t.deepEqual(await s.keptWipeCertificates(), []);
  await s.close();
  t.deepEqual(await certAt(), { sig: true, rec: true });
});
