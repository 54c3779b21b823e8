// Clip pipeline throughput: 1 s segments at 8 Mbit/s (1,000,000 bytes) through Vault → ClipWriter
// (AES-256-GCM, one writev + fsync per segment, running sha256) against a raw baseline in the same
// run (node:crypto AES-256-GCM + write + fsync of the same bytes), and signed clips (format v2: header
// sealed with an RSA-2048 identity key, an Ed25519 checkpoint per segment over the file's running
// hash) against unsigned ones (v1) (issue 11 target: signed/unsigned ≥ 0.9). Prints one JSON object.
// Stable on a busy machine with a shared disk: the three pipelines advance one segment at a time, in
// an order that rotates every segment, so a slow fsync or a burst of load hits all three alike; each
// round is one clip of PER_CLIP segments per pipeline. The signed/unsigned ratio is of the cost per
// segment = the median append plus the least clip begin + close spread over the clip's segments:
// fsync stalls of 10-400 ms on a shared disk land on either side at random and swing round totals by
// ±50 %, medians by a few %. Round totals (median of rounds, ratio of totals) and CPU time per segment
// (load barely moves it) are printed too.
// Usage: tsx test/bench/clip-pipeline.bench.ts [--mb 200]   (MB per pipeline)
import { createCipheriv, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../shared/clock.js';
import { DeviceLog } from '../../firmware/device-log.js';
import { Vault, type ActiveClip } from '../../firmware/vault/vault.js';

const arg = process.argv.indexOf('--mb');
const totalMb = arg > 0 ? Number(process.argv[arg + 1]) : 200;
const SEG = 1_000_000; // 8 Mbit/s × 1 s
const PER_CLIP = 20;
const ROUNDS = Math.max(3, Math.round((totalMb * 1e6) / SEG / PER_CLIP));
const pool = Array.from({ length: 8 }, () => randomBytes(SEG));
const dir = mkdtempSync(join(tmpdir(), 'clip-bench-'));

interface Cost { s: number; cpu: number; segS: number[] }
const zero = (): Cost => ({ s: 0, cpu: 0, segS: [] });

async function timed(acc: Cost, fn: () => Promise<unknown>, segment = false): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  acc.s += s;
  if (segment) acc.segS.push(s);
  const c = process.cpuUsage(c0);
  acc.cpu += (c.user + c.system) / 1e6;
}

