// Clip serving on the dock link: LIST_CLIPS, READ, HASH_RANGE and WIPE against the vault.
import { createHash } from 'node:crypto';
import type { CameraVault, ClipSummary, SignedDocument } from '../../shared/evidence.js';
import { findMarkerProof } from '../../shared/clip/priority.js';
import { MAX_PAYLOAD } from '../../shared/wire/frame.js';
import { ErrorCode, WireError, encodeJson, type HashRangeRequest, type ReadRequest } from '../../shared/wire/messages.js';
import { bad, json, str, uint } from './fields.js';

/** How long a LIST_CLIPS answer waits for marker walks of clips not walked before. */
const LIST_PROOF_MS = 1500;

/** Certificates in one WIPE_CERTS answer (~1 KB each); `skip` pages through the rest. */
export const MAX_CERTS_PER_ANSWER = 64;

export function clipServer(vault: CameraVault, event: (type: string, data: Record<string, unknown>) => void) {
  // Closed clips never change, so READs look them up in the last listing instead of asking the
  // vault (which may hash or scan) on every chunk; a miss refreshes the listing once.
  let known = new Map<string, ClipSummary>();
  const listClips = () => {
    const clips = vault.list();
    known = new Map(clips.map((c) => [c.clipId, c]));
    return clips;
  };
  const findClip = (clipId: string) => {
    const clip = known.get(clipId) ?? (listClips(), known.get(clipId));
    if (!clip) throw new WireError(ErrorCode.NOT_FOUND, `clipId: no offloadable clip ${clipId}`);
    return clip;
  };

  // Per clip, the signed checkpoints that prove a marker (shared/clip/priority.ts), or null: found once
  // by walking the clip's frame and block prefixes (a closed clip never changes). A LIST_CLIPS answer
  // waits for the walks at most LIST_PROOF_MS (the dock retransmits after 2 s): clips not walked by then
  // are listed without a proof this time, and their walks go on for the next listing.
  const proofs = new Map<string, string | null>();
  const walking = new Map<string, Promise<void>>();
  const walk = (c: ClipSummary): Promise<void> => {
    let w = walking.get(c.clipId);
    if (!w) {
      w = findMarkerProof((o, l) => vault.readChunk(c.clipId, o, Math.max(0, Math.min(l, c.bytes - o))), c.bytes)
        .catch(() => null)
        .then((found) => { proofs.set(c.clipId, found ? found.toString('base64') : null); })
        .finally(() => walking.delete(c.clipId));
      walking.set(c.clipId, w);
    }
    return w;
  };

  // Walk what is on flash now, while the dock authenticates: the first LIST_CLIPS then rarely waits.
  setImmediate(() => {
    try {
      void listClips().reduce<Promise<void>>((p, c) => p.then(() => walk(c)), Promise.resolve());
    } catch { /* the vault is closed or failing: LIST_CLIPS will say so */ }
  });

  return {
    async list(): Promise<Buffer> {
      const clips = listClips();
      for (const id of proofs.keys()) if (!known.has(id)) proofs.delete(id);
      const todo = clips.filter((c) => !proofs.has(c.clipId));
      if (todo.length) {
        // One walk at a time (flash reads), in list order.
        const all = todo.reduce<Promise<void>>((p, c) => p.then(() => walk(c)), Promise.resolve());
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([all, new Promise<void>((r) => { timer = setTimeout(r, LIST_PROOF_MS); })]);
        clearTimeout(timer);
      }
      const out = clips.map((c) => { const p = proofs.get(c.clipId); return p ? { ...c, markerProof: p } : c; });
      return encodeJson({ clips: out });
    },

    async read(p: Buffer): Promise<Buffer> {
      const r = json<Partial<ReadRequest>>(p, 'READ');
      const clip = findClip(str(r.clipId, 'clipId'));
      const offset = uint(r.offset, 'offset');
      const length = uint(r.length, 'length');
      if (length === 0 || length > MAX_PAYLOAD) throw new WireError(ErrorCode.RANGE, `length: must be 1..${MAX_PAYLOAD}`);
      if (offset > clip.bytes) throw new WireError(ErrorCode.RANGE, `offset: ${offset} is past the clip's ${clip.bytes} bytes`);
      return vault.readChunk(clip.clipId, offset, Math.min(length, clip.bytes - offset));
    },

    async hashRange(p: Buffer): Promise<Buffer> {
      const r = json<Partial<HashRangeRequest>>(p, 'HASH_RANGE');
      const clip = findClip(str(r.clipId, 'clipId'));
      const length = uint(r.length, 'length');
      if (length > clip.bytes) throw new WireError(ErrorCode.RANGE, `length: ${length} is past the clip's ${clip.bytes} bytes`);
      const h = createHash('sha256');
      for (let off = 0; off < length; off += MAX_PAYLOAD) h.update(await vault.readChunk(clip.clipId, off, Math.min(MAX_PAYLOAD, length - off)));
      return encodeJson({ sha256: h.digest('hex') });
    },

    /** WIPE_CERTS: the wipe certificates the vault keeps, for any authenticated dock to deliver. */
    wipeCerts(p: Buffer): Buffer {
      if (!vault.wipeCertificatesKept) throw new WireError(ErrorCode.UNSUPPORTED, 'this camera keeps no wipe certificates');
      const r = json<{ skip?: unknown }>(p, 'WIPE_CERTS');
      const skip = r.skip === undefined ? 0 : uint(r.skip, 'skip');
      const page = vault.wipeCertificatesKept(skip, MAX_CERTS_PER_ANSWER + 1);
      return encodeJson({ certificates: page.slice(0, MAX_CERTS_PER_ANSWER), more: page.length > MAX_CERTS_PER_ANSWER });
    },

    async wipe(p: Buffer): Promise<Buffer> {
      const r = json<{ clipId?: unknown; receipt?: SignedDocument }>(p, 'WIPE');
      const clipId = str(r.clipId, 'clipId');
      if (!r.receipt || typeof r.receipt !== 'object') throw bad('receipt: expected a signed document');
      try {
        const certificate = await vault.wipe(clipId, r.receipt);
        known.delete(clipId);
        return encodeJson({ certificate });
      } catch (err) {
        event('wipe-refused', { clipId, reason: (err as Error).message });
        throw new WireError(ErrorCode.WIPE_REFUSED, (err as Error).message);
      }
    },
  };
}
