import test from 'ava';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { crcAfterHeader, crcOfRange, crcUpdate, crcUpdateHeader } from '../../shared/wire/crc-shift.js';

test('CRC of a range from two running CRCs equals zlib over the range, through table builds and evictions', (t) => {
  const b = randomBytes(40_000);
  let checked = 0;
  // Runs of one length (tables get built), then lengths that change every time (no table), more
  // lengths than the cache holds (evictions), then the first lengths again.
  for (const lens of [[1, 2, 3, 4, 5, 6], [7, 8], [1, 2]]) {
    for (const len of lens) {
      for (let r = 0; r < 70; r++) {
        const a = (r * 37) % 1000;
        const e = a + len * 3000 + (lens.length === 2 ? r % 3 : 0);
        t.is(crcOfRange(crc32(b.subarray(0, a)), crc32(b.subarray(0, e)), e - a) >>> 0, crc32(b.subarray(a, e)));
        checked++;
      }
    }
  }
  t.is(crcUpdate(crc32(b.subarray(0, 10)), b, 10, 500) >>> 0, crc32(b.subarray(0, 500)));
  t.true(checked > 600);
  for (const at of [0, 3, 17, 1000]) {
    const v = new DataView(b.buffer, b.byteOffset, b.length);
    t.is(crcUpdateHeader(crc32(b.subarray(0, at)), v, at) >>> 0, crc32(b.subarray(0, at + 14)));
    t.is(crcAfterHeader(crc32(b.subarray(0, at)), crcUpdateHeader(0, v, at)) >>> 0, crc32(b.subarray(0, at + 14)));
  }
});
