// Whether a dock → central message carries its dock's valid signature (docs/mqtt-topics.md, "Dock
// signature"): the question a node asks before it takes a dock's lease (ingest-leases.ts), so that only
// what the topic's dock signed creates or moves its lease. Chunks carry no signature: never.
import {
  ClipMetaSchema, DeviceLogMessageSchema, HeartbeatMessageSchema, MAX_HEARTBEAT_BYTES, WipeCertMessageSchema, decodeJson,
  deviceLogFacts, heartbeatFacts, metaFacts, wipeCertFacts,
} from '../shared/mqtt/codec.js';
import { verifyDockAuth, verifyDockOnly, type AuthTrust } from '../shared/mqtt/dock-auth.js';
import type { ParsedTopic } from '../shared/mqtt/topics.js';

/** True only when `payload` parses and its dock certificate (CN = the topic's dock id, unrevoked) signed it. */
export function signedByTopicDock(t: ParsedTopic, payload: Buffer, trust: AuthTrust): boolean {
  try {
    if (t.kind === 'meta') {
      const m = decodeJson(ClipMetaSchema, payload, 'meta');
      return m.dockId === t.dockId && m.clipId === t.clipId && !!verifyDockAuth(m, 'upload', metaFacts(m), t.dockId, trust);
    }
    if (t.kind === 'heartbeat') {
      if (payload.length > MAX_HEARTBEAT_BYTES) return false;
      const { dockCert, dockSig, ...body } = decodeJson(HeartbeatMessageSchema, payload, 'heartbeat');
      return body.dockId === t.dockId && !!verifyDockOnly({ dockCert, dockSig }, 'heartbeat', heartbeatFacts(body), t.dockId, trust);
    }
    if (t.kind === 'wipe-cert') {
      const m = decodeJson(WipeCertMessageSchema, payload, 'wipe-cert');
      return !!verifyDockAuth(m, 'wipe-cert', wipeCertFacts(t.dockId, m), t.dockId, trust);
    }
    if (t.kind === 'device-log') {
      const m = decodeJson(DeviceLogMessageSchema, payload, 'device-log');
      return !!verifyDockAuth(m, 'device-log', deviceLogFacts(t.dockId, m), t.dockId, trust);
    }
    return false;
  } catch {
    return false;
  }
}
