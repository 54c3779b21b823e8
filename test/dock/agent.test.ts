import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { DockAgent, type AgentEvent } from '../../dock-agent/agent.js';
import { Journal } from '../../dock-agent/journal.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { clipIn, deviceLogIn, wipeCertsIn } from '../helpers/index-read.js';
import type { CameraSession } from '../../dock-agent/types.js';
import { startAedes } from '../helpers/aedes.js';
import { blobBytes, makeCentral, quiet, tmpDir } from '../mqtt/setup.js';
import { FakeCamera, FakeHotplug, device } from './fakes.js';
import { dockAuthFor } from '../helpers/pki.js';

async function setup(t: import('ava').ExecutionContext, opts: { rogueCentral?: boolean } = {}) {
  const broker = await startAedes();
  const central = await makeCentral(broker);
  const dir = await tmpDir('dock-');
  t.teardown(async () => { await central.cleanup(); await broker.stop(); await rm(dir, { recursive: true, force: true }); });
  await central.start(opts.rogueCentral ? { receiptKey: generateKeyPairSync('ed25519').privateKey } : {});
  const journal = Journal.open(path.join(dir, 'journal.db'));
  const uploader = new Uploader({ ...dockAuthFor('dock-1'), mqtt: broker.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, chunkSize: 64 * 1024, statusTimeoutMs: 500, log: quiet('up') });
  const hotplug = new FakeHotplug();
  const cameras = new Map<string, FakeCamera>();
  const sessions: CameraSession[] = [];
  const events: AgentEvent[] = [];
  const agent = new DockAgent({
    spoolDir: path.join(dir, 'spool'), hotplug, journal, uploader, centralPublicKey: central.publicKey,
    openSession: async (d) => { const s = cameras.get(d.serialNumber)!.session(); sessions.push(s); return s; },
    loadEpochs: async () => [{ body: '{"kind":"evidence-epoch"}', sig: 'x', keyId: 'k' }],
    backoff: { initialMs: 100, maxMs: 400 }, log: quiet('agent'), onEvent: (e) => events.push(e),
  });
  t.teardown(async () => { await agent.stop(); await uploader.close(); journal.close(); });
  const camera = (id: string) => { const c = new FakeCamera(id, central.publicKey); cameras.set(id, c); return c; };
  return { central, journal, hotplug, agent, camera, events, dir };
}

const until = async (cond: () => boolean, ms = 20000) => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error('timed out waiting'); await new Promise((r) => setTimeout(r, 20)); }
};

test('two bays at once: every clip delivered, wiped only after the central store has it, certificates and log forwarded', async (t) => {
  const { central, journal, hotplug, agent, camera, events, dir } = await setup(t);
  const cams = [camera('cam-a'), camera('cam-b')];
  const originals = new Map<string, Buffer>();
  for (const c of cams) for (const n of [200_000, 65_536, 1_000]) { const s = c.addClip(n); originals.set(s.clipId, c.clips.get(s.clipId)!.data); }
  for (const c of cams) c.beforeWipe = async (clipId) => { if (!await clipIn(central.db, clipId)) throw new Error('wipe before the clip is indexed'); };
  await agent.start();
  hotplug.attach(device(0, 'cam-a'));
  hotplug.attach(device(1, 'cam-b'));
  await until(() => events.filter((e) => e.type === 'cert-forwarded').length === 6 && events.filter((e) => e.type === 'log-forwarded').length === 2);
  await agent.idle();
  for (const c of cams) {
    t.is(c.clips.size, 0, `${c.deviceId} is empty`);
    t.deepEqual(c.calls.slice(0, 3), ['setClock', 'installEpochs', 'listClips']);
    t.is(c.epochs.length, 1);
    for (const n of c.pulls.values()) t.is(n, 1);
  }
  for (const [clipId, data] of originals) t.true((await blobBytes(central, clipId)).equals(data));
  const certs = await wipeCertsIn(central.db);
  t.is(certs.length, 6);
  t.true(certs.every((c) => c.receiptMatches));
  t.is((await deviceLogIn(central.db)).filter((e) => e.chainOk).length, 6, 'hash chains verified');
  t.deepEqual(journal.all(), [], 'journal rows removed once done');
  t.deepEqual(await readdir(path.join(dir, 'spool')), [], 'spool securely emptied');
});

test('receipt from a key the dock does not trust: nothing is wiped', async (t) => {
  const { hotplug, agent, camera, events, journal } = await setup(t, { rogueCentral: true });
  const cam = camera('cam-a');
  const clip = cam.addClip(100_000);
  await agent.start();
  hotplug.attach(device(0, 'cam-a'));
  await until(() => events.some((e) => e.type === 'pulled'));
  await new Promise((r) => setTimeout(r, 1500));
  t.false(cam.calls.some((c) => c.startsWith('wipe:')));
  t.true(cam.clips.has(clip.clipId));
  t.is(journal.get(clip.clipId)?.state, 'uploading');
  t.is(journal.get(clip.clipId)?.receipt, null);
});

test('undock mid-transfer stops the bay; redock resumes without re-pulling finished clips', async (t) => {
  const { hotplug, agent, camera, events } = await setup(t);
  const cam = camera('cam-a');
  const clips = [cam.addClip(300_000), cam.addClip(2_000_000), cam.addClip(50_000)];
  cam.pullDelayMs = 15;
  await agent.start();
  hotplug.attach(device(0, 'cam-a'));
  await until(() => events.some((e) => e.type === 'pulled' && e.clipId === clips[0].clipId));
  await new Promise((r) => setTimeout(r, 100)); // in the middle of the second, slow pull
  hotplug.detach(device(0, 'cam-a'));
  await until(() => cam.calls.filter((c) => c === `pull:${clips[1].clipId}`).length === 1);
  const callsAtUndock = cam.calls.length;
  await new Promise((r) => setTimeout(r, 500));
  t.is(cam.calls.length, callsAtUndock, 'no camera calls after undock');
  t.true(cam.clips.size >= 2, 'the partly pulled clip is still on the camera');
  cam.pullDelayMs = 0;
  hotplug.attach(device(0, 'cam-a'));
  await until(() => events.filter((e) => e.type === 'cert-forwarded').length === 3);
  t.is(cam.clips.size, 0);
  t.is(cam.pulls.get(clips[0].clipId), 1, 'finished clip not pulled again');
  t.is(cam.pulls.get(clips[1].clipId), 2, 'interrupted clip resumed once');
  t.is(cam.pulls.get(clips[2].clipId), 1);
});
