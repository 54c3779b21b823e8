// Simulated flash: a temp directory with a configurable capacity, so "nearly full" can be tested.
import { mkdtempSync } from 'node:fs';
import { readdir, stat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { FlashStorage } from '../shared/hal.js';

async function usedBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? await usedBytes(p) : (await stat(p)).size;
  }
  return n;
}

export class SimFlash implements FlashStorage {
  readonly dir: string;
  constructor(private capacityBytes = 8 * 1024 ** 3, dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'simflash-'));
  }
  setCapacity(bytes: number): void {
    this.capacityBytes = bytes;
  }
  async freeBytes(): Promise<number> {
    return Math.max(0, this.capacityBytes - (await usedBytes(this.dir)));
  }
  async totalBytes(): Promise<number> {
    return this.capacityBytes;
  }
  async discard(): Promise<boolean> {
    return true;
  }
  async destroy(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
