// Recorder state machine: idle (buffering into RAM) → recording → idle.
// A press starts a clip with the pre-buffer prepended; only a long press stops (no accidental stops);
// a short press while recording marks the moment in the clip (a signed marker, docs/clip-format.md §7.4).
// Flash below the reserve (config.flashReserveBytes) closes the clip cleanly with what it holds and
// refuses new ones until space comes back (after a dock wipes), each time with a 'fault' in the log.
// Flash slower than capture: live segments waiting for the vault are bounded (config.writeQueueBytes);
// the press's pre-record is cut first, then whole GOPs of live video, each gap signed into the clip's
// final metadata and logged (docs/firmware.md, "Writes falling behind").
import type { ButtonInput, DigitalOutput, FlashStorage, VideoSegment, VideoSource } from '../shared/hal.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from 'pino';
import { RingBuffer, type BufferedSegment } from './ring-buffer.js';
import { policyHash, type FirmwareConfig } from './config.js';
import type { EventLog } from './event-log.js';

/** The part of the vault's clip writer (shared/clip/writer.ts ClipWriter) the recorder uses (sync or async). */
export interface RecordingClip {
  clipId: string;
  /** `data` may be the segment's parts in order (the ring's pool blocks). */
  appendSegment(s: { startMs: number; durationMs: number; keyframe: boolean; data: Buffer | readonly Buffer[] }): unknown;
  close(stoppedAtMs: number, finalMeta: Record<string, unknown>): unknown;
  /** Mark a moment (camera time, ms since the epoch) in the clip. */
  mark(atMs: number): unknown;
}
export interface ClipVault {
  beginClip(meta: Record<string, unknown>): RecordingClip | Promise<RecordingClip>;
}

export interface RecorderDeps {
  config: FirmwareConfig;
  clock: Clock;
  button: ButtonInput;
  led: DigitalOutput;
  haptic: DigitalOutput;
  source: VideoSource;
  vault: ClipVault;
  deviceLog: EventLog;
  logger: Logger;
  /** Free-space accounting of the flash the vault writes to; absent = never checked. */
  flash?: Pick<FlashStorage, 'freeBytes'>;
}

export type RecorderState = 'idle' | 'recording';

/** Video left out of a clip because the flash fell behind (final metadata `gaps`, device log fault). */
export interface WriteGap {
  reason: 'write-behind';
  /** 'prerecord': the oldest unwritten part of the press's pre-record; 'live': video after the press. */
  part: 'prerecord' | 'live';
  fromMs: number;
  toMs: number;
  segments: number;
  bytes: number;
}

export class Recorder {
  state: RecorderState = 'idle';
  readonly clipIds: string[] = [];
  /** End of the newest segment seen (camera time): the press is placed here, not on the wall clock. */
  lastSegmentEndMs = 0;
  private ring: RingBuffer;
  private clip: RecordingClip | undefined;
  private clipStartMs = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private longTimer: NodeJS.Timeout | undefined;
  /** When the button went down while recording: a short press marks this moment. */
  private downAt = 0;
  private reminder: NodeJS.Timeout | undefined;
  private unsubs: (() => void)[] = [];
  private readonly policy: string;
  /** Bytes of live segments handed to the queue and not yet written (each holds a capture buffer). */
  private liveQueued = 0;
  /** The live gap being dropped now (until a keyframe finds room), and the gaps of the clip being recorded. */
  private liveGap: WriteGap | null = null;
  private gaps: WriteGap[] = [];
  private readonly clipGaps = new Map<RecordingClip, WriteGap[]>();

  constructor(private readonly d: RecorderDeps) {
    const c = d.config;
    this.ring = new RingBuffer({ seconds: c.prerecordSeconds, maxBytes: c.prebufferBytes, keepAudio: c.prebufferAudio });
    this.policy = policyHash(c);
  }

  start(): void {
    this.unsubs.push(this.d.button.onEdge((e, at) => this.onEdge(e, at)));
    this.unsubs.push(this.d.source.onSegment((s) => this.onSegment(s)));
  }

  /** The pre-record buffer's size (RAM budget checks, benches). */
  prebuffer(): { segments: number; bytes: number; spanMs: number; poolBytes: number } {
    return { segments: this.ring.length, bytes: this.ring.byteLength(), spanMs: this.ring.spanMs(), poolBytes: this.ring.poolBytes() };
  }

