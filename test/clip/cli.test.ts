// The clip CLI through the real `bodycam` entry point, as a user runs it.
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseClipBuffer } from '../../shared/clip/reader.js';
import { rsaPair, tempDir, writeClip } from './helpers.js';

const exec = promisify(execFile);
const key = rsaPair();

async function bodycam(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, ['--import=tsx', 'tools/bodycam.ts', 'clip', ...args], { timeout: 30_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('inspect, decrypt, tamper and truncation through the CLI', async (t) => {
  const dir = tempDir(t);
  const clip = join(dir, 'c.bcc');
  const pem = join(dir, 'key.pem');
  writeFileSync(pem, key.privateKey);
  const segs = await writeClip(clip, key.publicKey, 3);
  const buf = readFileSync(clip);

  const [ins, ok] = await Promise.all([bodycam('inspect', clip), bodycam('decrypt', '--key', pem, clip, '-o', join(dir, 'out.ts'))]);
  t.is(ins.code, 0, ins.stderr);
  const j = JSON.parse(ins.stdout) as { meta: { clipId: string; epochId: string }; segmentFrames: number; keyId: string };
  t.is(j.meta.clipId, 'clip-1');
  t.is(j.meta.epochId, 'epoch-1');
  t.is(j.segmentFrames, 4);
  const wrap = parseClipBuffer(buf).header.wrappedKey;
  t.false(ins.stdout.includes(wrap.toString('hex').slice(0, 24)) || ins.stdout.includes(wrap.toString('base64').slice(0, 24)), 'inspect leaks the wrapped key');
  t.is(ok.code, 0, ok.stderr);
  t.deepEqual(readFileSync(join(dir, 'out.ts')), Buffer.concat(segs));

  const s = parseClipBuffer(buf);
  const bad = Buffer.from(buf);
  bad[s.frames[1]!.offset + 40] ^= 1;
  writeFileSync(join(dir, 'bad.bcc'), bad);
  writeFileSync(join(dir, 'cut.bcc'), buf.subarray(0, s.frames[2]!.offset + 10));
  const [tam, cut, rescue] = await Promise.all([
    bodycam('decrypt', '--key', pem, join(dir, 'bad.bcc'), '-o', join(dir, 'bad.ts')),
    bodycam('decrypt', '--key', pem, join(dir, 'cut.bcc'), '-o', join(dir, 'cut.ts')),
    bodycam('decrypt', '--key', pem, join(dir, 'cut.bcc'), '-o', join(dir, 'rescued.ts'), '--allow-truncated'),
  ]);
  t.not(tam.code, 0);
  t.regex(tam.stderr, /tampered: segment 1/);
  t.false(existsSync(join(dir, 'bad.ts')));
  t.not(cut.code, 0);
  t.regex(cut.stderr, /truncated.*segment 2 is torn/);
  t.false(existsSync(join(dir, 'cut.ts')));
  t.is(rescue.code, 0, rescue.stderr);
  t.regex(rescue.stderr, /warning: truncated/);
  t.deepEqual(readFileSync(join(dir, 'rescued.ts')), Buffer.concat(segs.slice(0, 2)));

  const other = rsaPair();
  writeFileSync(join(dir, 'other.pem'), other.privateKey);
  const [wrong, usage, junk] = await Promise.all([
    bodycam('decrypt', '--key', join(dir, 'other.pem'), clip, '-o', join(dir, 'w.ts')),
    bodycam('decrypt', clip),
    bodycam('inspect', pem),
  ]);
  t.regex(wrong.stderr, /wrong-key/);
  t.not(wrong.code, 0);
  t.is(usage.code, 2);
  t.not(junk.code, 0);
  t.regex(junk.stderr, /bad magic/);
});
