// Firmware bundle container (byte layout: docs/firmware-bundle.md). One core reads any byte source
// (a Buffer for fuzzing, a file descriptor for real bundles); every length is capped before use.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { signData } from '../crypto.js';
import { keyIdOf } from '../evidence.js';
import type { ByteSource } from '../clip/reader.js';
import { BundleError, parseManifest, type Manifest } from './manifest.js';

export const MAGIC = Buffer.from('BCFWBNDL', 'ascii');
export const FORMAT = 1;
export const MAX_MANIFEST_LEN = 1024 * 1024;
export const MAX_SIG_LEN = 1024;
export const ALG = { none: 0, ed25519: 1, 'rsa-pss-sha256': 2 } as const;
export type Algorithm = keyof typeof ALG;
const FIXED = MAGIC.length + 2 + 4; // magic, format, manifest length
const SIG_FIXED = 1 + 32 + 2; // algorithm, key id, signature length

// Same byte-source shape as the clip reader's (a Buffer for fuzzing, a file descriptor for real files).
export { bufferSource, fdSource, type ByteSource } from '../clip/reader.js';

export interface BundleHeader {
  manifestBytes: Buffer;
  algorithm: Algorithm;
  /** Hex SHA-256 of the signer's SPKI DER (all zeros when unsigned). */
  keyId: string;
  signature: Buffer;
  /** Offset of the first file's bytes. */
  payloadOffset: number;
}

function need(src: ByteSource, off: number, len: number, what: string): Buffer {
  const b = src.read(off, len);
  if (b.length < len) throw new BundleError('truncated', `bundle ends inside the ${what} (byte ${off + b.length} of ${src.size})`);
  return b;
}

/** Structure only: magic, format, manifest bytes, signature block. No signature check, no JSON parse. */
export function readHeader(src: ByteSource): BundleHeader {
  const head = need(src, 0, FIXED, 'fixed header');
  if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new BundleError('malformed', 'not a firmware bundle (bad magic)');
  const format = head.readUInt16BE(MAGIC.length);
  if (format !== FORMAT) throw new BundleError('malformed', `unsupported bundle format ${format} (this camera reads ${FORMAT})`);
  const mlen = head.readUInt32BE(MAGIC.length + 2);
  if (mlen === 0 || mlen > MAX_MANIFEST_LEN) throw new BundleError('malformed', `manifest length ${mlen} out of range 1..${MAX_MANIFEST_LEN}`);
  const manifestBytes = Buffer.from(need(src, FIXED, mlen, 'manifest'));
  const sig = need(src, FIXED + mlen, SIG_FIXED, 'signature block');
  const algNum = sig[0]!;
  const algorithm = (Object.keys(ALG) as Algorithm[]).find((k) => ALG[k] === algNum);
  if (!algorithm) throw new BundleError('malformed', `unknown signature algorithm ${algNum}`);
  const keyId = sig.subarray(1, 33).toString('hex');
  const slen = sig.readUInt16BE(33);
  if (slen > MAX_SIG_LEN) throw new BundleError('malformed', `signature length ${slen} exceeds ${MAX_SIG_LEN}`);
  if ((algorithm === 'none') !== (slen === 0)) throw new BundleError('malformed', `algorithm ${algorithm} with a ${slen}-byte signature`);
  const signature = Buffer.from(need(src, FIXED + mlen + SIG_FIXED, slen, 'signature'));
  return { manifestBytes, algorithm, keyId, signature, payloadOffset: FIXED + mlen + SIG_FIXED + slen };
}

/** Header plus parsed manifest and the size rule (file length = payload offset + sum of sizes). */
export function readBundle(src: ByteSource): BundleHeader & { manifest: Manifest } {
  const h = readHeader(src);
  const manifest = parseManifest(h.manifestBytes);
  checkSizes(src.size, h.payloadOffset, manifest);
  return { ...h, manifest };
}

export function checkSizes(fileSize: number, payloadOffset: number, m: Manifest): void {
  const expect = payloadOffset + m.files.reduce((n, f) => n + f.size, 0);
  if (fileSize < expect) throw new BundleError('truncated', `bundle is ${fileSize} bytes, the manifest accounts for ${expect}`);
  if (fileSize > expect) throw new BundleError('malformed', `${fileSize - expect} bytes of trailing data after the last file`);
}

export function algorithmOf(key: KeyObject): Algorithm {
  const t = key.asymmetricKeyType;
  if (t === 'ed25519') return 'ed25519';
  if (t === 'rsa') return 'rsa-pss-sha256';
  throw new Error(`signing key type ${t} is not allowed (Ed25519 or RSA)`);
}

/** The header bytes for a manifest; `key` null writes an unsigned bundle (only tests want that). */
export function encodeHeader(manifestBytes: Buffer, key: KeyObject | null): Buffer {
  const fixed = Buffer.alloc(FIXED);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt16BE(FORMAT, MAGIC.length);
  fixed.writeUInt32BE(manifestBytes.length, MAGIC.length + 2);
  const sig = key ? signData(key, manifestBytes) : Buffer.alloc(0);
  const block = Buffer.alloc(SIG_FIXED);
  block[0] = key ? ALG[algorithmOf(key)] : ALG.none;
  if (key) Buffer.from(keyIdOf(createPublicKey(key)), 'hex').copy(block, 1);
  block.writeUInt16BE(sig.length, 33);
  return Buffer.concat([fixed, manifestBytes, block, sig]);
}

export interface PackInput {
  version: string;
  hardware: string;
  channel: Manifest['channel'];
  minFromVersion?: string;
  /** path inside the slot → file on disk to take the bytes from. */
  files: { path: string; source: string }[];
  key: KeyObject | null;
  createdAt?: string;
}

function hashFile(path: string): { size: number; sha256: string } {
  const fd = openSync(path, 'r');
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1024 * 1024);
    let size = 0;
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; size += n) h.update(buf.subarray(0, n));
    return { size, sha256: h.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

/** Build a bundle at `out` (temp + fsync + rename). Returns the manifest written. */
export function packBundle(p: PackInput, out: string): Manifest {
  const raw = {
    format: 1 as const, version: p.version, hardware: p.hardware, channel: p.channel,
    ...(p.minFromVersion ? { minFromVersion: p.minFromVersion } : {}),
    createdAt: p.createdAt ?? new Date().toISOString(),
    files: p.files.map((f) => ({ path: f.path, ...hashFile(f.source) })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(raw), 'utf8');
  const manifest = parseManifest(manifestBytes); // refuse to produce what a camera would refuse
  const tmp = `${out}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, encodeHeader(manifestBytes, p.key));
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (const f of p.files) {
      const src = openSync(f.source, 'r');
      try {
        for (let n; (n = readSync(src, buf, 0, buf.length, null)) > 0; ) writeSync(fd, buf, 0, n);
      } finally {
        closeSync(src);
      }
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, out);
  return manifest;
}

/** Hash every file's bytes against the manifest (no slot involved): BundleError('tampered') on the first mismatch. */
export function checkPayload(src: ByteSource, payloadOffset: number, m: Manifest): void {
  let off = payloadOffset;
  for (const f of m.files) {
    const h = createHash('sha256');
    for (let left = f.size; left > 0; ) {
      const chunk = need(src, off, Math.min(left, 4 * 1024 * 1024), `file ${f.path}`);
      h.update(chunk);
      off += chunk.length;
      left -= chunk.length;
    }
    if (h.digest('hex') !== f.sha256) throw new BundleError('tampered', `file ${f.path}: SHA-256 does not match the signed manifest`);
  }
}
