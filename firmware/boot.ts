// Boot of the camera: trust store, device log, vault (with recovery of clips torn by a power cut),
// evidence epoch, hardware and recorder, and the dock link whenever a dock is on the line.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../shared/clock.js';
import { loadTrustStore } from '../shared/pki/trust-store.js';
import { CameraApp } from './camera-app.js';
import { AdjustableClock, MAX_EPOCH_MS, checkClockSet } from './clock-sync.js';
import { BUILD_TIME_MS } from './build-info.js';
import { ConfigError } from '../shared/config.js';
import type { FirmwareConfig } from './config.js';
import { DeviceLog } from './device-log.js';
import { startDockLink } from './dock-link.js';
import { cameraFirmware } from './fw-camera.js';
import { Updater } from './update/install.js';
import { pickEpoch, verifiedEpochs, type EvidenceKey } from './epochs.js';
import { openHardware, type BoardHardware } from './hardware.js';
import { Vault } from './vault/vault.js';
import type { DiscardResult } from './vault/wipe.js';

export interface BootOptions {
  logger: Logger;
  /** Base clock (default: the system clock; the simulator passes its scaled one). */
  clock?: Clock;
  /** The board's parts on the camera's clock (default: the real drivers from config; the simulator
   *  passes its twins). A factory, because that clock is made here and set by the dock. */
  hardware?: (clock: Clock) => BoardHardware;
  discard?: (dir: string) => Promise<DiscardResult>;
}

export interface Camera {
  config: FirmwareConfig;
  clock: AdjustableClock;
  hw: BoardHardware;
  app: CameraApp;
  vault: Vault;
  deviceLog: DeviceLog;
  evidenceKey(): { epochId: string; stale: boolean };
  /** Serve the dock protocol on `line` until it closes or detach() is called. */
  attachDock(line: Duplex): { detach(): void };
  status(): Record<string, unknown>;
  /** Why the camera must not switch slots or restart now ('recording', 'offload'), or null. */
  busy(): string | null;
  /** Called once an installed update has switched the boot slot (the firmware must restart into it). */
  onFirmwareSwitched(listener: () => void): void;
  stop(reason: string): Promise<void>;
}

