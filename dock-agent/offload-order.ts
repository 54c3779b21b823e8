// The order a docked camera's clips are pulled in (docs/wire-protocol.md, "Offload order"): clips the
// guard marked first, then oldest first; both facts taken only from signed bytes. The camera's own
// word (LIST_CLIPS startedAt, a marker proof that does not verify) orders nothing: a clip whose sealed
// header cannot be read or checked goes after the checked ones, in list order, and is still pulled
// (central decides what it accepts).
import { X509Certificate } from 'node:crypto';
import { FRAME_PREFIX_LEN, MAX_SIG_BLOCK_LEN, peekHeaderLen } from '../shared/clip/format.js';
import { markerProven, verifySignedPrefix } from '../shared/clip/priority.js';
import type { ClipSummary } from '../shared/evidence.js';
import type { Logger } from '../shared/log.js';
import type { CameraSession } from './types.js';

/** First READ for a header check: a header with an RSA-2048 wrapped key and its seal fit easily. */
const FIRST_READ = 4096;

export interface Ranked { clip: ClipSummary; marked: boolean; startedMs: number }

/** `needsPull`: clips already pulled (or further) are not read again; they keep their place in front. */
export async function offloadOrder(session: CameraSession, clips: ClipSummary[], needsPull: (c: ClipSummary) => boolean, log: Logger): Promise<Ranked[]> {
  const key = new X509Certificate(Buffer.from(session.cameraCert, 'base64')).publicKey;
  const ranked: (Ranked & { i: number })[] = [];
  for (const [i, clip] of clips.entries()) {
    let marked = false;
    let startedMs = Number.POSITIVE_INFINITY;
    if (!needsPull(clip)) startedMs = Number.NEGATIVE_INFINITY;
    else if (session.readPrefix && clip.deviceId === session.deviceId && clip.bytes > 0) {
      try {
        let prefix = await session.readPrefix(clip, Math.min(clip.bytes, FIRST_READ));
        const need = Math.min(clip.bytes, peekHeaderLen(prefix) + FRAME_PREFIX_LEN + MAX_SIG_BLOCK_LEN);
        if (need > prefix.length) prefix = await session.readPrefix(clip, need);
        const h = verifySignedPrefix(prefix, key);
        if (h.meta.clipId !== clip.clipId || h.meta.deviceId !== session.deviceId) throw new Error(`the sealed header names ${h.meta.deviceId}/${h.meta.clipId}`);
        startedMs = Date.parse(h.meta.startedAt);
        marked = markerProven(h, clip.markerProof);
        if (clip.markerProof !== undefined && !marked) log.warn({ clipId: clip.clipId }, 'marker proof does not verify; ordered as unmarked');
      } catch (err) {
        log.warn({ clipId: clip.clipId, err: String(err) }, 'sealed header not verified; pulled after the verified clips');
      }
    }
    ranked.push({ clip, marked, startedMs, i });
  }
  ranked.sort((a, b) => Number(b.marked) - Number(a.marked) || compare(a.startedMs, b.startedMs) || a.i - b.i);
  return ranked.map(({ clip, marked, startedMs }) => ({ clip, marked, startedMs }));
}

const compare = (a: number, b: number) => (a === b ? 0 : a < b ? -1 : 1);
