// A dock's heartbeat (docs/mqtt-topics.md, "Heartbeat"): bounded before it is parsed, every field
// checked by the codec's schema, the dock's certificate and signature verified, then kept as the dock's
// newest state unless it is older than the one stored (a replay changes nothing).
import type { Logger } from '../shared/log.js';
import { HeartbeatMessageSchema, MAX_HEARTBEAT_BYTES, decodeJson, heartbeatFacts } from '../shared/mqtt/codec.js';
import { verifyDockOnly, type AuthTrust } from '../shared/mqtt/dock-auth.js';
import type { Index } from './index/port.js';
import { recordHeartbeat } from './index/tables/dock-heartbeats.js';

/** A heartbeat dated further ahead of the store's clock than this is refused (a dock with a wild clock). */
export const MAX_HEARTBEAT_AHEAD_MS = 10 * 60_000;

export function heartbeatIngest(c: { index: Index; trust: AuthTrust; log: Logger; now?: () => number }) {
  return async (dockId: string, payload: Buffer): Promise<'stored' | 'older'> => {
    if (payload.length > MAX_HEARTBEAT_BYTES) throw new Error(`heartbeat: ${payload.length} bytes, more than ${MAX_HEARTBEAT_BYTES}`);
    const m = decodeJson(HeartbeatMessageSchema, payload, 'heartbeat');
    if (m.dockId !== dockId) throw new Error(`heartbeat: dockId ${m.dockId} does not match the topic's ${dockId}`);
    const { dockCert: _c, dockSig: _s, ...body } = m;
    verifyDockOnly(m, 'heartbeat', heartbeatFacts(body), dockId, c.trust);
    const now = (c.now ?? Date.now)();
    if (Date.parse(body.at) > now + MAX_HEARTBEAT_AHEAD_MS) throw new Error(`heartbeat: dated ${body.at}, more than 10 min ahead of the store's clock`);
    const stored = await c.index.tx((u) => recordHeartbeat(u, { dockId, seq: body.seq, sentAt: body.at, bodyJson: JSON.stringify(body) }, new Date(now).toISOString()));
    if (!stored) c.log.debug({ dockId, seq: body.seq }, 'heartbeat not newer than the stored one: ignored');
    return stored ? 'stored' : 'older';
  };
}
