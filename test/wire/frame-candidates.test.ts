// The frame decoder's candidate ring (shared/wire/frame.ts): its slots wrap around, ends that come out
// of stream order go through the heap, a real frame hides behind false candidates, the ring's cap
// gives up the oldest, and the receive deadline finds candidates wherever they sit in the ring.
// Each result is compared with the spec's one-at-a-time receiver.
import test from 'ava';
import fc from 'fast-check';
import { FrameDecoder, MAX_FRAME, encodeFrame, type Frame } from '../../shared/wire/frame.js';
import { stackedHeader, stackedHeaders } from './adversarial.js';
import { specDecode } from './spec-receiver.js';

interface Run { seqs: number[]; corrupt: number[]; dec: FrameDecoder; maxHeld: number }

function run(buf: Buffer, chunk: number, opts = {}): Run {
  const dec = new FrameDecoder(opts);
  const seqs: number[] = [];
  const corrupt: number[] = [];
  dec.on('data', (f: Frame) => seqs.push(f.seq));
  dec.on('corrupt', (c: { seq: number }) => corrupt.push(c.seq));
  let maxHeld = 0;
  for (let off = 0; off < buf.length; off += chunk) {
    dec.write(buf.subarray(off, off + chunk));
    maxHeld = Math.max(maxHeld, dec.bufferedBytes());
  }
  return { seqs, corrupt, dec, maxHeld };
}

/** The ring's size and first slot (private: read to prove the slots wrapped without growing). */
const ring = (d: FrameDecoder) => d as unknown as { cap: number; head: number };

test('the ring wraps around many times without growing: 20 000 short candidates, a few pending at once', (t) => {
  const parts: Buffer[] = [];
  let junk = 7;
  for (let i = 0; i < 20_000; i++) {
    parts.push(stackedHeader(i, 40 + (i % 50))); // claims 40..89 bytes: the next few headers fall inside it
    if (i % 501 === 0) parts.push(encodeFrame(0x11, 1, 100_000 + i, Buffer.alloc(i % 200, 3)));
    if (i % 97 === 0) parts.push(Buffer.from(Array.from({ length: 30 }, () => (junk = (junk * 1103515245 + 12345) >>> 0) >>> 24)));
  }
  parts.push(Buffer.alloc(200));
  parts.push(encodeFrame(0x10, 0, 200_000, Buffer.from('{}')));
  const buf = Buffer.concat(parts);
  const heads = new Set<number>();
  const dec = new FrameDecoder();
  const seqs: number[] = [];
  const corrupt: number[] = [];
  dec.on('data', (f: Frame) => seqs.push(f.seq));
  dec.on('corrupt', (c: { seq: number }) => corrupt.push(c.seq));
  for (let off = 0; off < buf.length; off += 1000) {
    dec.write(buf.subarray(off, off + 1000));
    heads.add(ring(dec).head);
  }
  t.is(ring(dec).cap, 256, 'the ring did not grow');
  t.true(heads.size > 200, `head took ${heads.size} slot values`);
  t.deepEqual({ seqs, corrupt }, specDecode(buf));
  t.true(seqs.includes(200_000) && corrupt.length > 19_000);
  dec.destroy();
});

test('property: nested candidates whose ends come out of stream order (heap), equal ends and real frames, in any chunking', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(9), fc.nat(3000), fc.nat(40)), { minLength: 1, maxLength: 400 }),
      fc.integer({ min: 1, max: 5000 }),
      (specs, chunk) => {
        const parts: Buffer[] = [];
        let pos = 0;
        for (const [i, [kind, n, gap]] of specs.entries()) {
          let p: Buffer;
          if (kind < 5) p = stackedHeader(i, n); // a false candidate: claims n bytes
          else if (kind < 7) p = stackedHeader(i, Math.max(0, 2000 - (pos % 2000) - 18)); // ends on a 2000-byte boundary: equal ends
          else if (kind < 9) p = encodeFrame(0x11, 1, 10_000 + i, Buffer.alloc(n % 300, i));
          else p = encodeFrame(0x11, 1, 20_000 + i, encodeFrame(0x10, 0, 30_000 + i, Buffer.alloc(n % 100, i))); // a frame inside a frame
          parts.push(p, Buffer.alloc(gap, 0xb0));
          pos += p.length + gap;
        }
        parts.push(Buffer.alloc(3100)); // every claim gets its bytes
        const buf = Buffer.concat(parts);
        const r = run(buf, chunk);
        r.dec.destroy();
        t.deepEqual({ seqs: r.seqs, corrupt: r.corrupt }, specDecode(buf));
        return r.maxHeld <= MAX_FRAME + chunk;
      },
    ),
    { numRuns: 200 },
  );
});

