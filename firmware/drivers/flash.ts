// Flash storage driver: a directory on the data partition, free space from statfs.
import { statfs } from 'node:fs/promises';
import type { FlashStorage } from '../../shared/hal.js';

export class DirFlash implements FlashStorage {
  constructor(readonly dir: string) {}
  async freeBytes(): Promise<number> {
    const s = await statfs(this.dir);
    return s.bavail * s.bsize;
  }
  async totalBytes(): Promise<number> {
    const s = await statfs(this.dir);
    return s.blocks * s.bsize;
  }
  /** FITRIM needs root and an ioctl Node cannot issue; the device image runs fstrim.timer instead. */
  async discard(): Promise<boolean> {
    return false;
  }
}
