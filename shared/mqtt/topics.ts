// Topic names of the dock → central offload (docs/mqtt-topics.md). Ids are restricted so that they
// can never contain MQTT wildcards or separators.
export const TOPIC_ROOT = 'bodycam/v1';
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function checkId(field: string, value: string): string {
  if (!ID.test(value)) throw new Error(`${field}: must match ${ID.source}, got ${JSON.stringify(value)}`);
  return value;
}

/** Retained, CA-signed revocation list: published by central only, read by every dock. */
export const CRL_TOPIC = `${TOPIC_ROOT}/crl`;

export const topics = {
  meta: (dockId: string, clipId: string) => `${TOPIC_ROOT}/${dockId}/clip/${clipId}/meta`,
  chunk: (dockId: string, clipId: string, index: number) => `${TOPIC_ROOT}/${dockId}/clip/${clipId}/chunk/${index}`,
  status: (dockId: string, clipId: string) => `${TOPIC_ROOT}/${dockId}/status/${clipId}`,
  wipeCert: (dockId: string) => `${TOPIC_ROOT}/${dockId}/wipe-cert`,
  deviceLog: (dockId: string) => `${TOPIC_ROOT}/${dockId}/device-log`,
  heartbeat: (dockId: string) => `${TOPIC_ROOT}/${dockId}/heartbeat`,
  ack: (dockId: string) => `${TOPIC_ROOT}/${dockId}/ack`,
};

/** What the central store subscribes to, for one dock id or '+' (all docks). */
export function centralFilters(dock = '+'): string[] {
  return [`${TOPIC_ROOT}/${dock}/clip/+/meta`, `${TOPIC_ROOT}/${dock}/clip/+/chunk/+`,
    `${TOPIC_ROOT}/${dock}/wipe-cert`, `${TOPIC_ROOT}/${dock}/device-log`, `${TOPIC_ROOT}/${dock}/heartbeat`];
}
/** What a dock subscribes to. */
export function dockFilters(dockId: string): string[] {
  return [`${TOPIC_ROOT}/${dockId}/status/+`, `${TOPIC_ROOT}/${dockId}/ack`, CRL_TOPIC];
}

export type ParsedTopic =
  | { kind: 'meta'; dockId: string; clipId: string }
  | { kind: 'chunk'; dockId: string; clipId: string; index: number }
  | { kind: 'status'; dockId: string; clipId: string }
  | { kind: 'wipe-cert' | 'device-log' | 'heartbeat' | 'ack'; dockId: string };

export function parseTopic(topic: string): ParsedTopic | null {
  const p = topic.split('/');
  if (p[0] !== 'bodycam' || p[1] !== 'v1' || p.length < 4 || !ID.test(p[2])) return null;
  const dockId = p[2];
  if (p[3] === 'clip' && p.length === 6 && p[5] === 'meta' && ID.test(p[4])) return { kind: 'meta', dockId, clipId: p[4] };
  if (p[3] === 'clip' && p.length === 7 && p[5] === 'chunk' && ID.test(p[4]) && /^(0|[1-9][0-9]{0,8})$/.test(p[6])) {
    return { kind: 'chunk', dockId, clipId: p[4], index: Number(p[6]) };
  }
  if (p[3] === 'status' && p.length === 5 && ID.test(p[4])) return { kind: 'status', dockId, clipId: p[4] };
  if (p.length === 4 && (p[3] === 'wipe-cert' || p[3] === 'device-log' || p[3] === 'heartbeat' || p[3] === 'ack')) return { kind: p[3], dockId };
  return null;
}
