import test from 'ava';
import fc from 'fast-check';
import { FrameDecoder, MAX_FRAME, encodeFrame, type Frame } from '../../shared/wire/frame.js';
import { stackedHeader, stackedHeaders } from './adversarial.js';
import { specDecode } from './spec-receiver.js';

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

test('property: frames, lost bytes, flipped bytes and stacked headers decode exactly as the spec\'s one-at-a-time receiver', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(40), fc.integer({ min: 0, max: 3000 })), { minLength: 1, maxLength: 12 }),
      fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 255 }))), { maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      (specs, edits, cuts, rebase) => {
        const parts: Buffer[] = [];
        for (const [i, [kind, n]] of specs.entries()) {
          // Some frames, some stacked headers that claim more than follows, some embedded in another payload.
          if (kind < 4) parts.push(stackedHeader(1000 + i, n));
          else if (kind < 8) parts.push(encodeFrame(0x11, 1, 2000 + i, encodeFrame(0x10, 0, 3000 + i, Buffer.alloc(n, i))));
          else parts.push(encodeFrame(0x11, 1, i, Buffer.alloc(n, kind)));
        }
        let buf = Buffer.concat(parts);
        for (const [p, v] of edits) {
          const at = p % buf.length;
          buf = v < 0 ? Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1 + (p % 300))]) : (buf[at] = v, buf);
        }
        const chunks: Buffer[] = [];
        for (let off = 0, k = 0; off < buf.length; off += cuts[k++ % cuts.length]!) chunks.push(buf.subarray(off, off + cuts[k % cuts.length]!));
        const dec = new FrameDecoder(rebase ? { rebaseAt: 1 } : {}); // positions moved down at every window slide
        const seqs: number[] = [];
        const corrupt: number[] = [];
        dec.on('data', (f: Frame) => seqs.push(f.seq));
        dec.on('corrupt', (c: { seq: number }) => corrupt.push(c.seq));
        for (const c of chunks) dec.write(c);
        dec.destroy();
        const want = specDecode(buf);
        t.deepEqual({ seqs, corrupt }, want);
      },
    ),
    { numRuns: 300 },
  );
});

test('adversarial: 2 MiB of stacked 1 MiB headers 18 bytes apart, then a real frame: decoded once the stack is checked', (t) => {
  const dec = new FrameDecoder();
  const seqs: number[] = [];
  dec.on('data', (f: Frame) => seqs.push(f.seq));
  const attack = stackedHeaders(2 * 1024 * 1024);
  for (let off = 0; off < attack.length; off += 4096) dec.write(attack.subarray(off, off + 4096));
  // Every candidate that has its bytes is decided; the rest wait at most one frame's worth.
  t.true(dec.bufferedBytes() <= MAX_FRAME + 4096, `${dec.bufferedBytes()} bytes held`);
  t.true(dec.stats.badPayloads > 50_000, `${dec.stats.badPayloads} candidates checked`);
  dec.destroy();
});

