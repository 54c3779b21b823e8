// Wires firmware staging to the A/B updater (firmware/update/install.ts): the FW_BEGIN header is
// checked with the same verifyHeader the installer uses, so a bundle the camera would refuse is
// refused before its first byte is accepted.
import { join } from 'node:path';
import { readBootState } from './update/boot-state.js';
import type { ByteSource } from '../shared/firmware-bundle/bundle.js';
import { verifyHeader } from '../shared/firmware-bundle/verify.js';
import { Updater } from './update/install.js';
import { FwStaging } from './fw-staging.js';

export interface CameraFirmwareOptions {
  deviceId: string;
  hardware: string;
  /** Camera flash: staging goes to <flashDir>/update. */
  flashDir: string;
  /** A/B slots and boot state. */
  slotsDir: string;
  /** Trusted firmware release keys by name (trust store trust/firmware/*.pub.pem). */
  releaseKeys: Record<string, string>;
  /** Why the camera cannot switch slots now ('recording', 'offload'), or null. */
  isBusy?: () => string | null;
  log: { append(type: string, data: Record<string, unknown>): unknown };
  now?: () => number;
  maxBytes?: number;
  /** The slot the launcher started this process from ($BODYCAM_SLOT), when known. */
  runningSlot?: string;
  /** Free bytes on the flash (FW_STATUS reports it). */
  flashFree?: () => Promise<number>;
  /** An updater already running on this camera (e.g. the one boot uses to mark slots good). */
  updater?: Updater;
}

/** The header bytes as a source whose size is the declared bundle size (verifyHeader checks sizes). */
const headerSource = (header: Buffer, size: number): ByteSource => ({ size, read: (o, l) => header.subarray(o, o + l) });

export function cameraFirmware(o: CameraFirmwareOptions): { staging: FwStaging; updater: Updater } {
  const log = (type: string, data: Record<string, unknown>) => void o.log.append(type, data);
  const updater = o.updater ?? new Updater({ slotsDir: o.slotsDir, trust: { releaseKeys: o.releaseKeys }, hardware: o.hardware, log, isBusy: o.isBusy });
  // The version running is the one in the slot we were started from, read once at start.
  const slot = o.runningSlot === 'a' || o.runningSlot === 'b' ? o.runningSlot : undefined;
  const running = slot ? { slot, version: readBootState(o.slotsDir).slots[slot].version } : null;
  const staging = new FwStaging({
    running: () => running, flashFree: o.flashFree,
    dir: join(o.flashDir, 'update'), deviceId: o.deviceId, hardware: o.hardware, updater, now: o.now, maxBytes: o.maxBytes, record: log,
    checkHeader(header, size) {
      const s = updater.status();
      const { manifest } = verifyHeader(headerSource(header, size), { releaseKeys: o.releaseKeys, hardware: o.hardware, currentVersion: s.version, floor: s.floor });
      return { version: manifest.version };
    },
  });
  return { staging, updater };
}
