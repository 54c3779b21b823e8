// A spool file the serial pull is still writing, as the uploader sees it: how many leading bytes are
// written (each from an authenticated, CRC-checked READ, in order), and whether the whole file has
// passed the end-to-end SHA-256. The uploader sends a chunk once its bytes are here, and asks central
// to finish the clip only after the pull verified (docs/mqtt-topics.md, "Pipelined offload").

export class PullAborted extends Error {}

export class GrowingSpool {
  private written = 0;
  private verified = false;
  private failure: Error | undefined;
  private waiters: { need: number; resolve(): void; reject(e: Error): void }[] = [];

  get isVerified(): boolean { return this.verified; }

  /** The pull's onProgress: bytes [0, n) are in the spool file (n may fall back to 0 when a resumed prefix failed its check). */
  advance(n: number): void {
    this.written = n;
    this.settle();
  }

  /** The whole file is written, fsync'd and its SHA-256 equals the camera's. */
  verify(): void {
    this.verified = true;
    this.settle();
  }

  /** The pull ended without a verified file (undock, line cut, hash mismatch): waiting uploads stop. */
  fail(err: unknown): void {
    if (this.verified || this.failure) return;
    this.failure = new PullAborted(`pull did not finish: ${String((err as Error)?.message ?? err)}`);
    this.settle();
  }

  /** Resolves once bytes [0, n) are written (or the file verified); rejects if the pull ended short. */
  until(n: number): Promise<void> {
    if (this.verified || this.written >= n) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ need: n, resolve, reject }));
  }

  /** Resolves once the whole file verified; rejects if the pull ended short. */
  whole(): Promise<void> { return this.until(Infinity); }

  private settle(): void {
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.verified || this.written >= w.need) w.resolve();
      else if (this.failure) w.reject(this.failure);
      else keep.push(w);
    }
    this.waiters = keep;
  }
}