  /** Live bytes waiting for the vault and the bound (benches, status). */
  writeQueue(): { bytes: number; maxBytes: number } {
    return { bytes: this.liveQueued, maxBytes: this.d.config.writeQueueBytes };
  }

  /** Resolves when every queued vault operation has finished. */
  idle(): Promise<unknown> {
    return this.chain;
  }

  private enqueue(fn: () => unknown): Promise<unknown> {
    this.chain = this.chain.then(fn).catch((err) => this.d.logger.error({ err }, 'recorder vault operation failed'));
    return this.chain;
  }

  private onEdge(edge: 'down' | 'up', at: number): void {
    this.d.deviceLog.append('button', { edge, atMs: at });
    if (edge === 'down') {
      // LED first: the guard must see at once that the press registered.
      if (this.state === 'idle') return void this.beginRecording(at);
      this.downAt = at;
      this.longTimer = this.d.clock.setTimeout(() => {
        this.longTimer = undefined;
        void this.stopRecording(this.d.clock.now(), 'long-press');
      }, this.d.config.longPressMs);
    } else if (this.longTimer) {
      this.d.clock.clearTimeout(this.longTimer);
      this.longTimer = undefined;
      this.addMarker(this.downAt);
    }
  }

  /** Short press while recording: one haptic tick, a marker in the clip, a 'marker' entry in the device log. */
  private addMarker(atMs: number): void {
    void this.pattern(1, 30);
    this.enqueue(async () => {
      const w = this.clip;
      if (!w) return;
      await w.mark(atMs);
      this.d.deviceLog.append('marker', { clipId: w.clipId, atMs });
      this.d.logger.info({ clipId: w.clipId, atMs }, 'marker added');
    });
  }

  private onSegment(s: VideoSegment): void {
    this.lastSegmentEndMs = s.startMs + s.durationMs;
    if (this.state === 'idle') return this.ring.push(s);
    if (this.dropLive(s)) return;
    const max = this.d.config.maxClipSeconds;
    if (max && s.keyframe && s.startMs - this.clipStartMs >= max * 1000) {
      // Roll over without a gap: this keyframe segment is the first of the next clip.
      this.enqueue(() => this.clip && this.closeClip(this.clip, s.startMs, 'max-length'));
      this.openClip(s.startMs, [live(s)], 0);
      return;
    }
    // The capture may reuse the buffer once this call returns: hold it until the vault has it.
    const release = s.retain?.();
    const len = s.data.length;
    this.liveQueued += len;
    this.enqueue(async () => {
      try {
        if (!this.clip) return;
        // The free space measured after the previous write: asking the flash here would put a round trip
        // in front of every segment's write (a power cut loses what waits in this queue).
        if (this.lowFree !== null) return await this.flashFull(this.clip, s.startMs, this.lowFree);
        await this.clip.appendSegment(seg(s));
        void this.measureFree();
      } finally {
        this.liveQueued -= len;
        release?.();
      }
    });
  }

  /**
   * The write queue's bound: a live segment that would take the queue past writeQueueBytes is left
   * out, and so is every one after it until a keyframe segment finds the queue at most half full
   * (a GOP without its keyframe cannot be decoded). True when `s` is dropped.
   */
  private dropLive(s: VideoSegment): boolean {
    const bound = this.d.config.writeQueueBytes;
    const len = s.data.length;
    if (this.liveGap) {
      if (s.keyframe && this.liveQueued + len <= bound / 2) {
        this.endGap(this.liveGap);
        this.liveGap = null;
        return false;
      }
      extendGap(this.liveGap, s.startMs, s.durationMs, len);
      return true;
    }
    if (this.liveQueued + len <= bound) return false;
    this.liveGap = { reason: 'write-behind', part: 'live', fromMs: s.startMs, toMs: s.startMs + s.durationMs, segments: 1, bytes: len };
    return true;
  }

  /** A gap is over: it goes into the clip's final metadata, the device log and the log. */
  private endGap(g: WriteGap, gaps = this.gaps): void {
    gaps.push(g);
    this.d.deviceLog.append('fault', { kind: 'write-behind', ...g, queuedBytes: this.liveQueued, maxBytes: this.d.config.writeQueueBytes });
    this.d.logger.error({ ...g }, 'flash writes fell behind: video left out of the clip');
  }

