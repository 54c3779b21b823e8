// A pull failing while an earlier clip of the same docking is still being delivered: the bay's session
// closes, and that delivery's wipe then fails on the closed session. Found by the large chaos campaign,
// where the rejection went unhandled and killed the dock agent process. Now the bay retries, and the
// next session wipes both clips (ava fails a test on any unhandled rejection).
import test from 'ava';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { DockAgent, type AgentEvent } from '../../dock-agent/agent.js';
import { Journal } from '../../dock-agent/journal.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { startAedes } from '../helpers/aedes.js';
import { makeCentral, quiet, tmpDir } from '../mqtt/setup.js';
import { FakeCamera, FakeHotplug, device } from './fakes.js';
import { dockAuthFor } from '../helpers/pki.js';

test('a pull failing while an earlier clip is in delivery: no crash, the next session delivers and wipes both', async (t) => {
  const broker = await startAedes();
  const central = await makeCentral(broker);
  const dir = await tmpDir('dock-');
  t.teardown(async () => { await central.cleanup(); await broker.stop(); await rm(dir, { recursive: true, force: true }); });
  await central.start();
  const journal = Journal.open(path.join(dir, 'journal.db'));
  const uploader = new Uploader({ ...dockAuthFor('dock-1'), mqtt: broker.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, chunkSize: 64 * 1024, statusTimeoutMs: 500, log: quiet('up') });
  const cam = new FakeCamera('cam-a', central.publicKey);
  const first = cam.addClip(300_000);
  const second = cam.addClip(100_000);
  let sessions = 0;
  const hotplug = new FakeHotplug();
  const events: AgentEvent[] = [];
  const agent = new DockAgent({
    spoolDir: path.join(dir, 'spool'), hotplug, journal, uploader, centralPublicKey: central.publicKey,
    openSession: async () => {
      const s = cam.session();
      if (++sessions > 1) return s;
      // First docking: the line dies as the second clip's pull starts, while the first is uploading.
      return { ...s, pullClip: (clip, dest, p) => (clip.clipId === second.clipId ? Promise.reject(new Error('serial line closed')) : s.pullClip(clip, dest, p)) };
    },
    loadEpochs: async () => [],
    backoff: { initialMs: 300, maxMs: 300 }, log: quiet('agent'), onEvent: (e) => events.push(e),
  });
  t.teardown(async () => { await agent.stop(); await uploader.close(); journal.close(); });
  await agent.start();
  hotplug.attach(device(0, 'cam-a'));
  const end = Date.now() + 20_000;
  while (cam.clips.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  await agent.idle();
  t.is(cam.clips.size, 0, 'both clips wiped');
  t.true(sessions >= 2);
  t.true(events.some((e) => e.type === 'bay-error'));
  t.deepEqual(events.filter((e) => e.type === 'wiped').map((e) => (e as { clipId: string }).clipId).sort(), [first.clipId, second.clipId].sort());
});
