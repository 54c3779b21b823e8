// What the dock forwards besides clips (docs/mqtt-topics.md): the cameras' wipe certificates and device
// logs, each verified to the camera that signed it before it is kept, and answered with an ack. A
// refusal is an ingest incident.
import { createHash } from 'node:crypto';
import { verifyChain } from '../shared/device-log-chain.js';
import type { KeyLike } from 'node:crypto';
import { openDocument, signDocument, type DeviceLogHeadBody, type DeviceLogReceiptBody, type SignedDocument, type WipeCertificateBody } from '../shared/evidence.js';
import type { Logger } from '../shared/log.js';
import { DeviceLogMessageSchema, WipeCertMessageSchema, decodeJson, deviceLogFacts, docRef, wipeCertFacts, type Ack } from '../shared/mqtt/codec.js';
import { verifyDockAuth, type AuthTrust, type VerifiedAuth } from '../shared/mqtt/dock-auth.js';
import type { Index } from './index/port.js';
import { getClip } from './index/tables/clips.js';
import { storeDeviceLog } from './index/tables/device-log.js';
import { recordIncident, type IncidentIn } from './index/tables/ingest-incidents.js';
import { insertWipeCert } from './index/tables/wipe-certificates.js';

export type Incident = (i: IncidentIn) => Promise<void>;

/** Incidents go to the log and to ingest_incidents. */
export function incidentRecorder(index: Index, log: Logger): Incident {
  return async (i) => {
    log.warn({ incident: i.kind, dockId: i.dockId, deviceId: i.deviceId, clipId: i.clipId, reason: i.reason }, 'ingest incident');
    await index.tx((u) => recordIncident(u, i));
  };
}

export interface RecordIngestContext {
  index: Index;
  trust: AuthTrust;
  incident: Incident;
  /** Publish an ack to the dock (never awaited: see ingest.ts). */
  ack: (dockId: string, body: Ack) => void;
  /** Signs device-log receipts (the clip-receipt key): the camera deletes what central holds (docs/device-log.md, "Pruning"). */
  receiptKey: KeyLike;
  storeId: string;
}

export function recordIngest(c: RecordIngestContext) {
  /** A camera's wipe certificate, forwarded by the dock: verified, kept beside the clip's receipt. */
  const wipeCert = async (dockId: string, payload: Buffer): Promise<void> => {
    const m = decodeJson(WipeCertMessageSchema, payload, 'wipe-cert');
    const ref = docRef(m.cert);
    const ack = (refused?: string) => c.ack(dockId, { v: 1, kind: 'wipe-cert', clipId: m.clipId, ref, ...(refused ? { refused } : {}) });
    let body: WipeCertificateBody;
    let auth: VerifiedAuth;
    try {
      auth = verifyDockAuth(m, 'wipe-cert', wipeCertFacts(dockId, m), dockId, c.trust);
      if (auth.camera.id !== m.deviceId) throw new Error(`forwarded with ${auth.camera.id}'s certificate but names device ${m.deviceId}`);
      body = openDocument<WipeCertificateBody>(m.cert, auth.camera.cert.publicKey, 'wipe-certificate');
      if (body.deviceId !== auth.camera.id || body.clipId !== m.clipId) throw new Error(`certificate names ${String(body.deviceId)}/${String(body.clipId)}, the message ${m.deviceId}/${m.clipId}`);
    } catch (err) {
      await c.incident({ kind: 'wipe-cert-refused', dockId, deviceId: m.deviceId, clipId: m.clipId, reason: (err as Error).message });
      return ack((err as Error).message);
    }
    await c.index.tx(async (u) => {
      const stored = await getClip(u, m.clipId);
      const receiptSha = stored ? createHash('sha256').update((JSON.parse(stored.receipt_json) as SignedDocument).body, 'utf8').digest('hex') : null;
      await insertWipeCert(u, {
        clipId: m.clipId, deviceId: auth.camera.id, dockId: auth.dock.id, certJson: JSON.stringify(m.cert),
        receiptMatches: receiptSha !== null && body.receiptSha256 === receiptSha && stored?.device_id === auth.camera.id, signatureVerified: true,
      });
    });
    ack();
  };

  /** Device log entries with the camera's signed head: one chain up to the head, stored; gaps and forks are incidents. */
  const deviceLog = async (dockId: string, payload: Buffer): Promise<void> => {
    const m = decodeJson(DeviceLogMessageSchema, payload, 'device-log');
    const ref = docRef(m.head);
    const entries = [...m.entries].sort((a, b) => a.seq - b.seq);
    const top = entries[entries.length - 1]!.seq;
    const ack = (refused?: string, receipt?: SignedDocument) => c.ack(dockId, { v: 1, kind: 'device-log', deviceId: m.deviceId, seq: top, ref, ...(refused ? { refused } : {}), ...(receipt ? { receipt } : {}) });
    let auth: VerifiedAuth;
    try {
      auth = verifyDockAuth(m, 'device-log', deviceLogFacts(dockId, m), dockId, c.trust);
      if (auth.camera.id !== m.deviceId) throw new Error(`forwarded with ${auth.camera.id}'s certificate but names device ${m.deviceId}`);
      const head = openDocument<DeviceLogHeadBody>(m.head, auth.camera.cert.publicKey, 'device-log-head');
      if (head.deviceId !== auth.camera.id) throw new Error(`the signed head names device ${String(head.deviceId)}`);
      const chain = verifyChain(entries, entries[0]!.prevHash);
      if (!chain.ok) throw new Error(`entries do not form one chain (broken at seq ${chain.brokenAt})`);
      const last = entries[entries.length - 1]!;
      if (last.seq !== head.seq || last.hash !== head.hash) throw new Error(`entries end at seq ${last.seq}, the camera signed seq ${String(head.seq)}: not the camera's entries`);
    } catch (err) {
      await c.incident({ kind: 'device-log-refused', dockId, deviceId: m.deviceId, reason: (err as Error).message });
      return ack((err as Error).message);
    }
    const r = await c.index.tx((u) => storeDeviceLog(u, auth.camera.id, auth.dock.id, entries.map((e) => ({ ...e, json: JSON.stringify(e) }))));
    if (r.fork) {
      await c.incident({ kind: 'device-log-fork', dockId, deviceId: auth.camera.id, reason: r.fork });
      return ack(r.fork);
    }
    if (r.gap) await c.incident({ kind: 'device-log-gap', dockId, deviceId: auth.camera.id, reason: r.gap });
    // Stored: the camera may delete these entries (issue 19); the receipt names the last one's hash.
    const last = entries[entries.length - 1]!;
    ack(undefined, signDocument({ v: 1, kind: 'device-log-receipt', deviceId: auth.camera.id, seq: last.seq, hash: last.hash, storeId: c.storeId,
      storedAt: new Date().toISOString() } satisfies DeviceLogReceiptBody, c.receiptKey));
  };

  return { wipeCert, deviceLog };
}
