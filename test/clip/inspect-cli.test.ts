// `bodycam clip inspect` / `decrypt` as docs/clip-format.md §8 documents them: inspect says plainly the
// metadata it shows is not authenticated; exit codes 0 done, 1 bad file, 2 usage, 3 clip refused.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { rsaPair, tempDir, writeClip } from './helpers.js';

const key = rsaPair();
const clipCli = (...args: string[]) => spawnSync(process.execPath, [resolve('bin/bodycam.js'), 'clip', ...args], { encoding: 'utf8', timeout: 60_000 });

test('inspect: metadata shown as not authenticated; exit codes 0, 1, 2, 3 as documented', async (t) => {
  const dir = tempDir(t);
  const clip = join(dir, 'c.bcc');
  await writeClip(clip, key.publicKey, 2);
  const ok = clipCli('inspect', clip);
  t.is(ok.status, 0, ok.stderr);
  const j = JSON.parse(ok.stdout) as { metadataAuthenticated: boolean; note: string; meta: { clipId: string } };
  t.is(j.metadataAuthenticated, false);
  t.regex(j.note, /^metadata NOT authenticated/);
  t.regex(ok.stderr, /^note: metadata NOT authenticated/);
  t.is(j.meta.clipId, 'clip-1');

  writeFileSync(join(dir, 'junk.bcc'), 'not a clip at all');
  const bad = clipCli('inspect', join(dir, 'junk.bcc'));
  t.is(bad.status, 1);
  t.regex(bad.stderr, /bad-magic/);
  t.is(clipCli('inspect').status, 2);
  t.is(clipCli('decrypt', clip).status, 2);

  const pem = join(dir, 'k.pem');
  writeFileSync(pem, key.privateKey);
  const cut = join(dir, 'cut.bcc');
  writeFileSync(cut, readFileSync(clip).subarray(0, -20));
  const refused = clipCli('decrypt', '--key', pem, cut, '-o', join(dir, 'out.ts'));
  t.is(refused.status, 3);
  t.regex(refused.stderr, /^clip refused \(truncated\)/);
  t.false(existsSync(join(dir, 'out.ts')));
});
