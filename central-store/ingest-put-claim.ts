// The put claim around storing one clip's blob and indexing it (docs/scale-out.md, "Several central
// nodes"): the one node holding the clip's row in `clip_put_claims` puts; a node that finds another live
// claim does not, and gives the dock no answer (its next ask finds the row, or the blob through the
// found-blob path, or a claim that ran out). Renewed every third of its life while the put runs, so a slow
// put of a large clip keeps it; released once the row is indexed. A put that fails leaves the claim to run
// out instead: the upload may still be on the wire. This holder asking again (the dock's retry) keeps it.
import type { Logger } from '../shared/log.js';
import type { Index } from './index/port.js';
import { clipPutClaimHolder, releaseClipPutClaim, renewClipPutClaim, takeClipPutClaim } from './index/tables/clip-put-claims.js';

/** Another node (or worker) is putting this clip now: no answer, the dock asks again. */
export class PutClaimHeld extends Error {}

/** Claims that ran out this long ago are dropped by the next release (their node died mid-put). */
const STALE_MS = 3600_000;

export interface PutClaimOptions {
  index: Index;
  /** This node and worker, unique across the nodes sharing the index. */
  holder: string;
  /** A claim's life (default 60 s, renewed every 20 s): how long a dead node's clip waits before another node may put it. */
  ttlMs?: number;
  log?: Logger;
  now?: () => number;
}

export async function underPutClaim<T>(o: PutClaimOptions, clipId: string, fn: () => Promise<T>): Promise<T> {
  const ttl = o.ttlMs ?? 60_000;
  const now = o.now ?? Date.now;
  const t = now();
  if (!await o.index.tx((u) => takeClipPutClaim(u, clipId, o.holder, t, t + ttl))) {
    const h = await o.index.tx((u) => clipPutClaimHolder(u, clipId));
    throw new PutClaimHeld(`clip ${clipId} is being stored by ${h?.holder ?? 'another node'} (claim until ${h ? new Date(h.untilMs).toISOString() : '?'}); no answer, the dock asks again`);
  }
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = o.index.tx((u) => renewClipPutClaim(u, clipId, o.holder, now() + ttl)).then(
      (still) => { if (!still) o.log?.warn({ clipId, holder: o.holder }, 'clip put claim lost (ran out and taken over): another node may put this clip too'); },
      (err) => o.log?.warn({ clipId, err: String(err) }, 'clip put claim renewal failed'));
  }, Math.max(50, Math.floor(ttl / 3)));
  timer.unref();
  let r: T;
  try {
    r = await fn();
  } finally {
    clearInterval(timer);
    await renewing;
  }
  // Not released (index unreachable): the row is indexed, so the claim only runs out unused.
  await o.index.tx((u) => releaseClipPutClaim(u, clipId, o.holder, now() - STALE_MS)).catch((err) => o.log?.warn({ clipId, err: String(err) }, 'clip put claim not released; it runs out'));
  return r;
}