// Timer tests run serially, first: the long synchronous tests below would hold the event loop past their waits.
test.serial('a partial frame is dropped when the line goes quiet, and the frame after it decodes (18-byte stall)', async (t) => {
  const dec = new FrameDecoder({ idleMs: 100 });
  const seqs: number[] = [];
  dec.on('data', (f: Frame) => seqs.push(f.seq));
  dec.write(stackedHeader(1)); // claims 1 MiB, then silence
  // Dropped after 100 ms of silence; a loaded machine may delay the check (test/wire/late-timers), so wait for it.
  const end = Date.now() + 10_000;
  while (dec.stats.timeouts === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  t.is(dec.stats.timeouts, 1);
  t.is(dec.bufferedBytes(), 0);
  dec.write(encodeFrame(0x01, 0, 7, Buffer.from('{}')));
  t.deepEqual(seqs, [7]);
  dec.destroy();
});

test.serial('a partial frame kept alive by trickled bytes is dropped at its deadline; frames inside it are then found', async (t) => {
  const dec = new FrameDecoder({ idleMs: 10_000, deadlineBaseMs: 150, deadlineBytesPerMs: 1e9 });
  const seqs: number[] = [];
  dec.on('data', (f: Frame) => seqs.push(f.seq));
  dec.write(stackedHeader(1));
  const real = encodeFrame(0x01, 0, 9, Buffer.from('{"v":1}'));
  const started = Date.now();
  while (seqs.length === 0 && Date.now() - started < 5000) {
    dec.write(real);
    await new Promise((r) => setTimeout(r, 20));
  }
  t.true(seqs.length > 0 && seqs.every((s) => s === 9));
  t.is(dec.stats.timeouts, 1);
  dec.destroy();
});

test('more candidates than the first ring holds (it grows): still exactly the spec receiver', (t) => {
  // 700 stacked headers claiming 1000..5900 bytes (over 256 pending at once), real frames among and after them, fed in odd chunks.
  const parts: Buffer[] = [];
  for (let i = 0; i < 700; i++) {
    parts.push(stackedHeader(i, 1000 + ((i * 7919) % 4900)));
    if (i % 97 === 0) parts.push(encodeFrame(0x11, 1, 50_000 + i, Buffer.alloc(i % 300, i)));
  }
  parts.push(Buffer.alloc(6000)); // enough bytes for every stacked claim to be decided
  for (let i = 0; i < 5; i++) parts.push(encodeFrame(0x10, 0, 60_000 + i, Buffer.from('{}')));
  const buf = Buffer.concat(parts);
  const dec = new FrameDecoder();
  const seqs: number[] = [];
  const corrupt: number[] = [];
  dec.on('data', (f: Frame) => seqs.push(f.seq));
  dec.on('corrupt', (c: { seq: number }) => corrupt.push(c.seq));
  for (let off = 0; off < buf.length; off += 333) dec.write(buf.subarray(off, off + 333));
  dec.destroy();
  t.deepEqual({ seqs, corrupt }, specDecode(buf));
  t.true(seqs.includes(60_004) && corrupt.length > 600, `${seqs.length} frames, ${corrupt.length} corrupt`);
});

test('a long stream whose positions are moved down many times (as every 256 MiB): still exactly the spec receiver', (t) => {
  // 3 MB of stacked headers, frames with stacked headers in their payload, garbage and frames; the
  // window slides (and positions move down) hundreds of times while candidates are pending.
  const parts: Buffer[] = [];
  let junk = 12345;
  for (let i = 0; i < 400; i++) {
    for (let k = 0; k < 20; k++) parts.push(stackedHeader(i * 100 + k, 1000 + ((i * 7919 + k * 31) % 4900)));
    parts.push(encodeFrame(0x11, 1, 70_000 + i, Buffer.concat([stackedHeader(80_000 + i, 100), Buffer.alloc(i % 500, i)])));
    parts.push(Buffer.from(Array.from({ length: 5000 }, () => (junk = (junk * 1103515245 + 12345) >>> 0) >>> 24)));
    parts.push(encodeFrame(0x10, 0, 90_000 + i, Buffer.from('{}')));
  }
  parts.push(Buffer.alloc(6000)); // every claim at the end gets its bytes
  const buf = Buffer.concat(parts);
  const dec = new FrameDecoder({ rebaseAt: 50_000 });
  const seqs: number[] = [];
  const corrupt: number[] = [];
  dec.on('data', (f: Frame) => seqs.push(f.seq));
  dec.on('corrupt', (c: { seq: number }) => corrupt.push(c.seq));
  for (let off = 0; off < buf.length; off += 4093) dec.write(buf.subarray(off, off + 4093));
  dec.destroy();
  t.deepEqual({ seqs, corrupt }, specDecode(buf));
  t.true(seqs.includes(90_399) && seqs.includes(70_399), `${seqs.length} frames`);
});