/** The raw baseline: encrypt, write, fsync; nothing else. */
class Raw {
  private off = 0;
  private readonly key = randomBytes(32);
  private constructor(private readonly fh: FileHandle) {}
  static async open(n: number): Promise<Raw> {
    return new Raw(await open(join(dir, `raw-${n}.bin`), 'w'));
  }
  async append(data: Buffer): Promise<void> {
    const c = createCipheriv('aes-256-gcm', this.key, randomBytes(12));
    const ct = c.update(data);
    c.final();
    const { bytesWritten } = await this.fh.writev([ct, c.getAuthTag()], this.off);
    this.off += bytesWritten;
    await this.fh.sync();
  }
  close(): Promise<void> {
    return this.fh.close();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

try {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const identity = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const log = new DeviceLog({ path: join(dir, 'device-log.db'), clock: systemClock });
  const mkVault = (sub: string, deviceKey?: typeof identity.privateKey) => new Vault({
    dir: join(dir, sub), deviceId: 'bench', clock: systemClock, evidenceKey: { epochId: 'e', publicKey: rsa.publicKey },
    receiptPublicKey: rsa.publicKey, log, deviceKey,
  });
  const vault = mkVault('unsigned');
  const signedVault = mkVault('signed', identity.privateKey);
  const rounds: { base: Cost; unsigned: Cost; signed: Cost }[] = [];
  let step = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const round = { base: zero(), unsigned: zero(), signed: zero() };
    let raw!: Raw;
    let u!: ActiveClip;
    let s!: ActiveClip;
    await timed(round.base, async () => { raw = await Raw.open(r); });
    await timed(round.unsigned, async () => { u = await vault.beginClip({ startedAtMs: Date.now(), purpose: 'bench' }); });
    await timed(round.signed, async () => { s = await signedVault.beginClip({ startedAtMs: Date.now(), purpose: 'bench' }); });
    for (let i = 0; i < PER_CLIP; i++, step++) {
      const data = pool[step % pool.length]!;
      const seg = { startMs: 1_700_000_000_000 + i * 1000, durationMs: 1000, keyframe: true, data };
      const steps = [
        () => timed(round.base, () => raw.append(data), true),
        () => timed(round.unsigned, () => u.appendSegment(seg), true),
        () => timed(round.signed, () => s.appendSegment(seg), true),
      ];
      for (let k = 0; k < 3; k++) await steps[(step + k) % 3]!();
    }
    await timed(round.base, () => raw.close());
    await timed(round.unsigned, () => u.close(Date.now(), { stopReason: 'bench' }));
    await timed(round.signed, () => s.close(Date.now(), { stopReason: 'bench' }));
    rounds.push(round);
  }
  vault.close();
  signedVault.close();
  log.close();
  const mbPerRound = (PER_CLIP * SEG) / 1e6;
  const mb = ROUNDS * mbPerRound;
  const total = (k: 'base' | 'unsigned' | 'signed') => sum(rounds.map((x) => x[k].s));
  const cpuPerSeg = (k: 'base' | 'unsigned' | 'signed') => sum(rounds.map((x) => x[k].cpu)) / (ROUNDS * PER_CLIP);
  const ratioToBase = median(rounds.map((x) => x.base.s / x.unsigned.s));
  const signedRatio = median(rounds.map((x) => x.unsigned.s / x.signed.s));
  const signedCpuRatio = median(rounds.map((x) => x.unsigned.cpu / x.signed.cpu));
  // Per segment: the median append (fsync spikes do not move it) plus the clip's begin and close spread
  // over its segments, the least of the rounds (2-3 fsyncs whose stalls only add).
  const perSeg = (k: 'base' | 'unsigned' | 'signed') =>
    median(rounds.flatMap((x) => x[k].segS)) + Math.min(...rounds.map((x) => x[k].s - sum(x[k].segS))) / PER_CLIP;
  const segRatio = perSeg('unsigned') / perSeg('signed');
  console.log(JSON.stringify({
    rounds: ROUNDS, segmentsPerRound: PER_CLIP, segmentBytes: SEG, totalMBPerPipeline: mb,
    throughputMBps: +(mb / total('unsigned')).toFixed(1), baselineMBps: +(mb / total('base')).toFixed(1),
    ratio: +ratioToBase.toFixed(3), ratioOfTotals: +(total('base') / total('unsigned')).toFixed(3), target: 0.8,
    cpuSecondsPerVideoSecondAt8Mbps: +cpuPerSeg('unsigned').toFixed(5), baselineCpuSecondsPerSegment: +cpuPerSeg('base').toFixed(5),
    signed: {
      throughputMBps: +(mb / total('signed')).toFixed(1),
      ratioToUnsigned: +segRatio.toFixed(3), ratioMedianOfRounds: +signedRatio.toFixed(3),
      appendMs: Object.fromEntries((['base', 'unsigned', 'signed'] as const).map((k) => {
        const segs = rounds.flatMap((x) => x[k].segS).sort((a, b) => a - b);
        return [k, { med: +(median(segs) * 1e3).toFixed(2), p90: +(segs[Math.floor(segs.length * 0.9)]! * 1e3).toFixed(2), mean: +(sum(segs) / segs.length * 1e3).toFixed(2), clipOverheadMs: +(Math.min(...rounds.map((x) => x[k].s - sum(x[k].segS))) * 1e3).toFixed(2) }];
      })),
      msPerSegment: { unsigned: +(perSeg('unsigned') * 1000).toFixed(2), signed: +(perSeg('signed') * 1000).toFixed(2), raw: +(perSeg('base') * 1000).toFixed(2) },
      ratioOfTotals: +(total('unsigned') / total('signed')).toFixed(3),
      ratioRange: [+Math.min(...rounds.map((x) => x.unsigned.s / x.signed.s)).toFixed(3), +Math.max(...rounds.map((x) => x.unsigned.s / x.signed.s)).toFixed(3)],
      target: 0.9, ok: segRatio >= 0.9,
      cpuSecondsPerVideoSecondAt8Mbps: +cpuPerSeg('signed').toFixed(5), cpuRatioToUnsigned: +signedCpuRatio.toFixed(3),
    },
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
