// `bodycam store view -o`: decrypted bytes reach disk only in the requested file. A stream that breaks
// half-way leaves no file, and the bytes it had written are overwritten, not just unlinked.
import test from 'ava';
import { existsSync, linkSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { writeOut } from '../../tools/store.js';
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
