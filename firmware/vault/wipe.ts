// Ask the device to discard freed blocks after a wipe (the overwrite itself: shared/durable-file.ts).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type DiscardResult = 'discard' | 'discard-unsupported';

/**
 * FITRIM is an ioctl Node cannot issue, so run fstrim on the mount holding `dir` when we are root and
 * the binary exists; anything else is recorded as unsupported (the device image's fstrim.timer covers it).
 */
export async function fstrimDiscard(dir: string): Promise<DiscardResult> {
  const bin = ['/usr/sbin/fstrim', '/sbin/fstrim', '/usr/bin/fstrim'].find((p) => existsSync(p));
  if (!bin || process.getuid?.() !== 0) return 'discard-unsupported';
  try {
    const { stdout } = await run('findmnt', ['-T', dir, '-n', '-o', 'TARGET'], { timeout: 5000 });
    const mount = stdout.trim() || dir;
    await run(bin, [mount], { timeout: 60_000 });
    return 'discard';
  } catch {
    return 'discard-unsupported';
  }
}