  /** Free bytes when below the reserve at the last measurement, else null. */
  private lowFree: number | null = null;
  private measuring: Promise<number | null> | undefined;

  /** Measure free space (one measurement at a time); null when above the reserve or unknown. */
  private measureFree(): Promise<number | null> {
    if (!this.d.flash) return Promise.resolve(null);
    this.measuring ??= this.d.flash.freeBytes().catch(() => Infinity).then((free) => {
      this.measuring = undefined;
      this.lowFree = free < this.d.config.flashReserveBytes ? free : null;
      return this.lowFree;
    });
    return this.measuring;
  }

  /**
   * Set when a clip closed for want of room: new clips stay refused until free space is back above the
   * reserve by a margin. The index's journal and the device log come and go on the same flash, so
   * free space wobbles around the reserve; without the margin a press just after the close could start
   * a clip that only the next transient lets through.
   */
  private fullLatched = false;

  private refillMargin(): number {
    return Math.max(64 * 1024, Math.floor(this.d.config.flashReserveBytes / 8));
  }

  /** A fresh measurement (before opening a clip); while latched full, below reserve + margin counts as full. */
  private async freeBelowReserve(): Promise<number | null> {
    await this.measuring;
    const low = await this.measureFree();
    if (low !== null || !this.fullLatched || !this.d.flash) return low;
    const free = await this.d.flash.freeBytes().catch(() => Infinity);
    if (free < this.d.config.flashReserveBytes + this.refillMargin()) return free;
    this.fullLatched = false;
    return null;
  }

  /** Out of space mid-clip: close it with every segment it has (a valid, closed clip), then go idle. */
  private async flashFull(w: RecordingClip, atMs: number, freeBytes: number): Promise<void> {
    this.fullLatched = true;
    this.endRecordingState();
    if (this.liveGap) this.endGap(this.liveGap);
    this.liveGap = null;
    void this.pattern(5, 60);
    await this.closeClip(w, atMs, 'flash-full');
    this.d.deviceLog.append('fault', { kind: 'flash-full', clipId: w.clipId, freeBytes, reserveBytes: this.d.config.flashReserveBytes });
    this.d.logger.error({ clipId: w.clipId, freeBytes }, 'flash full: clip closed');
  }

  private endRecordingState(): void {
    this.state = 'idle';
    if (this.reminder) this.d.clock.clearInterval(this.reminder);
    this.reminder = undefined;
    void this.d.led.set(false);
  }

  private beginRecording(at: number): Promise<unknown> {
    this.state = 'recording';
    void this.d.led.set(true);
    void this.pattern(2, 80);
    const pre = this.ring.drain();
    const last = pre[pre.length - 1];
    const preMs = last ? last.startMs + last.durationMs - pre[0]!.startMs : 0;
    this.reminder = this.d.clock.setInterval(() => void this.pattern(1, 60), this.d.config.reminderIntervalS * 1000);
    return this.openClip(pre[0]?.startMs ?? at, pre, preMs / 1000, at);
  }

