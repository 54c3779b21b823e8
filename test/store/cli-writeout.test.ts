// `bodycam store view -o`: decrypted bytes reach disk only in the requested file. A stream that breaks
// half-way leaves no file, and the bytes it had written are overwritten, not just unlinked.
import test from 'ava';
import { existsSync, linkSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { spawn } from 'node:child_process';
import { writeOut } from '../../tools/store.js';
import { cleanPartials, cleanSiblings } from '../../tools/view-partials.js';
import { tempDb } from './helpers.js';

test('a download that breaks half-way leaves nothing, and what it wrote is zeroed before the unlink', async (t) => {
  const { dir } = await tempDb(t);
  const file = path.join(dir, 'clip.ts');
  const tmp = `${file}.part-${process.pid}`;
  const witness = path.join(dir, 'witness'); // a second name for the temp file's bytes, as a disk would keep them
  const plain = Buffer.alloc(64 * 1024, 'decrypted video ');
  const src = Readable.from((async function* () {
    yield plain;
    for (let i = 0; i < 500 && !(existsSync(tmp) && statSync(tmp).size >= plain.length); i++) await new Promise((r) => setTimeout(r, 10));
    linkSync(tmp, witness);
    throw new Error('segment 2 does not verify');
  })());
  await t.throwsAsync(writeOut(src, file), { message: /segment 2 does not verify/ });
  t.false(existsSync(file)); t.false(existsSync(tmp));
  const left = readFileSync(witness);
  t.is(left.length, plain.length);
  t.true(left.equals(Buffer.alloc(plain.length)), 'the partial plaintext was overwritten with zeros');
});

test('a complete download lands in the file; an existing file is never replaced and no temp copy is left', async (t) => {
  const { dir } = await tempDb(t);
  const file = path.join(dir, 'clip.ts');
  await writeOut(Readable.from([Buffer.from('all of it')]), file);
  t.is(readFileSync(file, 'utf8'), 'all of it');
  t.deepEqual(readdirSync(dir).filter((n) => n.startsWith('clip')), ['clip.ts']);
  const other = path.join(dir, 'other.ts');
  writeFileSync(other, 'theirs');
  await t.throwsAsync(writeOut(Readable.from([Buffer.from('mine')]), other), { code: 'EEXIST' });
  t.is(readFileSync(other, 'utf8'), 'theirs');
  t.deepEqual(readdirSync(dir).filter((n) => n.includes('.part-')), []);
});

test('a view killed mid-write: the next start overwrites and unlinks its FILE.part-<pid>, and only that', async (t) => {
  const { dir } = await tempDb(t);
  const dataDir = path.join(dir, 'store');
  const file = path.join(dir, 'clip.ts');
  // A real writer process, killed with SIGKILL once its partial file holds plaintext.
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `
    setInterval(() => {}, 1000);
    import('${new URL('../../tools/store.ts', import.meta.url).pathname}').then(async ({ writeOut }) => {
      const { Readable } = await import('node:stream');
      await writeOut(Readable.from((async function* () { yield Buffer.alloc(65536, 'decrypted video '); await new Promise(() => {}); })()), ${JSON.stringify(file)}, ${JSON.stringify(dataDir)});
    });`], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const tmp = `${file}.part-${child.pid}`;
  for (let i = 0; i < 1000 && !(existsSync(tmp) && statSync(tmp).size >= 65536); i++) await new Promise((r) => setTimeout(r, 20));
  t.true(existsSync(tmp), 'the writer got going');
  const witness = path.join(dir, 'witness');
  linkSync(tmp, witness);
  child.kill('SIGKILL');
  await exited;
  writeFileSync(`${file}.part-notapid`, 'not ours');
  t.deepEqual(await cleanPartials(dataDir), [tmp]);
  t.false(existsSync(tmp));
  t.true(readFileSync(witness).equals(Buffer.alloc(65536)), 'overwritten before the unlink');
  t.deepEqual(readdirSync(path.join(dataDir, 'view-partials')), [], 'the registry entry went too');
  t.true(existsSync(`${file}.part-notapid`), 'a file the registry does not name is left alone');
});

test('a view clears dead FILE.part-<pid> siblings of its own FILE, never a live writer\'s', async (t) => {
  const { dir } = await tempDb(t);
  const file = path.join(dir, 'clip.ts');
  writeFileSync(`${file}.part-999999`, 'dead writer');
  writeFileSync(`${file}.part-${process.pid}`, 'live writer');
  writeFileSync(path.join(dir, 'other.ts.part-999999'), 'another file');
  t.deepEqual(await cleanSiblings(file, (pid) => pid === process.pid), [`${file}.part-999999`]);
  t.true(existsSync(`${file}.part-${process.pid}`));
  t.true(existsSync(path.join(dir, 'other.ts.part-999999')));
});
