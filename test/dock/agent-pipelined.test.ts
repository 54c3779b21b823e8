// Pipelined deliveries take no upload slot, so one bay may run only two at once: with central away, a
// camera's further clips are still pulled to the spool and wait for an ordinary slot.
import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DockAgent, type AgentEvent } from '../../dock-agent/agent.js';
import type { GrowingSpool } from '../../dock-agent/growing-spool.js';
import { Journal } from '../../dock-agent/journal.js';
import type { SignedDocument } from '../../shared/evidence.js';
import { quiet, tmpDir } from '../mqtt/setup.js';
import { FakeCamera, FakeHotplug, device } from './fakes.js';

test('central away: two deliveries alongside pulls per bay, the other clips pulled and queued for a slot', async (t) => {
  const dir = await tmpDir('dock-pipe-');
  const journal = Journal.open(path.join(dir, 'journal.db'));
  const central = generateKeyPairSync('ed25519');
  const calls: { clipId: string; pipelined: boolean }[] = [];
  const never = new Promise<SignedDocument>(() => undefined);
  const uploader = {
    upload: (clip: { clipId: string }, _file: string, _p?: unknown, growing?: GrowingSpool) => { calls.push({ clipId: clip.clipId, pipelined: !!growing }); return never; },
    forwardWipeCert: async () => undefined,
    forwardDeviceLog: async () => -1,
  };
  const hotplug = new FakeHotplug();
  const cam = new FakeCamera('cam-a', central.publicKey);
  const clips = [cam.addClip(200_000), cam.addClip(150_000), cam.addClip(120_000), cam.addClip(100_000)];
  const events: AgentEvent[] = [];
  const agent = new DockAgent({
    spoolDir: path.join(dir, 'spool'), hotplug, journal, uploader, centralPublicKey: central.publicKey,
    openSession: async () => cam.session(), loadEpochs: async () => [], backoff: { initialMs: 100, maxMs: 400 }, log: quiet('agent'),
    onEvent: (e) => events.push(e),
  });
  t.teardown(async () => { await agent.stop(); journal.close(); await rm(dir, { recursive: true, force: true }); });
  await agent.start();
  hotplug.attach(device(0, 'cam-a'));
  const end = Date.now() + 20_000;
  while ((events.filter((e) => e.type === 'pulled').length < 4 || calls.length < 4) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  t.is(events.filter((e) => e.type === 'pulled').length, 4, 'every clip pulled to the spool');
  t.deepEqual(calls.filter((c) => c.pipelined).map((c) => c.clipId).sort(), [clips[0]!.clipId, clips[1]!.clipId].sort(), 'two alongside their pulls');
  t.deepEqual(calls.filter((c) => !c.pipelined).map((c) => c.clipId).sort(), [clips[2]!.clipId, clips[3]!.clipId].sort(), 'the rest from the spool, through slots');
  for (const c of clips.slice(2)) t.is(journal.get(c.clipId)?.state, 'uploading');
  t.is(cam.clips.size, 4, 'nothing wiped without a receipt');
});
