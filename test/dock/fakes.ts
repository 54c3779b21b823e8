// In-memory stand-ins for the serial link (CameraSession) and USB hotplug, for orchestration tests.
// The fake camera checks receipts the way the real one must: signature by the central key, exact clip id and hash.
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import type { CameraSession } from '../../dock-agent/types.js';
import { GENESIS_HASH, entryHash } from '../../firmware/device-log.js';
import { signDocument, type ClipSummary, type DeviceLogEntry, type SignedDocument, type WipeCertificateBody } from '../../shared/evidence.js';
import type { DockedDevice, UsbHotplug } from '../../shared/hal.js';
import { verifyReceipt } from '../../shared/receipt-check.js';
import { buildSignedClip, cameraIdentity, certB64, type BuildOptions } from '../helpers/pki.js';
import { ErrorCode, MsgType, WireError } from '../../shared/wire/messages.js';

export class FakeCamera {
  readonly clips = new Map<string, { summary: ClipSummary; data: Buffer }>();
  readonly log: DeviceLogEntry[] = [];
  readonly calls: string[] = [];
  readonly pulls = new Map<string, number>();
  /** The camera's identity from the test CA: seals its clips, signs wipe certificates and log heads. */
  readonly key: { privateKey: KeyObject };
  readonly certB64: string;
  /** Delay per 64 KiB pulled, to let tests undock mid-transfer. */
  pullDelayMs = 0;
  epochs: SignedDocument[] = [];
  clock = 0;
  /** Called before a wipe is done, e.g. to check the central store really has the clip. */
  beforeWipe?: (clipId: string) => void | Promise<void>;

  constructor(readonly deviceId: string, private readonly centralKey: KeyObject) {
    const id = cameraIdentity(deviceId);
    this.key = { privateKey: createPrivateKey(id.keyPem) };
    this.certB64 = certB64(id.certPem);
  }

  /** A real signed clip of about `bytes` (summary.bytes is exact). */
  addClip(bytes: number, o: BuildOptions = {}): ClipSummary {
    const { clip: summary, data } = buildSignedClip(bytes, { deviceId: this.deviceId, ...o });
    this.clips.set(summary.clipId, { summary, data });
    return summary;
  }

  private appendLog(type: string, data: Record<string, unknown>): void {
    const prevHash = this.log.length ? this.log[this.log.length - 1].hash : GENESIS_HASH;
    const e = { seq: this.log.length + 1, at: new Date().toISOString(), type, data, prevHash };
    this.log.push({ ...e, hash: entryHash(prevHash, e) });
  }

  session(): CameraSession {
    let closed = false;
    const live = (what: string) => { if (closed) throw new Error(`session closed (${what})`); this.calls.push(what); };
    const cam = this;
    const fetchLog = async (since: number) => { live('fetchLog'); return cam.log.filter((e) => e.seq > since); };
    return {
      deviceId: cam.deviceId,
      cameraCert: cam.certB64,
      async listClips() { live('listClips'); return [...cam.clips.values()].map((c) => c.summary); },
      async pullClip(clip, dest, onProgress) {
        live(`pull:${clip.clipId}`);
        cam.pulls.set(clip.clipId, (cam.pulls.get(clip.clipId) ?? 0) + 1);
        const c = cam.clips.get(clip.clipId);
        if (!c) throw new Error('no such clip');
        const have = await stat(dest).then((s) => s.size, () => 0);
        const fh = await open(dest, have ? 'r+' : 'w');
        try {
          for (let off = have; off < c.data.length; off += 65536) {
            if (closed) throw new Error('session closed mid-pull');
            if (cam.pullDelayMs) await new Promise((r) => setTimeout(r, cam.pullDelayMs));
            await fh.write(c.data, off, Math.min(65536, c.data.length - off), off);
            onProgress?.(Math.min(c.data.length, off + 65536));
          }
        } finally { await fh.close(); }
        if (createHash('sha256').update(await readFile(dest)).digest('hex') !== clip.sha256) throw new Error('pulled file hash mismatch');
      },
      async wipe(clipId, receipt) {
        live(`wipe:${clipId}`);
        const c = cam.clips.get(clipId);
        if (!c) throw new WireError(ErrorCode.WIPE_REFUSED, `wipe refused: no clip ${clipId} on this camera`, MsgType.WIPE);
        verifyReceipt(receipt, cam.centralKey, { clipId, deviceId: c.summary.deviceId, sha256: c.summary.sha256!, bytes: c.summary.bytes });
        await cam.beforeWipe?.(clipId);
        cam.clips.delete(clipId);
        const body: WipeCertificateBody = { v: 1, kind: 'wipe-certificate', clipId, deviceId: cam.deviceId, sha256: c.summary.sha256!,
          bytes: c.summary.bytes, wipedAt: new Date().toISOString(), steps: ['overwrite', 'fsync', 'unlink', 'index-delete'],
          receiptSha256: createHash('sha256').update(receipt.body, 'utf8').digest('hex') };
        cam.appendLog('wipe', { clipId });
        return signDocument(body, cam.key.privateKey);
      },
      fetchLog,
      async fetchSignedLog(since) {
        const entries = await fetchLog(since);
        const last = entries[entries.length - 1];
        return { entries, head: last ? signDocument({ v: 1, kind: 'device-log-head', deviceId: cam.deviceId, seq: last.seq, hash: last.hash }, cam.key.privateKey) : null };
      },
      async setClock(ms) { live('setClock'); cam.clock = ms; },
      async installEpochs(e) { live('installEpochs'); cam.epochs = e; },
      async close() { closed = true; },
    };
  }
}

export class FakeHotplug implements UsbHotplug {
  private attachL = new Set<(d: DockedDevice) => void>();
  private detachL = new Set<(d: DockedDevice) => void>();
  constructor(private readonly present: DockedDevice[] = []) {}
  onAttach(l: (d: DockedDevice) => void) { this.attachL.add(l); return () => { this.attachL.delete(l); }; }
  onDetach(l: (d: DockedDevice) => void) { this.detachL.add(l); return () => { this.detachL.delete(l); }; }
  async start() { return this.present; }
  async stop() { /* nothing to release */ }
  attach(d: DockedDevice) { for (const l of this.attachL) l(d); }
  detach(d: DockedDevice) { for (const l of this.detachL) l(d); }
}

export function device(bay: number, serialNumber: string): DockedDevice {
  return { bay, serialNumber, ttyPath: `/dev/fake-bay${bay}` };
}
