// Install a firmware bundle A/B once verified (shared/firmware-bundle/): the inactive slot is marked
// not-bootable, written and checked file by file, and the switch is one atomic boot-state write, held
// back while the camera is busy (recording, offloading). Spec: docs/firmware-bundle.md.
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fdSource, type ByteSource } from '../../shared/firmware-bundle/bundle.js';
import { BundleError, type Manifest } from '../../shared/firmware-bundle/manifest.js';
import { verifyHeader, type VerifyTrust } from '../../shared/firmware-bundle/verify.js';
import { DEFAULT_BOOT_LIMIT, other, readBootState, withGood, writeBootState, type BootState, type Slot } from './boot-state.js';
import { clearSlot, writeSlot } from './slots.js';

// The header is small and capped: it is read synchronously through the handle's fd.
const handleSource = async (fh: FileHandle): Promise<ByteSource> => fdSource(fh.fd);

/** Reads only the manifest and signature and checks the sizes; throws BundleError. */
export async function verifyBundle(bundlePath: string, trust: VerifyTrust): Promise<Manifest> {
  const fh = await openBundle(bundlePath);
  try {
    return verifyHeader(await handleSource(fh), trust).manifest;
  } finally {
    await fh.close();
  }
}

/** Hash each file's bytes in the bundle (async reads, so a recording camera keeps running): 'tampered' on a mismatch. */
async function checkPayloadOf(fh: FileHandle, payloadOffset: number, m: Manifest): Promise<void> {
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  let off = payloadOffset;
  for (const f of m.files) {
    const h = createHash('sha256');
    for (let left = f.size; left > 0; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(left, buf.length), off);
      if (bytesRead === 0) throw new BundleError('truncated', `bundle ends inside file ${f.path}`);
      h.update(buf.subarray(0, bytesRead));
      off += bytesRead;
      left -= bytesRead;
    }
    if (h.digest('hex') !== f.sha256) throw new BundleError('tampered', `file ${f.path}: SHA-256 does not match the signed manifest`);
  }
}

async function openBundle(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (err) {
    throw new BundleError('io', `cannot open ${path}: ${(err as Error).message}`);
  }
}

export type InstallStep = 'verified' | 'slot-marked' | 'slot-written' | 'waiting' | 'state-temp' | 'switched';
export interface UpdaterOptions {
  slotsDir: string;
  trust: { releaseKeys: Record<string, string> };
  hardware: string;
  log?: (type: string, data: Record<string, unknown>) => void;
  /** Why the camera cannot switch now ('recording', 'offload'), or null when idle. */
  isBusy?: () => string | null;
  pollMs?: number;
  bootLimit?: number;
  /** Called at each install step (tests cut the power there). */
  onStep?: (step: InstallStep) => void | Promise<void>;
}
export interface InstallOptions {
  by?: string;
  onProgress?: (done: number, total: number) => void;
  /** false: resolve once the slot is written; the switch happens later (whenSwitched()). Default true. */
  wait?: boolean;
}
export interface InstallResult {
  version: string;
  slot: Slot;
  switched: boolean;
  waitingFor?: string;
}

export class Updater {
  private running = false;
  private pending: { version: string; waitingFor: string | null; done: Promise<InstallResult> } | null = null;
  constructor(private readonly o: UpdaterOptions) {}

  private state(): BootState {
    return readBootState(this.o.slotsDir, this.o.bootLimit ?? DEFAULT_BOOT_LIMIT);
  }

  status(): { active: Slot; version: string; floor: string; trial: boolean; bootCount: number; pending?: string; waitingFor?: string } {
    const s = this.state();
    return {
      active: s.active, version: s.slots[s.active].version ?? '0.0.0', floor: s.floor, trial: s.trial !== null, bootCount: s.trial?.bootCount ?? 0,
      ...(this.pending ? { pending: this.pending.version, ...(this.pending.waitingFor ? { waitingFor: this.pending.waitingFor } : {}) } : {}),
    };
  }

  /** The pending switch of an install started with wait: false (null when none). */
  whenSwitched(): Promise<InstallResult> | null {
    return this.pending?.done ?? null;
  }

  /** The running (trial) slot passed its health checks. */
  async markGood(slot: Slot): Promise<void> {
    const s = await writeBootState(this.o.slotsDir, withGood(this.state(), slot));
    this.o.log?.('fw-good', { slot, version: s.slots[slot].version, floor: s.floor });
  }

