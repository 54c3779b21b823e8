// Dock firmware drop folder: a bundle put into the folder is verified on the dock (signature by a
// firmware release key in the dock's trust store, every file's SHA-256) and then staged to each
// docked camera of its hardware that runs an older version — only after that camera's offload has
// completed (DockAgent afterOffload), so firmware never competes with evidence.
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import { ConfigError } from '../shared/config.js';
import { checkPayload, fdSource, readHeader } from '../shared/firmware-bundle/bundle.js';
import { compareVersions, parseManifest, type Manifest } from '../shared/firmware-bundle/manifest.js';
import { verifyHeader } from '../shared/firmware-bundle/verify.js';
import { FirmwareClient, type StageOptions } from '../shared/wire/fw-transfer.js';
import { ErrorCode, WireError } from '../shared/wire/messages.js';
import type { RpcClient } from '../shared/wire/link.js';
import type { DockedDevice, UsbHotplug } from '../shared/hal.js';
import type { CameraSession } from './types.js';

export type FirmwareEvent =
  | { type: 'fw-ready'; file: string; version: string; hardware: string }
  | { type: 'fw-rejected'; file: string; reason: string }
  | { type: 'fw-staged'; deviceId: string; version: string; outcome: 'installed' | 'waiting' | 'refused' | 'failed'; reason?: string };

export interface FirmwareDropOptions {
  dropDir: string;
  /** Firmware release public keys by name (the dock's trust store trust/firmware/*.pub.pem). */
  releaseKeys: Record<string, string>;
  log: Logger;
  onEvent?: (e: FirmwareEvent) => void;
  stage?: StageOptions;
  /** Test hook: poll instead of inotify. */
  usePolling?: boolean;
}

/** Release keys from a trust/firmware directory (*.pub.pem, named by file); none is an error. */
export function loadReleaseKeys(dir: string): Record<string, string> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.pub.pem')).sort();
  } catch (err) {
    throw new ConfigError(`config.firmware.keysDir: cannot read ${dir} (${(err as Error).message})`);
  }
  if (names.length === 0) throw new ConfigError(`config.firmware.keysDir: no *.pub.pem release key in ${dir}`);
  return Object.fromEntries(names.map((n) => [n.slice(0, -'.pub.pem'.length), readFileSync(join(dir, n), 'utf8')]));
}

interface Ready { path: string; manifest: Manifest; header: Buffer }

/** Full check on the dock: header (signature, trusted key, sizes) and every file's bytes. */
export function verifyBundleFile(path: string, releaseKeys: Record<string, string>): Ready {
  const fd = openSync(path, 'r');
  try {
    const src = fdSource(fd);
    const m = parseManifest(readHeader(src).manifestBytes);
    // The dock has no version of its own: hardware and version rules are the camera's to apply.
    const { header, manifest } = verifyHeader(src, { releaseKeys, hardware: m.hardware, currentVersion: '0.0.0', floor: '0.0.0' });
    checkPayload(src, header.payloadOffset, manifest);
    return { path, manifest, header: Buffer.from(src.read(0, header.payloadOffset)) };
  } finally {
    closeSync(fd);
  }
}

export class FirmwareDrop {
  /** Newest verified bundle per hardware string. */
  readonly ready = new Map<string, Ready>();
  private watcher?: FSWatcher;
  /** "<deviceId> <file>" a camera refused: not offered again until the file changes. */
  private readonly refused = new Set<string>();

  constructor(private readonly o: FirmwareDropOptions) {}

  async start(): Promise<void> {
    mkdirSync(this.o.dropDir, { recursive: true });
    const w = watch(this.o.dropDir, {
      depth: 0, ignoreInitial: false, usePolling: this.o.usePolling, interval: 100,
      awaitWriteFinish: { stabilityThreshold: 300, pollInterval: 50 },
      ignored: (p, st) => p !== this.o.dropDir && (basename(p).startsWith('.') || /\.(tmp|part|reason\.txt)$/.test(p) || (st !== undefined && !st.isFile())),
    });
    this.watcher = w;
    w.on('add', (p) => this.consider(p));
    w.on('change', (p) => this.consider(p));
    w.on('unlink', (p) => {
      for (const [hw, r] of this.ready) if (r.path === p) this.ready.delete(hw);
    });
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
  }

