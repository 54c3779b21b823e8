// Finds plaintext MPEG-TS on a flash image: TS packets are 188 bytes and each starts with the sync
// byte 0x47, so a run of sync bytes at 188-byte strides is a decisive marker. Ciphertext has that
// by chance with probability 256^-(run-1) per offset. Also finds any given secret (data key) bytes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const TS_PACKET = 188;

/** Offset of the first run of `run` TS sync bytes at 188-byte strides, or -1. */
export function findTsRun(buf: Buffer, run = 8): number {
  const span = TS_PACKET * (run - 1);
  for (let i = 0; i + span < buf.length; i++) {
    if (buf[i] !== 0x47) continue;
    let k = 1;
    while (k < run && buf[i + k * TS_PACKET] === 0x47) k++;
    if (k === run) return i;
  }
  return -1;
}

export interface PlaintextFinding {
  file: string;
  offset: number;
  what: 'mpeg-ts' | 'secret';
}

/** Scan every regular file below dir (recursively) for plaintext TS and for any of the secrets. */
export function scanForPlaintext(dir: string, secrets: Buffer[] = []): PlaintextFinding[] {
  const findings: PlaintextFinding[] = [];
  for (const file of walk(dir)) {
    const buf = readFileSync(file);
    const ts = findTsRun(buf);
    if (ts >= 0) findings.push({ file, offset: ts, what: 'mpeg-ts' });
    for (const s of secrets) {
      const at = buf.indexOf(s);
      if (at >= 0) findings.push({ file, offset: at, what: 'secret' });
    }
  }
  return findings;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) yield* walk(p);
    else if (st.isFile()) yield p;
  }
}
