// Camera side of firmware staging (docs/wire-protocol.md, "Firmware staging"): a bundle arrives in
// FW_WRITE pieces into update/staging.bin on flash (a bundle is not personal data), always as a
// contiguous prefix so a cut link resumes where it stopped; FW_COMMIT checks the whole-file SHA-256
// and hands the file to the A/B updater. Every install or refusal goes to the device log.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeDurable } from '../shared/durable-file.js';
import {
  FwMsg, decodeFwBegin, decodeFwCommit, decodeFwEmpty, decodeFwWrite,
  type FwInstallRecord, type FwPeer, type FwStatus,
} from '../shared/wire/fw-messages.js';
import { ErrorCode, WireError, encodeJson } from '../shared/wire/messages.js';

/** What staging needs of the A/B updater (firmware/update/install.ts). */
export interface UpdaterLike {
  status(): { active: string; version: string; floor: string; trial: boolean; bootCount: number; pending?: unknown };
  install(bundlePath: string, o?: { by?: string; wait?: boolean }): Promise<{ version: string; slot: string; switched: boolean; waitingFor?: string }>;
}

export interface FwStagingOptions {
  /** Directory on flash for the staging file and state (e.g. <flashDir>/update). */
  dir: string;
  deviceId: string;
  hardware: string;
  updater: UpdaterLike;
  /**
   * Verify the bundle header (signature by a trusted release key, hardware, floor, newer, sizes
   * against the declared bundle size) before any data is accepted; throws the reason.
   */
  checkHeader(header: Buffer, size: number): Promise<{ version: string }> | { version: string };
  /** Largest bundle accepted (default 512 MiB). */
  maxBytes?: number;
  /** Free bytes on the flash, reported in FW_STATUS (for the dock's heartbeat). */
  flashFree?: () => Promise<number>;
  /** The slot and version this process was started from (the launcher's choice), when known. */
  running?: () => { slot: string; version: string | null } | null;
  /** Clock for install records (the camera's dock-set clock). */
  now?: () => number;
  /** Device log append. */
  record(type: 'fw-flash', data: Record<string, unknown>): void;
}

interface Staged { sha256: string; size: number; version: string; by: FwPeer; headerSha256: string; headerBytes: number }

const refused = (reason: string) => new WireError(ErrorCode.FW_REFUSED, reason);
const range = (reason: string) => new WireError(ErrorCode.RANGE, reason);

export class FwStaging {
  private readonly bin: string;
  private readonly stateFile: string;
  private readonly lastFile: string;
  private staged: Staged | null = null;
  private have = 0;
  private fd: number | null = null;

  constructor(private readonly o: FwStagingOptions) {
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    this.bin = join(o.dir, 'staging.bin');
    this.stateFile = join(o.dir, 'staging.json');
    this.lastFile = join(o.dir, 'last-install.json');
    // A staging left by a cut link or a reboot is resumed, never trusted: FW_COMMIT hashes it all.
    try {
      this.staged = JSON.parse(readFileSync(this.stateFile, 'utf8')) as Staged;
      this.have = existsSync(this.bin) ? Math.min(fstatSize(this.bin), this.staged.size) : 0;
    } catch {
      this.staged = null;
    }
  }

  async handle(type: number, p: Buffer, peer: FwPeer): Promise<Buffer> {
    switch (type) {
      case FwMsg.FW_STATUS:
        decodeFwEmpty(p, 'FW_STATUS');
        return encodeJson({ ...this.status(), flashFreeBytes: this.o.flashFree ? await this.o.flashFree().catch(() => null) : null });
      case FwMsg.FW_BEGIN:
        return this.begin(p, peer);
      case FwMsg.FW_WRITE:
        return this.write(p);
      case FwMsg.FW_COMMIT:
        return this.commit(p, peer);
      case FwMsg.FW_RESULT:
        decodeFwEmpty(p, 'FW_RESULT');
        return encodeJson({ last: this.last() });
      case FwMsg.FW_ABORT:
        decodeFwEmpty(p, 'FW_ABORT');
        this.discard();
        return encodeJson({ ok: true });
    }
    throw new WireError(ErrorCode.UNSUPPORTED, `message type 0x${type.toString(16)} is reserved for firmware staging`);
  }