export async function bootCamera(config: FirmwareConfig, o: BootOptions): Promise<Camera> {
  const log = o.logger;
  const base = o.clock ?? systemClock;
  const clock = new AdjustableClock(base);
  const trust = (() => {
    try {
      return loadTrustStore(config.paths.trustDir);
    } catch (err) {
      throw new ConfigError(`config.paths.trustDir: ${(err as Error).message}`);
    }
  })();
  if (!trust.centralReceiptPubPem) {
    throw new ConfigError(`config.paths.trustDir: trust/central-receipt.pub.pem is missing (bodycam provision camera --central-pub ...)`);
  }
  mkdirSync(config.paths.flashDir, { recursive: true, mode: 0o700 });
  const deviceLog = new DeviceLog({ path: join(config.paths.flashDir, 'device-log.db'), clock, receiptKey: createPublicKey(trust.centralReceiptPubPem) });

  let epochs: EvidenceKey[] = [];
  let current: { key: EvidenceKey; stale: boolean } | undefined;
  const loadEpochs = () => {
    epochs = verifiedEpochs(loadTrustStore(config.paths.trustDir).epochs, trust.caCertPem, (reason) => {
      deviceLog.append('fault', { kind: 'epoch-rejected', reason });
    });
  };
  const choose = () => {
    const next = pickEpoch(epochs, clock.now());
    if (!next) throw new ConfigError('config.paths.trustDir: no evidence-key epoch signed by the CA (provision the camera with --epoch: it cannot reach a dock without one)');
    if (next.key.epochId !== current?.key.epochId || next.stale !== current.stale) {
      deviceLog.append('config', { evidenceEpoch: next.key.epochId, stale: next.stale });
      if (next.stale) log.warn({ epochId: next.key.epochId }, 'no current evidence epoch; using the latest one');
    }
    current = next;
    return next.key;
  };
  loadEpochs();
  const first = choose();
  const vault = new Vault({
    dir: config.paths.flashDir, deviceId: config.deviceId, clock, log: deviceLog,
    evidenceKey: { epochId: first.epochId, publicKey: first.publicKey },
    receiptPublicKey: createPublicKey(trust.centralReceiptPubPem), deviceKey: createPrivateKey(trust.keyPem),
    discard: o.discard,
  });
  const recovered = await vault.recover();
  if (recovered.length > 0) log.warn({ clips: recovered.map((c) => c.clipId) }, 'recovered clips cut by a power loss');
  const reselect = () => {
    const k = choose();
    vault.setEvidenceKey({ epochId: k.epochId, publicKey: k.publicKey });
  };
  // Epochs roll over (daily by default) while the camera is off the dock.
  const epochTimer = clock.setInterval(reselect, 60_000);

  const hw = o.hardware ? o.hardware(clock) : openHardware(config, clock);
  const app = new CameraApp(config, hw, vault, deviceLog, clock, log);
  await app.start();

  // Firmware staging over the dock link when the camera has A/B slots; slots switch only when not recording.
  const switched = new Set<() => void>();
  const links = new Set<{ close(): void; peer(): string | null }>();
  // An offload is in progress while a dock is authenticated and clips are still on flash (it wipes each
  // one once central has it); a technician's link is firmware only.
  const isBusy = () => {
    if (app.status().recorder === 'recording') return 'recording';
    if ([...links].some((l) => l.peer() === 'dock') && vault.list().length > 0) return 'offload';
    return null;
  };
  const firmware = config.paths.slotsDir
    ? cameraFirmware({
      deviceId: config.deviceId, hardware: config.hardware, flashDir: config.paths.flashDir, slotsDir: config.paths.slotsDir,
      releaseKeys: trust.firmwareKeys, log: deviceLog, runningSlot: process.env.BODYCAM_SLOT, now: () => clock.now(), isBusy, flashFree: () => hw.flash.freeBytes(),
      updater: new Updater({
        slotsDir: config.paths.slotsDir, trust: { releaseKeys: trust.firmwareKeys }, hardware: config.hardware, isBusy,
        log: (type, data) => void deviceLog.append(type, data),
        // After the installer has logged the switch, so the device log reads switch → restart.
        onStep: (step) => { if (step === 'switched') setImmediate(() => { for (const l of switched) l(); }); },
      }),
    }).staging
    : undefined;
  return {
    config, clock, hw, app, vault, deviceLog,
    evidenceKey: () => ({ epochId: current!.key.epochId, stale: current!.stale }),
    attachDock(line) {
      const link = startDockLink({
        line, identity: { keyPem: trust.keyPem, certPem: trust.certPem }, caCertPem: trust.caCertPem, vault, log: deviceLog,
        trustDir: config.paths.trustDir, firmware,
        sessionIdleMs: config.dockSessionIdleMs,
        onSetClock: (ms, { by, force }) => {
          const before = clock.now();
          let basis;
          try {
            basis = checkClockSet(ms, before, by, force, { buildTimeMs: BUILD_TIME_MS, maxForwardMs: config.clockMaxForwardMs, maxBackwardMs: config.clockMaxBackwardMs });
          } catch (err) {
            deviceLog.append('clock-refused', { requestedMs: ms, by, reason: (err as Error).message });
            throw err;
          }
          const skew = clock.set(ms);
          // Every accepted change, with who set it and on what basis (a forced set carries its reason).
          deviceLog.append('clock-set', {
            from: Number.isFinite(before) && Math.abs(before) <= MAX_EPOCH_MS ? new Date(before).toISOString() : String(before),
            to: new Date(ms).toISOString(), skewMs: skew, by, basis, ...(force ? { reason: force.reason } : {}),
          });
        },
        onInstallEpochs: (list) => {
          deviceLog.append('config', { epochsInstalled: list.map((e) => e.body.epochId) });
          loadEpochs();
          reselect();
        },
        onEvent: (type, data) => deviceLog.append(type, data),
      });
      links.add(link);
      line.once('close', () => links.delete(link));
      return { detach: () => { link.close(); links.delete(link); } };
    },
    status() {
      const clips = vault.list();
      return {
        deviceId: config.deviceId, now: clock.now(), ...app.status(), epoch: current!.key.epochId, epochStale: current!.stale,
        clipsOnFlash: clips.length, bytesOnFlash: clips.reduce((n, c) => n + c.bytes, 0), docked: links.size > 0,
      };
    },
    busy: isBusy,
    onFirmwareSwitched(listener) {
      switched.add(listener);
    },
    async stop(reason) {
      clock.clearInterval(epochTimer);
      for (const l of links) l.close();
      firmware?.close();
      await app.stop();
      deviceLog.append('shutdown', { reason });
      await hw.close();
      vault.close();
      deviceLog.close();
    },
  };
}
