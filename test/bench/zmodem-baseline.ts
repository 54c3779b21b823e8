// A peer on the same wire: ZMODEM (Debian's lrzsz) moving a file through a socat pty pair, as the
// second baseline of the serial benches (issue 18): `sz -b -8 FILE` on one end, `rz -b -y` on the
// other, each with the pty as its stdin and stdout. ZMODEM carries CRC-32 and resume like our pull,
// but no authentication and no end-to-end hash, and rz does not fsync. Returns seconds; the received
// bytes are compared with the sent ones.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function run(cmd: string, args: string[], tty: string, cwd: string) {
  const fd = openSync(tty, 'r+');
  const child = spawn(cmd, args, { cwd, stdio: [fd, fd, 'pipe'] });
  closeSync(fd);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`${cmd}: ${e.message} (is lrzsz installed? scripts/system-deps.sh)`)));
    child.once('exit', (code, sig) => (code === 0 || child.killed ? resolve() : reject(new Error(`${cmd} exited ${code ?? sig}: ${err.trim()}`))));
  });
  return { child, exited };
}

/** Send `data` from pty end `from` to pty end `to` with sz/rz; seconds from start to both exits. */
export async function zmodemSeconds(from: string, to: string, data: Buffer): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'zmodem-bench-'));
  try {
    const src = join(dir, 'send');
    const dst = join(dir, 'recv');
    mkdirSync(src);
    mkdirSync(dst);
    writeFileSync(join(src, 'clip.bin'), data);
    const rz = run('rz', ['-b', '-y'], to, dst);
    const t0 = process.hrtime.bigint();
    await run('sz', ['-b', '-8', 'clip.bin'], from, src).exited;
    // sz exits after the receiver's ZFIN, which rz sends once it has closed the file: the transfer
    // is done. rz then waits ~30 s for sz's "OO" over a pty pair; that tail is not the transfer's.
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    rz.child.kill('SIGTERM');
    await rz.exited;
    if (!readFileSync(join(dst, 'clip.bin')).equals(data)) throw new Error('zmodem: received bytes differ from the sent ones');
    return sec;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
