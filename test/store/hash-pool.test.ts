import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hashFileOffThread } from '../../central-store/hash-pool.js';

test('off-thread file hashes equal node:crypto over the same bytes, many at once; a missing file fails naming it', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hash-pool-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // Sizes around the workers' 1 MiB read buffer, and an empty file.
  const sizes = [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 17];
  const files = await Promise.all(sizes.map(async (n, i) => {
    const data = randomBytes(n);
    const file = path.join(dir, `f${i}`);
    await writeFile(file, data);
    return { file, want: createHash('sha256').update(data).digest('hex') };
  }));
  const got = await Promise.all(files.map((f) => hashFileOffThread(f.file)));
  t.deepEqual(got, files.map((f) => f.want));
  const missing = path.join(dir, 'missing');
  const err = await t.throwsAsync(hashFileOffThread(missing));
  t.regex(err!.message, /ENOENT/);
  t.true(err!.message.includes(missing));
});