  /** Verify a dropped file; a bad one is moved to rejected/ with its reason beside it. */
  consider(path: string): void {
    const file = basename(path);
    for (const k of [...this.refused]) if (k.endsWith(` ${path}`)) this.refused.delete(k);
    try {
      const r = verifyBundleFile(path, this.o.releaseKeys);
      const have = this.ready.get(r.manifest.hardware);
      if (!have || compareVersions(r.manifest.version, have.manifest.version) >= 0) this.ready.set(r.manifest.hardware, r);
      this.o.log.info({ file, version: r.manifest.version, hardware: r.manifest.hardware }, 'firmware bundle verified; will be staged after offload');
      this.o.onEvent?.({ type: 'fw-ready', file, version: r.manifest.version, hardware: r.manifest.hardware });
    } catch (err) {
      const reason = (err as Error).message;
      for (const [hw, r] of this.ready) if (r.path === path) this.ready.delete(hw);
      const dir = join(this.o.dropDir, 'rejected');
      mkdirSync(dir, { recursive: true });
      try {
        renameSync(path, join(dir, file));
        writeFileSync(join(dir, `${file}.reason.txt`), `${reason}\n`);
      } catch (moveErr) {
        this.o.log.warn({ file, err: String(moveErr) }, 'could not move the refused bundle aside');
      }
      this.o.log.warn({ file, reason }, 'firmware bundle refused');
      this.o.onEvent?.({ type: 'fw-rejected', file, reason });
    }
  }

  /** After a camera's offload: stage and commit the newest bundle it needs, if any. Never throws. */
  async afterOffload(session: CameraSession, signal?: AbortSignal): Promise<void> {
    const rpc = (session as CameraSession & { rpc?: RpcClient }).rpc;
    if (!rpc || this.ready.size === 0 || signal?.aborted) return;
    const fw = new FirmwareClient(rpc);
    let version = '';
    let offered: Ready | undefined;
    try {
      const st = await fw.status();
      const b = this.ready.get(st.hardware);
      if (!b || compareVersions(b.manifest.version, st.version) <= 0 || compareVersions(b.manifest.version, st.floor) < 0) return;
      if (st.pending === b.manifest.version) return; // installed, switch waiting for the camera to be idle
      version = b.manifest.version;
      offered = b;
      if (this.refused.has(`${session.deviceId} ${b.path}`)) return;
      if (st.trial) {
        this.o.log.info({ deviceId: session.deviceId, version }, 'camera is on a trial boot; firmware waits for the next docking');
        return;
      }
      const staged = await fw.stage(b.path, b.header, this.o.stage);
      if (signal?.aborted) return;
      const r = await fw.commit(staged.sha256);
      const outcome = r.switched ? 'installed' : 'waiting';
      this.o.log.info({ deviceId: session.deviceId, version, outcome, waitingFor: r.waitingFor }, 'firmware staged');
      this.o.onEvent?.({ type: 'fw-staged', deviceId: session.deviceId, version, outcome });
    } catch (err) {
      if (err instanceof WireError && err.code === ErrorCode.UNSUPPORTED) return; // firmware without staging
      const refused = err instanceof WireError && err.code === ErrorCode.FW_REFUSED;
      const reason = err instanceof WireError ? err.reason : (err as Error).message;
      if (refused && offered) this.refused.add(`${session.deviceId} ${offered.path}`);
      this.o.log.warn({ deviceId: session.deviceId, version, reason }, refused ? 'camera refused the firmware' : 'firmware staging failed; resumes at the next docking');
      this.o.onEvent?.({ type: 'fw-staged', deviceId: session.deviceId, version, outcome: refused ? 'refused' : 'failed', reason });
    }
  }
}

/**
 * Wrap the hotplug source to know which cameras sit in the dock, so that a bundle verified later
 * still reaches them: `rerun` (DockAgent.attach) runs their bay again — offload first, then staging.
 */
export function trackDocked(hotplug: UsbHotplug): { hotplug: UsbHotplug; docked(): DockedDevice[] } {
  const present = new Map<string, DockedDevice>();
  return {
    docked: () => [...present.values()],
    hotplug: {
      onAttach: (l) => hotplug.onAttach((d) => { present.set(d.ttyPath, d); l(d); }),
      onDetach: (l) => hotplug.onDetach((d) => { present.delete(d.ttyPath); l(d); }),
      async start() {
        const found = await hotplug.start();
        for (const d of found) present.set(d.ttyPath, d);
        return found;
      },
      stop: () => hotplug.stop(),
    },
  };
}
