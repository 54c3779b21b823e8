// The dock's heartbeat to the central store (docs/mqtt-topics.md, "Heartbeat"): every heartbeatSeconds
// its delivery queue (journal rows by state), free spool space, and what each camera it served reported
// at its last complete offload (firmware version and slot from FW_STATUS, free flash, clips still on
// it), signed with the dock's key on its own MQTT connection. Nothing here touches the offload path:
// the camera is asked after its offload, on the open session, and a failure only leaves its facts out.
import { statfs } from 'node:fs/promises';
import type { MqttClient } from 'mqtt';
import type { Logger } from '../shared/log.js';
import { HeartbeatBodySchema, encodeHeartbeat, heartbeatFacts, type HeartbeatBody } from '../shared/mqtt/codec.js';
import { signDockOnly, type DockIdentity } from '../shared/mqtt/dock-auth.js';
import { topics } from '../shared/mqtt/topics.js';
import { FirmwareClient } from '../shared/wire/fw-transfer.js';
import type { RpcClient } from '../shared/wire/link.js';
import { ErrorCode, WireError } from '../shared/wire/messages.js';
import type { Journal } from './journal.js';
import type { CameraSession } from './types.js';

type CameraFacts = HeartbeatBody['cameras'][number];
/** Cameras remembered at most (the most recently seen stay). */
export const MAX_CAMERAS = 64;

export interface HeartbeatOptions {
  dockId: string;
  identity: DockIdentity;
  journal: Pick<Journal, 'all'>;
  spoolDir: string;
  /** Publishes at QoS 1 (a connected client of the dock's own certificate). */
  client: Pick<MqttClient, 'publishAsync' | 'connected'>;
  intervalMs: number;
  now?: () => number;
  log: Logger;
}

export class DockHeartbeat {
  private readonly cameras = new Map<string, CameraFacts>();
  private readonly started: number;
  private lastSeq = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: HeartbeatOptions) { this.started = this.now(); }
  private now(): number { return (this.o.now ?? Date.now)(); }

  /** After a camera's offload: ask it for firmware, free flash and its clip list. Never throws. */
  async noteCamera(session: CameraSession): Promise<void> {
    let firmware: CameraFacts['firmware'] = null;
    let flashFreeBytes: number | null = null;
    const rpc = (session as CameraSession & { rpc?: RpcClient }).rpc;
    try {
      if (rpc) {
        const st = await new FirmwareClient(rpc).status();
        const slot = st.running?.slot ?? st.active;
        if (slot === 'a' || slot === 'b') firmware = { version: st.running?.version ?? st.version, slot, trial: st.trial };
        flashFreeBytes = st.flashFreeBytes ?? null;
      }
    } catch (err) {
      // A camera without A/B slots answers UNSUPPORTED: no firmware facts, nothing wrong.
      if (!(err instanceof WireError && err.code === ErrorCode.UNSUPPORTED)) this.o.log.warn({ deviceId: session.deviceId, err: String(err) }, 'heartbeat: FW_STATUS failed');
    }
    let clipsOnCamera = 0;
    try { clipsOnCamera = (await session.listClips()).length; } catch (err) { this.o.log.warn({ deviceId: session.deviceId, err: String(err) }, 'heartbeat: LIST_CLIPS failed'); }
    const facts = { deviceId: session.deviceId, seenAt: new Date(this.now()).toISOString(), firmware, flashFreeBytes, clipsOnCamera };
    // Only what the schema takes goes out (a camera's odd version string leaves firmware out, not the heartbeat).
    const ok = HeartbeatBodySchema.shape.cameras.element.safeParse(facts);
    this.cameras.delete(session.deviceId);
    this.cameras.set(session.deviceId, ok.success ? ok.data : { ...facts, firmware: null });
    while (this.cameras.size > MAX_CAMERAS) this.cameras.delete(this.cameras.keys().next().value!);
  }

  async body(): Promise<HeartbeatBody> {
    const queue = { pulling: 0, pulled: 0, uploading: 0, receipted: 0, wiped: 0 };
    for (const c of this.o.journal.all()) if (c.state in queue) queue[c.state as keyof typeof queue]++;
    let spoolFreeBytes: number | null = null;
    try { const s = await statfs(this.o.spoolDir); spoolFreeBytes = Math.min(Number.MAX_SAFE_INTEGER, s.bavail * s.bsize); } catch { /* unknown */ }
    const t = this.now();
    this.lastSeq = Math.max(t, this.lastSeq + 1);
    return {
      v: 1, dockId: this.o.dockId, seq: this.lastSeq, at: new Date(t).toISOString(), uptimeS: Math.max(0, Math.floor((t - this.started) / 1000)),
      spoolFreeBytes, queue, cameras: [...this.cameras.values()],
    };
  }

  /** One heartbeat now; skipped while the broker connection is down (the next one says the same, newer). */
  async beat(): Promise<boolean> {
    if (!this.o.client.connected) return false;
    const b = await this.body();
    const payload = encodeHeartbeat({ ...b, ...signDockOnly(this.o.identity, 'heartbeat', heartbeatFacts(b)) });
    await this.o.client.publishAsync(topics.heartbeat(this.o.dockId), payload, { qos: 1 });
    return true;
  }

  /** A beat now, waiting at most `ms` for the broker's PUBACK (so an offload is never held up by it). Never throws. */
  async beatSoon(ms = 2000): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.beat().catch((err) => this.o.log.warn({ err: String(err) }, 'heartbeat not sent')), new Promise<void>((r) => { t = setTimeout(r, ms); })]);
    clearTimeout(t);
  }

  start(): void {
    if (this.timer || this.o.intervalMs <= 0) return;
    const tick = () => void this.beatSoon();
    this.timer = setInterval(tick, this.o.intervalMs);
    this.timer.unref();
    tick();
  }
  stop(): void { if (this.timer) clearInterval(this.timer); this.timer = undefined; }
}