test('a real frame behind 60 000 false candidates (stacked 1 MiB claims) comes out once, in order, after they are all checked', (t) => {
  const stack = stackedHeaders(60_000 * 18);
  const real = encodeFrame(0x11, 1, 777_777, Buffer.from('{"after":"stack"}'));
  // The claims reach 1 MiB past each header: a real frame right after the stack lies inside all of them,
  // and is only delivered once each claim has failed its frame CRC. Filler lets every claim end.
  const buf = Buffer.concat([stack, real, Buffer.alloc(1024 * 1024 + 64), encodeFrame(0x10, 0, 888_888, Buffer.from('{}'))]);
  const r = run(buf, 4096);
  t.deepEqual(r.seqs, [777_777, 888_888]);
  t.is(r.corrupt.length, 60_000);
  t.is(r.dec.stats.timeouts, 0);
  t.true(r.maxHeld <= MAX_FRAME + 4096, `${r.maxHeld} bytes held`);
  r.dec.destroy();
});

test('real frames inside the range of overlapping false candidates: exactly the spec receiver', (t) => {
  const parts: Buffer[] = [];
  for (let i = 0; i < 3000; i++) parts.push(stackedHeader(i, 60_000 - i * 18)); // all claim to end at the same byte
  for (let i = 0; i < 50; i++) parts.push(encodeFrame(0x11, 1, 50_000 + i, Buffer.alloc(i * 10, i)));
  for (let i = 0; i < 3000; i++) parts.push(stackedHeader(5000 + i, 1000 + (i % 7) * 100)); // ends out of order
  parts.push(encodeFrame(0x10, 0, 60_000, Buffer.from('{}')), Buffer.alloc(70_000));
  const buf = Buffer.concat(parts);
  for (const chunk of [1, 333, 65_536]) {
    const r = run(buf.subarray(0, chunk === 1 ? 120_000 : buf.length), chunk);
    const want = specDecode(buf.subarray(0, chunk === 1 ? 120_000 : buf.length));
    t.deepEqual({ seqs: r.seqs, corrupt: r.corrupt }, want, `chunk ${chunk}`);
    r.dec.destroy();
  }
  t.is(specDecode(buf).seqs.length, 51);
});

test('more pending candidates than the cap: the oldest are given up (counted as timeouts), memory stays bounded, and the line recovers', (t) => {
  // 65 536 by default, which stacked 1 MiB claims 18 bytes apart cannot reach (the first ends after 58 255): lowered here.
  const n = 2000;
  const buf = Buffer.concat([stackedHeaders(n * 18), Buffer.alloc(1024 * 1024 + 64), encodeFrame(0x10, 0, 4242, Buffer.from('{}'))]);
  const r = run(buf, 4096, { maxCandidates: 512 });
  t.is(r.dec.stats.timeouts, n - 512);
  t.is(r.dec.stats.badPayloads, 512);
  t.deepEqual(r.seqs, [4242]);
  t.true(r.maxHeld <= MAX_FRAME + 4096, `${r.maxHeld} bytes held`);
  t.is(ring(r.dec).cap, 512);
  r.dec.destroy();
  t.throws(() => new FrameDecoder({ maxCandidates: 300 }), { message: /power of two/ });
});

test.serial('receive deadline: candidates across the ring\'s wrap point are all given up; arrival times kept modulo 2^32 ms', async (t) => {
  // The clock starts just below 2^31 ms, so the stored int32 arrival times change sign while the candidates wait.
  let clock = 2 ** 31 - 30;
  let reads = 0;
  const dec = new FrameDecoder({ idleMs: 1e9, deadlineBaseMs: 100, deadlineBytesPerMs: 1e12, now: () => (reads++, clock) });
  const seqs: number[] = [];
  dec.on('data', (f: Frame) => seqs.push(f.seq));
  // 200 short frames move the ring's head to slot 200; 100 stacked claims then take slots 200..299 (wrapping past 255).
  for (let i = 0; i < 200; i++) dec.write(encodeFrame(0x11, 1, i, Buffer.alloc(0)));
  t.is(seqs.length, 200);
  dec.write(stackedHeaders(100 * 18));
  t.is(ring(dec).cap, 256);
  // The deadline has not passed: checks run (the clock is read) and give nothing up.
  const until = (cond: () => boolean) => new Promise<void>((resolve, reject) => {
    const end = Date.now() + 20_000;
    const tick = () => (cond() ? resolve() : Date.now() > end ? reject(new Error('timed out')) : setTimeout(tick, 5));
    tick();
  });
  clock += 60; // 2^31 + 30: the stored times are 60 ms old, under the 100 ms deadline
  const r0 = reads;
  await until(() => reads >= r0 + 5);
  t.is(dec.stats.timeouts, 0);
  clock += 100;
  await until(() => dec.stats.timeouts === 100);
  t.is(dec.bufferedBytes(), 0);
  dec.write(encodeFrame(0x10, 0, 999, Buffer.from('{}')));
  t.is(seqs.at(-1), 999);
  dec.destroy();
});
