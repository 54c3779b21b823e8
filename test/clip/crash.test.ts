// kill -9 of a process mid-recording: after recovery the clip is 'truncated' and decrypts to every
// segment that was reported durable (at most one more, never a torn one).
import test from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decryptBuffer } from '../../shared/clip/reader.js';
import { plainSegment, tempDir } from './helpers.js';
import { evidence, openVault } from './vault-helpers.js';

test('SIGKILL mid-recording loses at most the segment being written', async (t) => {
  const dir = tempDir(t);
  const pub = join(dir, 'evidence.pub.pem');
  writeFileSync(pub, evidence.publicKey);
  const child = spawn(process.execPath, ['--import=tsx', fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url)), dir, pub], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  let clipId = '';
  let durable = -1;
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('child produced no segments')), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const m of buf.matchAll(/clip (\S+)\n/g)) clipId = m[1]!;
      for (const m of buf.matchAll(/seg (\d+)\n/g)) durable = Math.max(durable, Number(m[1]));
      if (durable >= 12) {
        child.kill('SIGKILL');
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => resolve());
  });
  await new Promise((r) => (child.exitCode !== null || child.signalCode ? r(null) : child.on('exit', r)));
  t.true(durable >= 12);

  const { vault, log } = openVault(dir);
  t.teardown(() => (vault.close(), log.close()));
  const rec = await vault.recover();
  t.is(rec.length, 1);
  t.is(rec[0]!.clipId, clipId);
  t.is(rec[0]!.state, 'truncated');
  const file = readFileSync(join(dir, 'clips', `${clipId}.bcc`));
  t.is(rec[0]!.bytes, file.length);
  const { stats, plaintext } = decryptBuffer(file, evidence.privateKey, { allowTruncated: true });
  t.true(stats.truncated);
  t.true(stats.segments >= durable + 1 && stats.segments <= durable + 2, `durable ${durable + 1}, recovered ${stats.segments}`);
  const expected = Buffer.concat(Array.from({ length: stats.segments }, (_, i) => plainSegment(i, 64 * 1024, 'crash')));
  t.deepEqual(plaintext, expected);
});
