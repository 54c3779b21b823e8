import test from 'ava';
import fc from 'fast-check';
import { FrameDecoder, MAX_FRAME, encodeFrame, type Frame } from '../../shared/wire/frame.js';

function decodeAll(chunks: Buffer[]): { frames: Frame[]; dec: FrameDecoder; maxHeld: number } {
  const dec = new FrameDecoder();
  const frames: Frame[] = [];
  dec.on('data', (f: Frame) => frames.push(f));
  let maxHeld = 0;
  for (const c of chunks) {
    dec.write(c);
    maxHeld = Math.max(maxHeld, dec.bufferedBytes());
  }
  return { frames, dec, maxHeld };
}

test('round-trip of several frames, split at every byte', (t) => {
  const a = encodeFrame(0x11, 1, 42, Buffer.from('hello'));
  const b = encodeFrame(0x10, 0, 0xffffffff, Buffer.alloc(0));
  const c = encodeFrame(0x13, 3, 7, Buffer.alloc(70000, 9));
  const all = Buffer.concat([a, b, c]);
  const { frames } = decodeAll([...all].map((x) => Buffer.from([x])));
  t.deepEqual(frames.map((f) => [f.type, f.flags, f.seq, f.payload.length]), [[0x11, 1, 42, 5], [0x10, 0, 0xffffffff, 0], [0x13, 3, 7, 70000]]);
  t.is(frames[0]!.payload.toString(), 'hello');
  t.true(frames[2]!.payload.every((x) => x === 9));
});

test('resynchronises after garbage and drops a frame with a bad payload CRC', (t) => {
  const good1 = encodeFrame(1, 0, 1, Buffer.from('one'));
  const bad = encodeFrame(2, 0, 2, Buffer.from('two-two'));
  bad[20]! ^= 0x40; // payload bit
  const good2 = encodeFrame(3, 0, 3, Buffer.from('three'));
  const garbage = Buffer.from([0xb0, 0xca, 0xb0, 1, 2, 3, 0xb0]);
  const { frames, dec } = decodeAll([garbage, good1, garbage, bad, good2]);
  const corrupt: number[] = [];
  t.deepEqual(frames.map((f) => f.payload.toString()), ['one', 'three']);
  t.is(dec.stats.badPayloads, 1);
  t.true(dec.stats.skippedBytes >= garbage.length * 2);
  dec.on('corrupt', (c: { seq: number }) => corrupt.push(c.seq));
  dec.write(bad);
  t.deepEqual(corrupt, [2]);
});

test('a frame cut short is recovered from: the next frame is still decoded', (t) => {
  const f1 = encodeFrame(1, 0, 1, Buffer.alloc(1000, 1));
  const f2 = encodeFrame(2, 0, 2, Buffer.alloc(5000, 2));
  const f3 = encodeFrame(3, 0, 3, Buffer.from('x'));
  // Lose the middle of f1 (a dropped chunk on the line): f2 and f3 must still come out.
  const { frames } = decodeAll([f1.subarray(0, 300), f2, f3]);
  t.deepEqual(frames.map((f) => f.seq), [2, 3]);
});

test('encoder refuses a payload over the cap', (t) => {
  t.throws(() => encodeFrame(1, 0, 1, Buffer.alloc(MAX_FRAME)), { message: /exceeds/ });
});

test('property: random and mutated bytes never crash, never hold more than one max frame + one chunk', (t) => {
  const valid = Buffer.concat([encodeFrame(1, 0, 5, Buffer.from('abc')), encodeFrame(0x11, 1, 6, Buffer.alloc(300, 7))]);
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 2048 }), { maxLength: 20 }),
      fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      (randomChunks, mutations) => {
        const mutated = Buffer.from(valid);
        for (const [i, v] of mutations) mutated[i] = v;
        const chunks = [...randomChunks.map((c) => Buffer.from(c)), mutated, ...randomChunks.slice(0, 2).map((c) => Buffer.from(c))];
        const { frames, maxHeld } = decodeAll(chunks);
        const biggest = Math.max(0, ...chunks.map((c) => c.length));
        if (maxHeld > MAX_FRAME + biggest) return false;
        // Whatever came out carried a valid CRC, so it is one of the frames we encoded.
        return frames.every((f) => f.seq === 5 || f.seq === 6);
      },
    ),
    { numRuns: 300 },
  );
  // Unmutated input must decode both frames after any garbage.
  const { frames } = decodeAll([Buffer.from([0xb0, 0xca, 0, 0, 0xff]), valid]);
  t.deepEqual(frames.map((f) => f.seq), [5, 6]);
});
