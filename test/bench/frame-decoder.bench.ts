// Frame decoder cost per input byte: the adversarial stream of issue 12 (stacked headers 18 bytes
// apart, each with a valid header CRC and a 1 MiB length) against random bytes, same size, same
// 4 KiB chunks (a pty read), same run, interleaved. Target: adversarial ≤ 10 × random per byte
// (linear cost); before the first fix 2 MiB of it cost 27 s of CPU (quadratic rescanning).
// Stable on a busy machine: CPU time (other processes' time is not counted), each random measurement
// repeated until it takes as long as an adversarial one (a 3 ms run escapes preemption and cache
// eviction that a 40 ms run cannot, which would inflate the ratio), 15 interleaved pairs, and the
// ratio of the least times (load only ever adds) next to the ratio of the medians.
import { randomBytes } from 'node:crypto';
import { FrameDecoder } from '../../shared/wire/frame.js';
import { stackedHeaders } from '../wire/adversarial.js';

const MIB = 1024 * 1024;
const sizeMiB = Number(process.env.DECODER_BENCH_MIB ?? 4);
const RUNS = Number(process.env.DECODER_BENCH_RUNS ?? 15);
const CHUNK = 4096;

/** CPU µs per input byte for `passes` passes of `input` through one decoder. */
function cpuUsPerByte(input: Buffer, passes = 1): number {
  const dec = new FrameDecoder();
  dec.on('data', () => undefined);
  const t0 = process.cpuUsage();
  for (let p = 0; p < passes; p++) for (let off = 0; off < input.length; off += CHUNK) dec.write(input.subarray(off, off + CHUNK));
  const t = process.cpuUsage(t0);
  dec.destroy();
  return (t.user + t.system) / (input.length * passes);
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const least = (a: number[]) => Math.min(...a);
const adversarial = stackedHeaders(sizeMiB * MIB);
const random = randomBytes(sizeMiB * MIB);
// Warm up both paths, then size the random passes to the adversarial duration.
const warmAdv = Math.min(cpuUsPerByte(adversarial), cpuUsPerByte(adversarial));
const warmRnd = Math.min(cpuUsPerByte(random, 2), cpuUsPerByte(random, 2));
const passes = Math.max(1, Math.min(32, Math.round(warmAdv / warmRnd)));
const adv: number[] = [];
const rnd: number[] = [];
for (let i = 0; i < RUNS; i++) {
  adv.push(cpuUsPerByte(adversarial));
  rnd.push(cpuUsPerByte(random, passes));
}
const a = least(adv);
const r = least(rnd);
const ratio = a / r;
console.log(JSON.stringify({
  inputMiB: sizeMiB, chunkBytes: CHUNK, runs: RUNS, randomPassesPerRun: passes,
  adversarialUsPerByte: +a.toFixed(5), randomUsPerByte: +r.toFixed(5),
  medianAdversarialUsPerByte: +median(adv).toFixed(5), medianRandomUsPerByte: +median(rnd).toFixed(5),
  adversarialCpuMsPer2MiB: +(a * 2 * MIB / 1000).toFixed(1),
  ratio: +ratio.toFixed(2), ratioOfMedians: +(median(adv) / median(rnd)).toFixed(2), target: 10, ok: ratio <= 10,
}));
