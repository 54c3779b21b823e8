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
import { verifyReceipt } from '../../shared/receipt-check.js';
import { startMosquitto } from '../helpers/mosquitto.js';
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
    // The camera checks the receipt with the central store's key, as the real vault does.
    vault.wipe = async (clipId, receipt) => {
      const c = vault.list().find((x) => x.clipId === clipId)!;
      verifyReceipt(receipt, central.publicKey, { clipId, deviceId: c.deviceId, sha256: c.sha256!, bytes: c.bytes });
      return wipe(clipId, receipt);
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
  const agent = new DockAgent({
    spoolDir: path.join(dir, 'spool'), hotplug, journal, uploader, centralPublicKey: central.publicKey, log: quiet('agent'),
    loadEpochs: async () => [], backoff: { initialMs: 100, maxMs: 500 }, onEvent: (e) => events.push(e),
    async openSession(dev) {
      const line = await openSerialLine(dev.ttyPath);
      const s = await openCameraSession({ line, identity: pki.dock, caCertPem: pki.ca.certPem });
      const close = s.close.bind(s);
      return Object.assign(s, { close: async () => { await close(); await line.closeLine(); } });
    },
  });
  t.teardown(async () => { await agent.stop(); await uploader.close(); journal.close(); });
  await agent.start();
  const end = Date.now() + 30000;
  while (events.filter((e) => e.type === 'bay-done').length < 2 || events.filter((e) => e.type === 'cert-forwarded').length < 4) {
    if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(events.slice(-12))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await agent.idle();
  for (const v of vaults) t.is(v.clips.size, 0, `${v.deviceId} wiped`);
  for (const [id, data] of originals) t.true((await blobBytes(central, id)).equals(data), id);
  t.is((central.db.prepare('SELECT COUNT(*) AS n FROM wipe_certificates WHERE receipt_matches = 1 AND signature_verified = 1').get() as { n: number }).n, 4);
  t.is((central.db.prepare('SELECT COUNT(*) AS n FROM device_log_entries WHERE chain_ok = 1').get() as { n: number }).n, 4);
  t.deepEqual(central.db.prepare('SELECT * FROM ingest_incidents').all(), []);
  t.deepEqual(journal.all(), []);
});
