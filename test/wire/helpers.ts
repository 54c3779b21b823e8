// Shared fixtures for the wire tests: an in-memory CameraVault fake and a small PKI.
import { generateKeyPairSync, randomBytes, type KeyLike } from 'node:crypto';
import { GENESIS_HASH, entryHash } from '../../firmware/device-log.js';
import { buildSignedClip } from '../helpers/pki.js';
import type { Duplex } from 'node:stream';
import { sha256Hex } from '../../shared/crypto.js';
import { signDocument, type CameraVault, type ClipSummary, type DeviceLogEntry, type SignedDocument } from '../../shared/evidence.js';
import { createCA, issueCertificate, type KeyAndCert } from '../../shared/pki/ca.js';
import { startDockLink, type DockLinkOptions } from '../../firmware/dock-link.js';
import { openSerialLine } from '../../shared/serial-port.js';
import { startPtyPair } from '../../hardware-sim/serial.js';

export interface Pki {
  ca: KeyAndCert;
  camera: KeyAndCert;
  dock: KeyAndCert;
}
export function makePki(): Pki {
  const ca = createCA();
  return { ca, camera: issueCertificate({ role: 'camera', id: 'cam-7', ca }), dock: issueCertificate({ role: 'dock', id: 'dock-1', ca }) };
}

export class FakeVault implements CameraVault {
  readonly clips = new Map<string, Buffer>();
  readonly calls: string[] = [];
  readonly wipes: { clipId: string; receipt: SignedDocument }[] = [];
  constructor(readonly deviceId = 'cam-7', private readonly key: KeyLike = generateKeyPairSync('ed25519').privateKey) {}
  add(clipId: string, bytes: number): Buffer {
    const data = randomBytes(bytes);
    this.clips.set(clipId, data);
    return data;
  }
  /** A real clip sealed by this camera's test-CA identity (what central accepts), about `bytes` long. */
  addSigned(clipId: string, bytes: number): Buffer {
    const { data } = buildSignedClip(bytes, { deviceId: this.deviceId, clipId });
    this.clips.set(clipId, data);
    return data;
  }
  private readonly hashes = new Map<Buffer, string>();
  list(): ClipSummary[] {
    this.calls.push('list');
    return [...this.clips].map(([clipId, d]) => ({
      clipId, deviceId: this.deviceId, state: 'closed', bytes: d.length, sha256: this.hashes.get(d) ?? this.hashes.set(d, sha256Hex(d)).get(d)!,
      startedAt: '2026-01-01T00:00:00Z', stoppedAt: '2026-01-01T00:01:00Z', epochId: 'e1',
    }));
  }
  async readChunk(clipId: string, offset: number, length: number): Promise<Buffer> {
    this.calls.push('read');
    const d = this.clips.get(clipId);
    if (!d) throw new Error(`no clip ${clipId}`);
    return d.subarray(offset, offset + length);
  }
  async wipe(clipId: string, receipt: SignedDocument): Promise<SignedDocument> {
    this.calls.push('wipe');
    const d = this.clips.get(clipId);
    if (!d) throw new Error(`no clip ${clipId}`);
    if (!receipt.body.includes(clipId)) throw new Error('receipt is for another clip');
    this.wipes.push({ clipId, receipt });
    this.clips.delete(clipId);
    return signDocument({ v: 1, kind: 'wipe-certificate', clipId, deviceId: this.deviceId, sha256: sha256Hex(d), bytes: d.length, wipedAt: new Date().toISOString(), steps: ['overwrite', 'fsync', 'unlink'], receiptSha256: sha256Hex(receipt.body) }, this.key);
  }
}

/** n entries chained by the device-log rule (docs/device-log.md). */
export function fakeLog(n: number): { since(seq: number): DeviceLogEntry[] } {
  const entries: DeviceLogEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = { seq: i + 1, at: new Date(0).toISOString(), type: 't', data: { i } };
    const prevHash = entries[i - 1]?.hash ?? GENESIS_HASH;
    entries.push({ ...e, prevHash, hash: entryHash(prevHash, e) });
  }
  return { since: (seq) => entries.filter((e) => e.seq > seq) };
}

export function startCamera(line: Duplex, pki: Pki, vault: CameraVault, extra: Partial<DockLinkOptions> = {}) {
  return startDockLink({ line, identity: pki.camera, caCertPem: pki.ca.certPem, vault, log: fakeLog(3), ...extra });
}

/** A socat pty pair opened with serialport on both ends (dock end a, camera end b), closed at teardown. */
export async function ptyLines(t: { teardown(f: () => Promise<void> | void): void }) {
  const pair = await startPtyPair();
  t.teardown(() => pair.stop());
  const [dock, cam] = await Promise.all([openSerialLine(pair.a), openSerialLine(pair.b)]);
  t.teardown(() => dock.closeLine());
  t.teardown(() => cam.closeLine());
  return { pair, dock, cam };
}
