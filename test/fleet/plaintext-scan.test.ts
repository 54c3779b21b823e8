import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTsRun, scanForPlaintext } from '../../hardware-sim/fleet/plaintext-scan.js';

function tsPackets(n: number): Buffer {
  const b = randomBytes(188 * n);
  for (let i = 0; i < n; i++) b[i * 188] = 0x47;
  return b;
}

test('finds TS packets embedded anywhere in random bytes', (t) => {
  const buf = Buffer.concat([randomBytes(1001), tsPackets(10), randomBytes(500)]);
  t.is(findTsRun(buf), 1001);
});

test('random bytes (like ciphertext) are not taken for TS', (t) => {
  const buf = randomBytes(4 * 1024 * 1024);
  t.is(findTsRun(buf), -1);
});

test('scans a directory tree for TS and secrets, naming file and offset', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'scan-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'clips'));
  const key = randomBytes(32);
  writeFileSync(join(dir, 'clips', 'a.bin'), randomBytes(10000));
  t.deepEqual(scanForPlaintext(dir, [key]), []);
  writeFileSync(join(dir, 'clips', 'b.bin'), Buffer.concat([randomBytes(7), key]));
  writeFileSync(join(dir, 'c.bin'), tsPackets(9));
  const found = scanForPlaintext(dir, [key]).map((f) => ({ ...f, file: f.file.slice(dir.length) }));
  t.deepEqual(found.sort((a, b) => a.file.localeCompare(b.file)), [
    { file: '/c.bin', offset: 0, what: 'mpeg-ts' },
    { file: '/clips/b.bin', offset: 7, what: 'secret' },
  ]);
});