  async install(bundlePath: string, io: InstallOptions = {}): Promise<InstallResult> {
    const log = (outcome: string, data: Record<string, unknown>) =>
      this.o.log?.('fw-install', { outcome, bundle: basename(bundlePath), ...(io.by ? { by: io.by } : {}), ...data });
    if (this.running) throw this.refuse(log, new BundleError('busy', 'another install is in progress'));
    this.running = true;
    let fh: FileHandle | undefined;
    let finished = true;
    let switching = false;
    try {
      let s = this.state();
      if (s.trial) throw new BundleError('busy', `version ${s.slots[s.trial.slot].version} in slot ${s.trial.slot} is on trial (not yet marked good)`);
      fh = await openBundle(bundlePath);
      const cur = s.slots[s.active];
      const { header, manifest } = verifyHeader(await handleSource(fh), {
        releaseKeys: this.o.trust.releaseKeys, hardware: this.o.hardware, currentVersion: cur.bootable ? cur.version ?? '0.0.0' : '0.0.0', floor: s.floor,
      });
      // Every file's bytes against the signed manifest before the inactive slot (the fallback) is touched.
      await checkPayloadOf(fh, header.payloadOffset, manifest);
      await this.o.onStep?.('verified');
      const slot = other(s.active);
      s = await writeBootState(this.o.slotsDir, { ...s, slots: { ...s.slots, [slot]: { version: null, bootable: false, good: false, manifestSha256: null } } });
      await this.o.onStep?.('slot-marked');
      const dir = join(this.o.slotsDir, slot);
      clearSlot(dir);
      let manifestSha256: string;
      try {
        manifestSha256 = await writeSlot(fh, header.payloadOffset, header.manifestBytes, manifest, dir, { onProgress: io.onProgress });
      } catch (err) {
        clearSlot(dir);
        throw err;
      }
      await fh.close();
      fh = undefined;
      await this.o.onStep?.('slot-written');
      log('written', { version: manifest.version, slot });
      const sw = this.switchWhenIdle(slot, manifest.version, manifestSha256, log);
      if (io.wait === false && this.pending?.waitingFor) {
        finished = false;
        void sw.finally(() => { this.running = false; }).catch(() => undefined);
        return { version: manifest.version, slot, switched: false, waitingFor: this.pending.waitingFor };
      }
      switching = true;
      return await sw;
    } catch (err) {
      if (switching) throw err; // logged by the switch itself
      if (err instanceof BundleError) throw this.refuse(log, err);
      log('failed', { message: (err as Error).message });
      throw err;
    } finally {
      await fh?.close();
      if (finished) this.running = false;
    }
  }

  private refuse(log: (o: string, d: Record<string, unknown>) => void, err: BundleError): BundleError {
    log('refused', { reason: err.code, message: err.message });
    return err;
  }

  private switchWhenIdle(slot: Slot, version: string, manifestSha256: string, log: (o: string, d: Record<string, unknown>) => void): Promise<InstallResult> {
    const p = { version, waitingFor: this.o.isBusy?.() ?? null, done: null as unknown as Promise<InstallResult> };
    this.pending = p;
    p.done = (async () => {
      const poll = this.o.pollMs ?? 250;
      if (p.waitingFor) {
        log('waiting', { version, slot, waitingFor: p.waitingFor });
        await this.o.onStep?.('waiting');
      }
      while ((p.waitingFor = this.o.isBusy?.() ?? null)) await new Promise((r) => setTimeout(r, poll));
      const s = this.state();
      const fallback = s.slots[s.active].bootable ? s.active : null;
      await writeBootState(
        this.o.slotsDir,
        { ...s, active: slot, slots: { ...s.slots, [slot]: { version, bootable: true, good: false, manifestSha256 } }, trial: { slot, bootCount: 0, fallback } },
        () => this.o.onStep?.('state-temp'),
      );
      this.pending = null;
      await this.o.onStep?.('switched');
      log('switched', { version, slot });
      return { version, slot, switched: true };
    })();
    p.done.catch((err: Error) => {
      if (this.pending === p) this.pending = null;
      log('failed', { version, slot, message: err.message });
    });
    return p.done;
  }
}
