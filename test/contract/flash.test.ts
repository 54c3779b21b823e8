// Flash contract: run against the sim twin and the real directory driver (it runs here on a tmp dir).
import test from 'ava';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { FlashStorage } from '../../shared/hal.js';
import { DirFlash } from '../../firmware/drivers/flash.js';
import { SimFlash } from '../../hardware-sim/flash.js';

const impls: [string, () => FlashStorage][] = [
  ['SimFlash', () => new SimFlash(64 * 1024 * 1024)],
  ['DirFlash', () => new DirFlash(mkdtempSync(join(tmpdir(), 'dirflash-')))],
];

for (const [name, make] of impls) {
  test(`${name}: free ≤ total, writing reduces or keeps free space`, async (t) => {
    const f = make();
    t.teardown(() => rmSync(f.dir, { recursive: true, force: true }));
    const total = await f.totalBytes();
    const free0 = await f.freeBytes();
    t.true(total > 0);
    t.true(free0 >= 0 && free0 <= total);
    writeFileSync(join(f.dir, 'x'), Buffer.alloc(1024 * 1024, 1));
    t.true((await f.freeBytes()) <= free0);
    t.is(typeof (await f.discard()), 'boolean');
  });
}

test('SimFlash: nearly full is simulated by capacity', async (t) => {
  const f = new SimFlash(2 * 1024 * 1024);
  t.teardown(() => f.destroy());
  writeFileSync(join(f.dir, 'x'), Buffer.alloc(1536 * 1024, 1));
  t.is(await f.freeBytes(), 512 * 1024);
  f.setCapacity(1024);
  t.is(await f.freeBytes(), 0);
});
