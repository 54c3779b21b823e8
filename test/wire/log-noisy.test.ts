// Device log collection over a noisy line: a page of the whole log in one frame never crosses a BER 1e-4
// line intact, so the dock asks for smaller pages (GET_LOG maxBytes) until they get through.
import test from 'ava';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { FaultyLine } from '../../hardware-sim/faulty-line.js';
import { FakeVault, fakeLog, makePki, startCamera, ptyLines } from './helpers.js';

const pki = makePki();


test('a 400-entry device log is collected whole over a socat pty at BER 1e-4', async (t) => {
  const { dock, cam } = await ptyLines(t);
  const log = fakeLog(400);
  const noisy = new FaultyLine(cam, { ber: 1e-4, dropRate: 0.01, seed: 7 });
  const link = startCamera(noisy, pki, new FakeVault(), { log });
  t.teardown(() => link.close());
  const s = await openCameraSession({ line: dock, identity: pki.dock, caCertPem: pki.ca.certPem, timeoutMs: 150, retries: 40 });
  t.teardown(() => s.close());
  const entries = await s.fetchLog(0);
  t.deepEqual(entries.map((e) => e.seq), log.since(0).map((e) => e.seq));
  t.true(noisy.stats.bitsFlipped > 0, JSON.stringify(noisy.stats));
  t.log(JSON.stringify({ faults: noisy.stats, rpc: s.stats }));
});

test('the camera honours maxBytes but always sends one entry', async (t) => {
  const { dock, cam } = await ptyLines(t);
  const link = startCamera(cam, pki, new FakeVault(), { log: fakeLog(50) });
  t.teardown(() => link.close());
  const s = await openCameraSession({ line: dock, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s.close());
  const { MsgType, decodeJson, encodeJson } = await import('../../shared/wire/messages.js');
  const ask = async (maxBytes: number) => decodeJson<{ entries: unknown[]; more: boolean }>(await s.rpc.request(MsgType.GET_LOG, encodeJson({ sinceSeq: 0, maxBytes })), 'GET_LOG');
  const one = await ask(1);
  t.is(one.entries.length, 1);
  t.true(one.more);
  const some = await ask(1000);
  t.true(some.entries.length > 1 && some.entries.length < 50, String(some.entries.length));
  t.true((await ask(1 << 20)).entries.length === 50);
});
