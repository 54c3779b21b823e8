// Builds a dock agent from its config: keys, journal, uploader, serial sessions. The hardware is
// injected: real USB hotplug and the serialport driver in dock-agent/main.ts, the simulator's bays and
// lines in hardware-sim/fleet/dock-process.ts.
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError } from '../shared/config.js';
import type { SerialOpener, UsbHotplug } from '../shared/hal.js';
import { DockAgent, type AgentEvent } from './agent.js';
import { FirmwareDrop, loadReleaseKeys, trackDocked } from './firmware-staging.js';
import { dockMqttTlsFiles, loadEpochsDir, type DockConfig } from './config.js';
import { X509Certificate } from 'node:crypto';
import { subjectField } from '../shared/pki/verify.js';
import { RevocationStore } from '../shared/pki/revocation-store.js';
import path from 'node:path';
import { Journal } from './journal.js';
import { openCameraSession } from './serial/session.js';
import type { CameraSession } from './types.js';
import { Uploader } from './uploader.js';
import { DockHeartbeat } from './heartbeat.js';
import { connectMqtt } from '../shared/mqtt/connect.js';

export interface AssembledDock {
  agent: DockAgent;
  /** Stop sessions and uploads, close the journal (a clean stop; a crash simply skips this). */
  stop(): Promise<void>;
}

export interface DockHardware {
  /** Cameras appearing in and leaving the bays. */
  hotplug: UsbHotplug;
  /** Opens a docked camera's tty. */
  serial: SerialOpener;
}

