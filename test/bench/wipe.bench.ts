// Camera wipe throughput: Vault.wipe (receipt check, hash of the file against the receipt, zero pass,
// fsync, unlink, dir fsync, index delete + journal scrub, signed certificate) on real clips, against
// `shred -n 1` (one pass, synced; one process per file, as the wipe is one call per clip) on copies of
// the same files in the same directory, in the same run.
// ratio = shred time / wipe time (target ≥ 0.8). Discard (fstrim) is off on both sides.
// Flags: --clips N (default 8), --clip-mb N (8), --rounds N (3).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClipSummary } from '../../shared/evidence.js';
import { plainSegment } from '../clip/helpers.js';
import { openVault, receiptFor } from '../clip/vault-helpers.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const clips = arg('clips', 8);
const clipMB = arg('clip-mb', 8);
const rounds = arg('rounds', 3);
const MiB = 1024 * 1024;

const root = mkdtempSync(path.join(os.tmpdir(), 'wipe-bench-'));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
try {
  const shredMs: number[] = [];
  const wipeMs: number[] = [];
  let bytes = 0;
  const segment = plainSegment(0, MiB, 'bench');
  for (let r = 0; r < rounds; r++) {
    const dir = path.join(root, `round-${r}`);
    mkdirSync(dir);
    const { vault, log } = openVault(dir);
    const made: ClipSummary[] = [];
    for (let i = 0; i < clips; i++) {
      const c = await vault.beginClip({ startedAtMs: Date.now(), purpose: 'bench' });
      for (let s = 0; s < clipMB; s++) await c.appendSegment({ startMs: s * 1000, durationMs: 1000, keyframe: true, data: segment });
      made.push(await c.close(Date.now()));
    }
    // The baseline's files: copies of the same clips, beside them on the same filesystem.
    const copies = made.map((c) => {
      const copy = path.join(dir, 'clips', `${c.clipId}.copy`);
      copyFileSync(path.join(dir, 'clips', `${c.clipId}.bcc`), copy);
      return copy;
    });
    execFileSync('sync');
    bytes = sum(made.map((c) => c.bytes));
    // Clip by clip, alternating which side goes first, so load from other processes and cache state
    // fall on both sides alike.
    let shredSum = 0;
    let wipeSum = 0;
    for (const [i, c] of made.entries()) {
      const shred = () => {
        const t0 = performance.now();
        execFileSync('shred', ['-n', '1', copies[i]!]);
        shredSum += performance.now() - t0;
      };
      const wipe = async () => {
        const t0 = performance.now();
        await vault.wipe(c.clipId, receiptFor(c));
        wipeSum += performance.now() - t0;
      };
      if ((i + r) % 2 === 0) { shred(); await wipe(); } else { await wipe(); shred(); }
    }
    shredMs.push(shredSum);
    wipeMs.push(wipeSum);
    vault.close();
    log.close();
  }
  const shredTotal = sum(shredMs);
  const wipeTotal = sum(wipeMs);
  const mbps = (ms: number) => +((bytes * rounds) / 1e6 / (ms / 1000)).toFixed(1);
  process.stdout.write(`${JSON.stringify({
    bench: 'wipe', clips, clipMB, rounds, bytesPerRound: bytes,
    wipeMBps: mbps(wipeTotal), shredMBps: mbps(shredTotal),
    wipeMs: wipeMs.map((x) => Math.round(x)), shredMs: shredMs.map((x) => Math.round(x)),
    ratio: +(shredTotal / wipeTotal).toFixed(3), target: 0.8, meets: shredTotal / wipeTotal >= 0.8,
  })}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
