// Fixed-size blocks for the pre-record buffer. Evicted segments hand their blocks back here and the
// next segment reuses them, so RAM held by the ring stays at its payload instead of waiting for V8's
// GC to free old segments (a 1 MB segment lives 60 s, dies in the old generation, and is freed only
// by a full GC: RSS peaked at ~2.9 × payload before, issue 18).
export class BlockPool {
  private free: Buffer[] = [];
  /** Blocks ever allocated (RAM this pool has taken; never shrinks while they are kept). */
  allocated = 0;
  constructor(
    readonly blockSize: number,
    /** Keep at most this many unused blocks; beyond that they go back to the allocator. */
    private readonly maxFree: number,
  ) {
    if (!(blockSize >= 188)) throw new Error('BlockPool.blockSize: must be at least one TS packet');
  }

  take(): Buffer {
    const b = this.free.pop();
    if (b) return b;
    this.allocated++;
    // Off the shared 8 KiB pool: each block is its own allocation, reused for the process's life.
    return Buffer.allocUnsafeSlow(this.blockSize);
  }

  give(blocks: Buffer[]): void {
    for (const b of blocks) {
      if (this.free.length < this.maxFree) this.free.push(b);
      else this.allocated--;
    }
  }

  get freeBlocks(): number {
    return this.free.length;
  }
}

/** Bytes copied into pool blocks; `length` counts what is used of the last block. */
export class PooledBytes {
  readonly blocks: Buffer[] = [];
  length = 0;
  constructor(private readonly pool: BlockPool) {}

  append(src: Buffer, from = 0, to = src.length): void {
    let off = from;
    const size = this.pool.blockSize;
    while (off < to) {
      const used = this.length % size;
      if (used === 0) this.blocks.push(this.pool.take());
      const n = src.copy(this.blocks[this.blocks.length - 1]!, used, off, Math.min(to, off + size - used));
      off += n;
      this.length += n;
    }
  }

  /** The bytes as views of the blocks (no copy); valid until release(). */
  views(): Buffer[] {
    const size = this.pool.blockSize;
    return this.blocks.map((b, i) => (i === this.blocks.length - 1 ? b.subarray(0, this.length - i * size) : b));
  }

  release(): void {
    this.pool.give(this.blocks.splice(0));
    this.length = 0;
  }
}
