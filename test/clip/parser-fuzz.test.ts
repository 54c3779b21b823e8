// Malformed input never crashes the parser or makes it allocate from untrusted lengths: every
// failure is a ClipError with a reason, and only the untouched clip decrypts.
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClipError, decryptBuffer, parseClipBuffer } from '../../shared/clip/reader.js';
import { MAGIC } from '../../shared/clip/format.js';
import { rsaPair, tempDir, writeClip } from './helpers.js';

const key = rsaPair();

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof ClipError) return err.reason;
    return `UNEXPECTED ${(err as Error).constructor.name}: ${(err as Error).message}`;
  }
}

test('random mutations of a valid clip are refused with a reason, never a crash', async (t) => {
  const path = join(tempDir(t), 'c.bcc');
  await writeClip(path, key.publicKey, 3, { bytes: 300 });
  const good = readFileSync(path);
  t.is(outcome(() => decryptBuffer(good, key.privateKey)), 'ok');
  const mutation = fc.record({
    flips: fc.array(fc.record({ at: fc.nat(good.length - 1), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 }),
    cut: fc.option(fc.nat(good.length - 1)),
  });
  const seen = new Set<string>();
  fc.assert(
    fc.property(mutation, (m) => {
      const bad = Buffer.from(good);
      for (const f of m.flips) bad[f.at] = bad[f.at]! ^ f.xor;
      const input = m.cut === null ? bad : bad.subarray(0, m.cut);
      const r = outcome(() => decryptBuffer(input, key.privateKey));
      seen.add(r);
      if (r.startsWith('UNEXPECTED') || r === 'ok') return false;
      const p = outcome(() => parseClipBuffer(input));
      return !p.startsWith('UNEXPECTED');
    }),
    { numRuns: 250, seed: 42 },
  );
  t.true(seen.has('tampered') && seen.has('header-tampered'), [...seen].join(','));
});

test('arbitrary bytes behind a valid magic never crash or over-allocate', (t) => {
  const head = Buffer.concat([MAGIC, Buffer.from([1, 0])]);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (rest, withMagic) => {
      const input = withMagic ? Buffer.concat([head, Buffer.from(rest)]) : Buffer.from(rest);
      const a = outcome(() => parseClipBuffer(input));
      const b = outcome(() => decryptBuffer(input, key.privateKey));
      return !a.startsWith('UNEXPECTED') && !b.startsWith('UNEXPECTED') && b !== 'ok';
    }),
    { numRuns: 500, seed: 7 },
  );
  // huge declared lengths are rejected before any allocation
  const big = Buffer.concat([head, Buffer.from([0xff, 0xff, 0xff, 0xff])]);
  t.is(outcome(() => parseClipBuffer(big)), 'bad-header');
});
