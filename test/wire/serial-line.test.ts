// The same protocol over real lines: a socat pty pair opened with serialport on both ends (with bit
// errors and dropped frames injected), and two cross-connected @serialport/binding-mock ports.
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { FaultyLine } from '../../hardware-sim/faulty-line.js';
import { openMockPair, startPtyPair } from '../../hardware-sim/serial.js';
import { openSerialLine } from '../../shared/serial-port.js';
import { FakeVault, makePki, startCamera, ptyLines } from './helpers.js';

const pki = makePki();


test('clip pull over a socat pty with BER 1e-4 and 2% dropped frames is hash-exact', async (t) => {
  const { dock, cam } = await ptyLines(t);
  const vault = new FakeVault();
  const data = vault.add('clip-noisy', 150_000);
  // Faults on the camera's end: corrupts both the requests it reads and the responses it writes.
  const noisy = new FaultyLine(cam, { ber: 1e-4, dropRate: 0.02, seed: 42 });
  const link = startCamera(noisy, pki, vault);
  t.teardown(() => link.close());
  const s = await openCameraSession({ line: dock, identity: pki.dock, caCertPem: pki.ca.certPem, timeoutMs: 150, retries: 40 });
  t.teardown(() => s.close());
  const [clip] = await s.listClips();
  const dest = join(mkdtempSync(join(tmpdir(), 'pty-')), 'c.bin');
  await s.pullClip(clip!, dest);
  t.true(readFileSync(dest).equals(data));
  t.true(noisy.stats.bitsFlipped > 0 && noisy.stats.chunksDropped > 0, JSON.stringify(noisy.stats));
  t.true(s.stats.retransmits > 0);
  t.log(JSON.stringify({ faults: noisy.stats, rpc: s.stats }));
});

test('line cut mid-transfer: a new session resumes from the partial file', async (t) => {
  const { pair, dock, cam } = await ptyLines(t);
  const vault = new FakeVault();
  const data = vault.add('clip-long', 3 * 1024 * 1024);
  const link = startCamera(cam, pki, vault);
  t.teardown(() => link.close());
  const s1 = await openCameraSession({ line: dock, identity: pki.dock, caCertPem: pki.ca.certPem, timeoutMs: 300, retries: 1 });
  const [clip] = await s1.listClips();
  const dest = join(mkdtempSync(join(tmpdir(), 'pty-')), 'c.bin');
  let cut = false;
  const first = s1.pullClip(clip!, dest, (n) => {
    if (!cut && n >= 1024 * 1024) {
      cut = true;
      void pair.stop(); // the guard pulls the camera out of the dock
    }
  });
  await t.throwsAsync(first);
  const partial = statSync(dest).size;
  t.true(partial >= 1024 * 1024 && partial < data.length, `partial ${partial}`);
  t.true(readFileSync(dest).equals(data.subarray(0, partial)));
  await link.close();
  await Promise.all([dock.closeLine(), cam.closeLine()]);

  // Redock: a new pty pair, new session, same destination file.
  const again = await ptyLines(t);
  const link2 = startCamera(again.cam, pki, vault);
  t.teardown(() => link2.close());
  const s2 = await openCameraSession({ line: again.dock, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s2.close());
  const progress: number[] = [];
  await s2.pullClip(clip!, dest, (n) => progress.push(n));
  t.is(progress[0], partial, 'resumed from the verified prefix');
  t.true(readFileSync(dest).equals(data));
  t.log(JSON.stringify(s2.stats));
  t.true(s2.stats.requests < 3 * 16 + 10, 'did not re-read the prefix');
});

test('a partial file that does not match the camera is discarded and pulled from zero', async (t) => {
  const { dock, cam } = await ptyLines(t);
  const vault = new FakeVault();
  const data = vault.add('clip-x', 100_000);
  const link = startCamera(cam, pki, vault);
  t.teardown(() => link.close());
  const s = await openCameraSession({ line: dock, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s.close());
  const dest = join(mkdtempSync(join(tmpdir(), 'pty-')), 'c.bin');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(dest, Buffer.alloc(5000, 0xee));
  const progress: number[] = [];
  await s.pullClip((await s.listClips())[0]!, dest, (n) => progress.push(n));
  t.is(progress[0], 0);
  t.true(readFileSync(dest).equals(data));
});

test('same protocol over @serialport/binding-mock ports', async (t) => {
  const [dock, cam] = await openMockPair();
  t.teardown(() => dock.closeLine());
  t.teardown(() => cam.closeLine());
  const vault = new FakeVault();
  const data = vault.add('clip-m', 300_000);
  const link = startCamera(cam, pki, vault);
  t.teardown(() => link.close());
  const s = await openCameraSession({ line: dock, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s.close());
  const [clip] = await s.listClips();
  const dest = join(mkdtempSync(join(tmpdir(), 'mock-')), 'c.bin');
  await s.pullClip(clip!, dest);
  t.true(readFileSync(dest).equals(data));
});

test('a tty line: bytes both ways; closeLine returns once the port and its lock are released (the same tty opens again at once)', async (t) => {
  const pair = await startPtyPair();
  t.teardown(() => pair.stop());
  for (let i = 0; i < 5; i++) {
    const [a, b] = await Promise.all([openSerialLine(pair.a), openSerialLine(pair.b)]);
    const got = new Promise<Buffer>((resolve) => { const parts: Buffer[] = []; let n = 0; b.on('data', (d: Buffer) => { parts.push(d); n += d.length; if (n >= 300_000) resolve(Buffer.concat(parts)); }); });
    const sent = Buffer.alloc(300_000, i);
    a.write(sent);
    t.true((await got).equals(sent));
    // A second close of the port while the first runs answers "not open" at once: closeLine must not.
    await Promise.all([a.closeLine(), b.closeLine()]);
    t.deepEqual(fdsOn([pair.a, pair.b]), [], 'no descriptor (nor its lock) left on the ttys');
  }
});

function fdsOn(paths: string[]): string[] {
  return readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return ''; } }).filter((l) => paths.includes(l));
}