  private openClip(startMs: number, first: BufferedSegment[], prerecordSeconds: number, pressedAtMs = startMs): Promise<unknown> {
    this.clipStartMs = startMs;
    // Gaps found from here on belong to this clip (a live gap still open belongs to the one before).
    if (this.liveGap) this.endGap(this.liveGap);
    this.liveGap = null;
    const gaps: WriteGap[] = (this.gaps = []);
    const c = this.d.config;
    const meta = {
      deviceId: c.deviceId,
      purpose: c.purpose,
      startedAtMs: startMs,
      pressedAtMs,
      prerecordSeconds: Math.round(prerecordSeconds * 1000) / 1000,
      prebufferAudio: c.prebufferAudio,
      audioKept: c.prebufferAudio ? 'all' : 'live-only',
      policyHash: this.policy,
    };
    return this.enqueue(async () => {
      // Every segment handed over here gives its blocks back, written or not (a failed vault must not
      // shrink the pool's free list for good).
      let next = 0;
      try {
        const free = await this.freeBelowReserve();
        if (free !== null) {
          // No room for a clip: say so (haptic, log) and keep the pre-record in RAM for the next press.
          this.endRecordingState();
          void this.pattern(5, 60);
          for (; next < first.length; next++) {
            const s = first[next]!;
            this.ring.push({ seq: s.seq, startMs: s.startMs, durationMs: s.durationMs, keyframe: s.keyframe, audioPids: s.audioPids, data: Buffer.concat(s.data, s.length) });
            s.release();
          }
          this.d.deviceLog.append('fault', { kind: 'flash-full', refused: true, atMs: pressedAtMs, freeBytes: free, reserveBytes: c.flashReserveBytes });
          this.d.logger.error({ freeBytes: free }, 'flash full: recording refused');
          return;
        }
        const w = await this.d.vault.beginClip(meta);
        this.clip = w;
        this.clipGaps.set(w, gaps);
        this.clipIds.push(w.clipId);
        this.d.deviceLog.append('record-start', { clipId: w.clipId, atMs: pressedAtMs, prerecordSeconds: meta.prerecordSeconds });
        this.d.logger.info({ clipId: w.clipId, prerecordSeconds: meta.prerecordSeconds }, 'recording started');
        // Encrypted straight from the ring's blocks, which go back to the pool once written. While live
        // video waits behind it past half the queue's bound, the pre-record yields: its oldest unwritten
        // segments are left out (the minute after the press matters more than the minute before).
        let cut: WriteGap | null = null;
        for (; next < first.length; next++) {
          const s = first[next]!;
          const half = this.liveQueued > c.writeQueueBytes / 2;
          if (half || (cut && !s.keyframe)) {
            if (cut) extendGap(cut, s.startMs, s.durationMs, s.length);
            else cut = { reason: 'write-behind', part: 'prerecord', fromMs: s.startMs, toMs: s.startMs + s.durationMs, segments: 1, bytes: s.length };
            s.release();
            continue;
          }
          if (cut) this.endGap(cut, gaps);
          cut = null;
          await w.appendSegment({ startMs: s.startMs, durationMs: s.durationMs, keyframe: s.keyframe, data: s.data });
          s.release();
        }
        if (cut) this.endGap(cut, gaps);
      } finally {
        for (; next < first.length; next++) first[next]!.release();
      }
    });
  }

  private async closeClip(w: RecordingClip, atMs: number, reason: string): Promise<void> {
    if (this.clip === w) this.clip = undefined;
    const gaps = this.clipGaps.get(w) ?? [];
    this.clipGaps.delete(w);
    await w.close(atMs, { stoppedAtMs: atMs, stopReason: reason, ...(gaps.length ? { gaps } : {}) });
    this.d.deviceLog.append('record-stop', { clipId: w.clipId, atMs, reason });
    this.d.logger.info({ clipId: w.clipId, reason }, 'recording stopped');
  }

  /** Stop the current clip (long press, SIGTERM). Resolves when the clip is closed on flash. */
  stopRecording(atMs: number, reason: string): Promise<unknown> {
    if (this.state !== 'recording') return this.chain;
    this.endRecordingState();
    // A live gap running at the stop ends with the clip.
    if (this.liveGap) this.endGap(this.liveGap);
    this.liveGap = null;
    void this.pattern(3, 80);
    return this.enqueue(() => this.clip && this.closeClip(this.clip, atMs, reason));
  }

  private async pattern(n: number, ms: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      await this.d.haptic.set(true);
      await new Promise((r) => this.d.clock.setTimeout(() => r(null), ms));
      await this.d.haptic.set(false);
      await new Promise((r) => this.d.clock.setTimeout(() => r(null), ms));
    }
  }

  async close(): Promise<void> {
    for (const u of this.unsubs) u();
    await this.stopRecording(this.d.clock.now(), 'shutdown');
  }
}

/** A live segment in the shape of a buffered one (the first of a rolled-over clip), held until written. */
function live(s: VideoSegment): BufferedSegment {
  const { data, retain, ...meta } = s;
  return { ...meta, length: data.length, data: [data], release: retain?.() ?? (() => undefined) };
}

function extendGap(g: WriteGap, startMs: number, durationMs: number, bytes: number): void {
  g.toMs = Math.max(g.toMs, startMs + durationMs);
  g.segments += 1;
  g.bytes += bytes;
}

function seg(s: VideoSegment) {
  return { startMs: s.startMs, durationMs: s.durationMs, keyframe: s.keyframe, data: s.data };
}
