// On a noisy line (BER 1e-4) the READ size a pull adapted to is kept for the next clip of the same
// session: the second clip no longer starts at 64 KiB and pays for the descent again. Measured as the
// bytes that crossed the line per clip byte (the line is seeded; the margin is wide).
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { FaultyLine } from '../../hardware-sim/faulty-line.js';
import { duplexPair } from '../../hardware-sim/serial.js';
import { FakeVault, makePki, startCamera } from './helpers.js';

const pki = makePki();

test('the second clip on a noisy line starts at the adapted READ size: far fewer bytes on the line', async (t) => {
  const [dockEnd, camEnd] = duplexPair();
  const vault = new FakeVault();
  const a = vault.add('clip-a', 120_000);
  const b = vault.add('clip-b', 120_000);
  const noisy = new FaultyLine(camEnd, { ber: 1e-4, seed: 7 });
  const link = startCamera(noisy, pki, vault);
  t.teardown(() => link.close());
  const s = await openCameraSession({ line: dockEnd, identity: pki.dock, caCertPem: pki.ca.certPem, timeoutMs: 300, retries: 40 });
  t.teardown(() => s.close());
  const dir = mkdtempSync(join(tmpdir(), 'adapt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clips = await s.listClips();
  const pull = async (id: string) => {
    const before = noisy.stats.bytes;
    await s.pullClip(clips.find((c) => c.clipId === id)!, join(dir, id));
    return noisy.stats.bytes - before;
  };
  const first = await pull('clip-a');
  const second = await pull('clip-b');
  t.true(readFileSync(join(dir, 'clip-a')).equals(a));
  t.true(readFileSync(join(dir, 'clip-b')).equals(b));
  t.log({ firstBytesOnLine: first, secondBytesOnLine: second });
  t.true(second * 2 < first, `second pull moved ${second} bytes, first ${first}`);
});
