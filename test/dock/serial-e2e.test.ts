// The whole dock path with real parts: two cameras' dock links (firmware/dock-link.ts) on socat pty
// pairs, the dock's real serial sessions, the agent, real mosquitto and the central ingest.
import test from 'ava';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DockAgent, type AgentEvent } from '../../dock-agent/agent.js';
import { Journal } from '../../dock-agent/journal.js';
import { openSerialLine } from '../../shared/serial-port.js';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { startDockLink } from '../../firmware/dock-link.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { SimUsbHotplug } from '../../hardware-sim/usb.js';
import type { SignedDocument } from '../../shared/evidence.js';
import { verifyReceipt } from '../../shared/receipt-check.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { deviceLogIn, incidentsIn, wipeCertsIn } from '../helpers/index-read.js';
import { blobBytes, makeCentral, quiet, tmpDir } from '../mqtt/setup.js';
import { FakeVault, fakeLog } from '../wire/helpers.js';
import { cameraIdentity, dockAuthFor, dockIdentity, testCa } from '../helpers/pki.js';

test('two cameras over socat ptys → dock agent → mosquitto → central: delivered, receipted, wiped', async (t) => {
  const b = await startMosquitto();
  const central = await makeCentral(b);
  const dir = await tmpDir('e2e-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(dir, { recursive: true, force: true }); });
  await central.start();
  // The test organisation's CA (the broker's): central verifies the cameras' and the dock's certificates to it.
  const pki = { ca: testCa(), dock: dockIdentity('dock-1') };
  const hotplug = new SimUsbHotplug();
  const originals = new Map<string, Buffer>();
  const vaults: FakeVault[] = [];
  for (const [bay, id] of ['cam-7', 'cam-8'].entries()) {
    const pair = await startPtyPair();
    t.teardown(() => pair.stop());
    const camLine = await openSerialLine(pair.b);
    t.teardown(() => camLine.closeLine());
    const identity = cameraIdentity(id);
    const vault = new FakeVault(id, identity.keyPem);
    const wipe = vault.wipe.bind(vault);
    const kept = new Map<string, { receiptBody: string; cert: SignedDocument }>();
    // The camera checks the receipt with the central store's key, and answers a WIPE repeated after a
    // cut session with the certificate it kept, as the real vault does.
    vault.wipe = async (clipId, receipt) => {
      const k = kept.get(clipId);
      if (k && k.receiptBody === receipt.body) return k.cert;
      const c = vault.list().find((x) => x.clipId === clipId);
      if (!c) throw new Error(`no clip ${clipId}`);
      verifyReceipt(receipt, central.publicKey, { clipId, deviceId: c.deviceId, sha256: c.sha256!, bytes: c.bytes });
      const cert = await wipe(clipId, receipt);
      kept.set(clipId, { receiptBody: receipt.body, cert });
      return cert;
    };
    for (let i = 0; i < 2; i++) originals.set(`${id}-clip-${i}`, vault.addSigned(`${id}-clip-${i}`, 120_000 + i));
    vaults.push(vault);
    const link = startDockLink({ line: camLine, identity, caCertPem: pki.ca.certPem, vault, log: fakeLog(2) });
    t.teardown(() => link.close());
    hotplug.dock(bay, id, pair.a);
  }
  const journal = Journal.open(path.join(dir, 'journal.db'));
  const uploader = new Uploader({ ...dockAuthFor('dock-1'), mqtt: b.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, chunkSize: 128 * 1024, statusTimeoutMs: 1000, log: quiet('up') });
  const events: AgentEvent[] = [];
  // Done when both bays finished and all four certificates are at central. No wall-clock window: on a
  // loaded machine (full runs) the same work takes many times longer, and a fixed 30 s failed once.
  // What can never finish fails at once: a certificate given up for lost.
  let finished!: () => void;
  let lost!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => { finished = resolve; lost = reject; });
  const onEvent = (e: AgentEvent) => {
    events.push(e);
    if (e.type === 'wipe-unanswered') lost(new Error(`certificate of ${e.clipId} lost: ${JSON.stringify(events)}`));
    if (events.filter((x) => x.type === 'bay-done').length >= 2 && events.filter((x) => x.type === 'cert-forwarded').length >= 4) finished();
  };
  const agent = new DockAgent({
    spoolDir: path.join(dir, 'spool'), hotplug, journal, uploader, centralPublicKey: central.publicKey, log: quiet('agent'),
    loadEpochs: async () => [], backoff: { initialMs: 100, maxMs: 500 }, onEvent,
    async openSession(dev) {
      const line = await openSerialLine(dev.ttyPath);
      const s = await openCameraSession({ line, identity: pki.dock, caCertPem: pki.ca.certPem });
      const close = s.close.bind(s);
      return Object.assign(s, { close: async () => { await close(); await line.closeLine(); } });
    },
  });
  t.teardown(async () => { await agent.stop(); await uploader.close(); journal.close(); });
  await agent.start();
  await done;
  await agent.idle();
  for (const v of vaults) t.is(v.clips.size, 0, `${v.deviceId} wiped`);
  for (const [id, data] of originals) t.true((await blobBytes(central, id)).equals(data), id);
  t.is((await wipeCertsIn(central.db)).filter((c) => c.receiptMatches && c.signatureVerified).length, 4);
  t.is((await deviceLogIn(central.db)).filter((e) => e.chainOk).length, 4);
  t.deepEqual(await incidentsIn(central.db), []);
  t.deepEqual(journal.all(), []);
});