export function assembleDock(config: DockConfig, o: DockHardware & { log: Logger; onEvent?: (e: AgentEvent) => void }): AssembledDock {
  const { log } = o;
  const read = (field: string, file: string) => {
    try { return readFileSync(file, 'utf8'); } catch (err) { throw new ConfigError(`config.${field}: cannot read ${file} (${(err as Error).message})`); }
  };
  let centralPublicKey;
  try { centralPublicKey = createPublicKey(read('centralPublicKeyPath', config.centralPublicKeyPath)); } catch (err) {
    throw err instanceof ConfigError ? err : new ConfigError(`config.centralPublicKeyPath: not a public key (${(err as Error).message})`);
  }
  const identity = { keyPem: read('auth.keyPath', config.auth.keyPath), certPem: read('auth.certPath', config.auth.certPath) };
  const caCertPem = read('auth.caCertPath', config.auth.caCertPath);
  const mt = dockMqttTlsFiles(config);
  const field = (k: 'caPath' | 'certPath' | 'keyPath', dflt: string) => (config.mqttTls[k] ? `mqttTls.${k}` : dflt);
  const mqttTls = {
    ca: read(field('caPath', 'auth.caCertPath'), mt.caPath), cert: read(field('certPath', 'auth.certPath'), mt.certPath),
    key: read(field('keyPath', 'auth.keyPath'), mt.keyPath), serverName: mt.serverName,
  };
  // The broker grants topics by the certificate's subject: a certificate for another dock would only be refused there.
  let cn: string | undefined;
  try { cn = subjectField(new X509Certificate(mqttTls.cert), 'CN'); } catch { throw new ConfigError(`config.${field('certPath', 'auth.certPath')}: not a certificate`); }
  if (cn !== config.dockId) throw new ConfigError(`config.${field('certPath', 'auth.certPath')}: certificate is for ${cn ?? '(no CN)'}, not dockId ${config.dockId}`);

  // A bundle verified while cameras sit in the dock runs their bays again (offload first, then staging).
  const tracked = trackDocked(o.hotplug);
  const firmware = config.firmware
    ? new FirmwareDrop({
      dropDir: config.firmware.dropDir, releaseKeys: loadReleaseKeys(config.firmware.keysDir), log,
      onEvent: (e) => { if (e.type === 'fw-ready') for (const d of tracked.docked()) agent.attach(d); },
    })
    : undefined;
  const journal = Journal.open(config.journalPath);
  // The newest CA-signed revocation list: from central (retained MQTT message), checked at every handshake, passed to cameras.
  const revocation = new RevocationStore(config.revocationListPath ?? path.join(path.dirname(config.journalPath), 'revocation-list.json'), caCertPem);
  const uploader = new Uploader({ mqtt: { url: config.mqttUrl, tls: mqttTls }, dockId: config.dockId, centralPublicKey, identity,
    cameraCert: (deviceId) => journal.cameraCert(deviceId), chunkSize: config.chunkSize,
    inflight: config.inflight,
    onRevocationList: (doc) => {
      try {
        const r = revocation.offer(doc);
        if (r.installed) log.info({ number: r.number }, 'revocation list installed');
      } catch (err) { log.warn({ err: String(err) }, 'revocation list refused'); }
    }, statusTimeoutMs: config.statusTimeoutMs, maxBackoffMs: config.backoff.maxMs, log });
  // The heartbeat has its own connection (same certificate), so it never waits behind clip chunks.
  const hbClient = config.heartbeatSeconds > 0
    ? connectMqtt({ url: config.mqttUrl, tls: mqttTls }, { clientId: `dock-${config.dockId}-${process.pid}-hb`, clean: true, reconnectPeriod: 5000, connectTimeout: 10_000 })
    : undefined;
  hbClient?.on('error', (err) => log.debug({ err: String(err) }, 'heartbeat mqtt error'));
  const heartbeat = hbClient && new DockHeartbeat({ dockId: config.dockId, identity, journal, spoolDir: config.spoolDir, client: hbClient, intervalMs: config.heartbeatSeconds * 1000, log });
  const agent = new DockAgent({
    spoolDir: config.spoolDir, journal, uploader, centralPublicKey, backoff: config.backoff, parallelUploads: config.parallelUploads, bays: config.bays, log,
    hotplug: tracked.hotplug,
    afterOffload: firmware || heartbeat ? async (session, signal) => {
      await firmware?.afterOffload(session, signal);
      // What the camera just reported goes out at once, not at the next tick.
      if (heartbeat) { await heartbeat.noteCamera(session); await heartbeat.beatSoon(); }
    } : undefined,
    loadEpochs: () => loadEpochsDir(config.epochsDir),
    revocationList: () => revocation.document(),
    async openSession(dev): Promise<CameraSession> {
      const line = await o.serial.open(dev.ttyPath, config.serial.baudRate);
      try {
        const session = await openCameraSession({
          line, identity, caCertPem, revocation: () => revocation.current(), chunkBytes: config.serial.readBytes, window: config.serial.window,
          onEvent: (type, data) => log.warn({ type, tty: dev.ttyPath, ...data }, 'camera not trusted'),
        });
        const close = session.close.bind(session);
        return Object.assign(session, { close: async () => { await close(); await line.closeLine(); } });
      } catch (err) {
        await line.closeLine();
        throw err;
      }
    },
    onEvent: (e) => { log.info(e, e.type); o.onEvent?.(e); },
  });
  void firmware?.start().catch((err: Error) => log.error({ err: err.message }, 'firmware drop folder not watched'));
  // The journal's deadline: at start and daily, rows of cameras not docked for deadlines.deviceDays go.
  const prune = () => {
    try {
      const r = journal.pruneDevices(new Date(Date.now() - config.deadlines.deviceDays * 86_400_000));
      log.info({ ...r, deviceDays: config.deadlines.deviceDays }, 'journal pruned');
    } catch (err) { log.error({ err: String(err) }, 'journal prune failed'); }
  };
  prune();
  heartbeat?.start();
  // The first tick comes before the connection is up: the first beat goes when it is.
  hbClient?.on('connect', () => void heartbeat?.beatSoon());
  const pruneTimer = setInterval(prune, 86_400_000);
  pruneTimer.unref();
  return {
    agent,
    async stop() {
      clearInterval(pruneTimer);
      heartbeat?.stop();
      await hbClient?.endAsync().catch(() => undefined);
      await firmware?.stop();
      await agent.stop();
      await uploader.close();
      journal.close();
    },
  };
}
