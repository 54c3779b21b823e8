// What a dock may learn about a clip before pulling it, from signed bytes only (docs/wire-protocol.md,
// "Offload order"): its header, sealed by the camera's identity key, and whether the guard marked it.
// A marker (docs/clip-format.md §7.4) is followed by a checkpoint with the same frame count as the one
// before it; no other block gets a checkpoint without a new frame. So two checkpoints of one clip,
// both signed by the clip key the sealed header names, with equal frame counts (or one with a count
// of 0: a marker before the first frame) prove a marker without the rest of the file.
import { verify, type KeyLike } from 'node:crypto';
import { verifyData } from '../crypto.js';
import {
  CHECKPOINT_BODY_LEN, FRAME_PREFIX_LEN, MAX_FRAME_LEN, MAX_SIG_BLOCK_LEN, MIN_FRAME_LEN, SIG_BLOCK_FLAG, SIG_CHECKPOINT, SIG_HEADER_SEAL, SIG_MARKER, VERSION_SIGNED,
  checkpointMessage, clipKeyObject, decodeSigBlock, headerSealMessage, parseHeader, peekHeaderLen, type ClipHeader,
} from './format.js';
import type { ReadAt } from './signature.js';

/** Bytes a dock reads to check a header: the largest header plus its seal block. */
export const SIGNED_PREFIX_MAX = 64 * 1024 + FRAME_PREFIX_LEN + MAX_SIG_BLOCK_LEN;

/**
 * Camera side: the checkpoint bodies around the clip's first marker — [the checkpoint before it,] the
 * one written with it — or null when the clip has none. Walks frame prefixes and blocks only.
 */
export async function findMarkerProof(read: ReadAt, size: number): Promise<Buffer | null> {
  const head = await read(0, 12);
  let off = peekHeaderLen(head);
  let before: Buffer | null = null;
  let marked = false;
  while (off + FRAME_PREFIX_LEN <= size) {
    // One read per frame or block: its prefix and, for a block, a checkpoint body's worth.
    const b = await read(off, Math.min(size - off, FRAME_PREFIX_LEN + CHECKPOINT_BODY_LEN));
    const raw = b.readUInt32BE(0);
    if (!(raw & SIG_BLOCK_FLAG)) {
      if (raw < MIN_FRAME_LEN || raw > MAX_FRAME_LEN) return null; // not a clip this walk understands
      off += FRAME_PREFIX_LEN + raw;
      continue;
    }
    const len = raw & ~SIG_BLOCK_FLAG;
    if (len < 2 || len > MAX_SIG_BLOCK_LEN || off + FRAME_PREFIX_LEN + len > size) return null;
    const type = b[FRAME_PREFIX_LEN];
    if (type === SIG_MARKER) marked = true;
    else if (type === SIG_CHECKPOINT && len === CHECKPOINT_BODY_LEN && b.length === FRAME_PREFIX_LEN + len) {
      const body = Buffer.from(b.subarray(FRAME_PREFIX_LEN));
      if (marked) return before ? Buffer.concat([before, body]) : body;
      before = body;
    }
    off += FRAME_PREFIX_LEN + len;
  }
  return null;
}

/**
 * Dock side: the header of a clip's first bytes (header + seal block), after its seal verified with the
 * camera's certificate key. Throws naming what does not hold.
 */
export function verifySignedPrefix(prefix: Buffer, cameraKey: KeyLike): ClipHeader {
  const h = parseHeader(prefix.subarray(0, peekHeaderLen(prefix)));
  if (h.version !== VERSION_SIGNED) throw new Error(`clip format version ${h.version} carries no camera signature`);
  const off = h.headerLen;
  if (prefix.length < off + FRAME_PREFIX_LEN) throw new Error('no header seal in the bytes read');
  const raw = prefix.readUInt32BE(off);
  const len = raw & ~SIG_BLOCK_FLAG;
  if (!(raw & SIG_BLOCK_FLAG) || len < 2 || len > MAX_SIG_BLOCK_LEN || prefix.length < off + FRAME_PREFIX_LEN + len) throw new Error('no header seal after the header');
  const b = decodeSigBlock(prefix.subarray(off + FRAME_PREFIX_LEN, off + FRAME_PREFIX_LEN + len));
  if (b.type !== SIG_HEADER_SEAL) throw new Error('the block after the header is not its seal');
  if (!verifyData(cameraKey, headerSealMessage(h.headerHash), b.sig)) throw new Error('header seal does not verify with the camera certificate');
  return h;
}

/** Dock side: whether `proof` (base64, from LIST_CLIPS) shows a marker in the clip whose sealed header is `h`. */
export function markerProven(h: ClipHeader, proof: unknown): boolean {
  if (typeof proof !== 'string' || proof.length > 4 * CHECKPOINT_BODY_LEN) return false;
  const buf = Buffer.from(proof, 'base64');
  if (buf.length !== CHECKPOINT_BODY_LEN && buf.length !== 2 * CHECKPOINT_BODY_LEN) return false;
  try {
    const key = clipKeyObject(h.meta.clipKey!);
    const cps = [buf.subarray(0, CHECKPOINT_BODY_LEN), buf.subarray(CHECKPOINT_BODY_LEN)].filter((b) => b.length).map((b) => decodeSigBlock(b));
    for (const c of cps) if (c.type !== SIG_CHECKPOINT || !verify(null, checkpointMessage(c), key, c.sig)) return false;
    const [a, b] = cps as { frames: number; chain: Buffer }[];
    // One checkpoint: only a marker's can cover 0 frames. Two: the same count, different chains.
    return b ? a!.frames === b.frames && !a!.chain.equals(b.chain) : a!.frames === 0;
  } catch { return false; }
}
