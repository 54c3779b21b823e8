// Frame decoder cost per input byte: the adversarial stream of issue 12 (stacked headers 18 bytes
// apart, each with a valid header CRC and a 1 MiB length) against random bytes, same size, same
// 4 KiB chunks (a pty read), same run, interleaved; the least CPU time of 11 runs each. Target: adversarial ≤ 10 × random per byte (linear cost);
// before the fix 2 MiB of it cost 27 s of CPU (quadratic rescanning).
import { randomBytes } from 'node:crypto';
import { FrameDecoder } from '../../shared/wire/frame.js';
import { stackedHeaders } from '../wire/adversarial.js';

const MIB = 1024 * 1024;
const sizeMiB = Number(process.env.DECODER_BENCH_MIB ?? 4);
const CHUNK = 4096;

function cpuUsPerByte(input: Buffer): number {
  const dec = new FrameDecoder();
  dec.on('data', () => undefined);
  const t0 = process.cpuUsage();
  for (let off = 0; off < input.length; off += CHUNK) dec.write(input.subarray(off, off + CHUNK));
  const t = process.cpuUsage(t0);
  dec.destroy();
  return (t.user + t.system) / input.length;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
// Other load only ever adds CPU time: the least of several runs is the decoder's own cost.
const least = (a: number[]) => Math.min(...a);
const adversarial = stackedHeaders(sizeMiB * MIB);
const random = randomBytes(sizeMiB * MIB);
const adv: number[] = [];
const rnd: number[] = [];
// Interleaved runs, medians: the machine's load hits both alike.
for (let i = 0; i < 11; i++) {
  adv.push(cpuUsPerByte(adversarial));
  rnd.push(cpuUsPerByte(random));
}
const a = least(adv);
const r = least(rnd);
const ratio = a / r;
console.log(JSON.stringify({
  inputMiB: sizeMiB, chunkBytes: CHUNK,
  adversarialUsPerByte: +a.toFixed(5), randomUsPerByte: +r.toFixed(5),
  medianAdversarialUsPerByte: +median(adv).toFixed(5), medianRandomUsPerByte: +median(rnd).toFixed(5),
  adversarialCpuMsPer2MiB: +(a * 2 * MIB / 1000).toFixed(1),
  ratio: +ratio.toFixed(2), target: 10, ok: ratio <= 10,
}));