  status(): FwStatus {
    const s = this.o.updater.status();
    const staged = this.staged ? { sha256: this.staged.sha256, size: this.staged.size, have: this.have, version: this.staged.version } : null;
    return {
      hardware: this.o.hardware, version: s.version, floor: s.floor, active: s.active, trial: s.trial, bootCount: s.bootCount, pending: s.pending ?? null,
      running: this.o.running?.() ?? null, staged, last: this.last(),
    };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private last(): FwInstallRecord | null {
    try {
      return JSON.parse(readFileSync(this.lastFile, 'utf8')) as FwInstallRecord;
    } catch {
      return null;
    }
  }

  private async begin(p: Buffer, peer: FwPeer): Promise<Buffer> {
    const b = decodeFwBegin(p);
    const max = this.o.maxBytes ?? 512 * 1024 * 1024;
    if (b.size > max) throw range(`size: ${b.size} bytes exceeds the camera's limit of ${max}`);
    if (b.header.length > b.size) throw range(`header: ${b.header.length} bytes is more than the declared size ${b.size}`);
    // The manifest signature is checked before a single byte is accepted, and before the current
    // staging is given up: a forged offer costs nothing.
    let version: string;
    try {
      version = (await this.o.checkHeader(b.header, b.size)).version;
    } catch (err) {
      // A staging of this very bundle can never install now (e.g. the camera moved past it): drop it.
      if (this.staged?.sha256 === b.sha256) this.discard();
      this.finish({ by: peer, version: null, sha256: b.sha256, outcome: 'refused', reason: (err as Error).message });
      throw refused((err as Error).message);
    }
    const same = this.staged && this.staged.sha256 === b.sha256 && this.staged.size === b.size;
    if (!same || b.restart) {
      this.close();
      rmSync(this.bin, { force: true });
      this.staged = { sha256: b.sha256, size: b.size, version, by: peer, headerSha256: createHash('sha256').update(b.header).digest('hex'), headerBytes: b.header.length };
      this.have = 0;
      writeDurable(this.stateFile, JSON.stringify(this.staged), 0o600);
    }
    this.have = Math.min(this.have, existsSync(this.bin) ? fstatSize(this.bin) : 0);
    return encodeJson({ have: this.have, prefixSha256: this.hashPrefix(this.have) });
  }

  private async write(p: Buffer): Promise<Buffer> {
    const { offset, data } = decodeFwWrite(p);
    const s = this.staged;
    if (!s) throw new WireError(ErrorCode.BAD_REQUEST, 'FW_WRITE: no bundle is being staged (send FW_BEGIN first)');
    if (offset > this.have) throw range(`offset: ${offset} would leave a gap after the ${this.have} bytes staged`);
    if (offset + data.length > s.size) throw range(`offset+length: ${offset + data.length} is past the declared size ${s.size}`);
    const fd = (this.fd ??= openSync(this.bin, existsSync(this.bin) ? 'r+' : 'w+', 0o600));
    for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done, offset + done);
    this.have = Math.max(this.have, offset + data.length);
    return encodeJson({ have: this.have });
  }

  private async commit(p: Buffer, peer: FwPeer): Promise<Buffer> {
    const { sha256 } = decodeFwCommit(p);
    const s = this.staged;
    if (!s) throw new WireError(ErrorCode.BAD_REQUEST, 'FW_COMMIT: no bundle is being staged');
    if (sha256 !== s.sha256) throw new WireError(ErrorCode.BAD_REQUEST, `sha256: ${sha256} is not the bundle being staged (${s.sha256})`);
    if (this.have !== s.size) throw range(`FW_COMMIT: ${this.have} of ${s.size} bytes staged`);
    if (this.fd !== null) fsyncSync(this.fd);
    this.close();
    const got = this.hashPrefix(s.size);
    // The bytes must hash as announced and start with the header that was checked at FW_BEGIN.
    const head = got === s.sha256 ? this.hashPrefix(s.headerBytes) : s.headerSha256;
    if (got !== s.sha256 || head !== s.headerSha256) {
      this.discard();
      const reason = got !== s.sha256 ? `sha256: staged bytes hash to ${got}, expected ${s.sha256}; staging discarded` : 'header: the staged bundle does not start with the header checked at FW_BEGIN; staging discarded';
      this.finish({ by: peer, version: s.version, sha256: s.sha256, outcome: 'refused', reason });
      throw refused(reason);
    }
    let r;
    try {
      // wait: false — while the camera records, the slot is written now and the switch waits.
      r = await this.o.updater.install(this.bin, { by: `${peer.role}:${peer.id}`, wait: false });
    } catch (err) {
      const e = err as Error & { code?: string };
      const reason = e.code && !e.message.startsWith(`${e.code}:`) ? `${e.code}: ${e.message}` : e.message;
      this.discard();
      this.finish({ by: peer, version: s.version, sha256: s.sha256, outcome: 'refused', reason });
      throw refused(reason);
    }
    this.discard();
    this.finish({
      by: peer, version: r.version, sha256: s.sha256, outcome: r.switched ? 'installed' : 'waiting', slot: r.slot,
      ...(r.waitingFor ? { waitingFor: r.waitingFor } : {}),
    });
    return encodeJson({ version: r.version, slot: r.slot, switched: r.switched, waitingFor: r.waitingFor ?? null });
  }

  private finish(rec: Omit<FwInstallRecord, 'at' | 'deviceId'>): void {
    const full: FwInstallRecord = { at: new Date((this.o.now ?? Date.now)()).toISOString(), deviceId: this.o.deviceId, ...rec };
    writeDurable(this.lastFile, JSON.stringify(full), 0o600);
    this.o.record('fw-flash', { ...full });
  }

  private discard(): void {
    this.close();
    rmSync(this.bin, { force: true });
    rmSync(this.stateFile, { force: true });
    this.staged = null;
    this.have = 0;
  }

  private hashPrefix(n: number): string {
    const h = createHash('sha256');
    if (n > 0) {
      const fd = openSync(this.bin, 'r');
      try {
        const buf = Buffer.alloc(Math.min(n, 1 << 20));
        for (let off = 0; off < n; ) {
          const got = readSync(fd, buf, 0, Math.min(buf.length, n - off), off);
          if (got === 0) break;
          h.update(buf.subarray(0, got));
          off += got;
        }
      } finally {
        closeSync(fd);
      }
    }
    return h.digest('hex');
  }
}

function fstatSize(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}
