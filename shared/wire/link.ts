// Request/response over frames: the dock is the requester (RpcClient), the camera the responder
// (RpcServer). Reliability is requester-driven ARQ: a request is retransmitted with the same seq on
// timeout, on a NAK, or when its response arrives corrupt; the responder answers a repeated seq from
// its reply cache (so a WIPE is never executed twice) or re-executes an idempotent READ.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { randomInt } from 'node:crypto';
import { FLAG_ERROR, FLAG_RESPONSE, FrameDecoder, encodeFrame, type CorruptFrame, type DecoderOptions, type Frame } from './frame.js';
import { ErrorCode, MsgType, WireError, decodeError, encodeError, typeName } from './messages.js';

/** Frames over a byte duplex, with write backpressure. */
export class FrameLink extends EventEmitter {
  readonly decoder: FrameDecoder;
  private closed = false;
  private readonly onClose = () => this.shutdown(new Error('serial line closed'));
  private readonly onError = (err: Error) => this.shutdown(err);

  constructor(readonly line: Duplex, decoderOptions: DecoderOptions = {}) {
    super();
    this.decoder = new FrameDecoder(decoderOptions);
    line.pipe(this.decoder);
    this.decoder.on('data', (f: Frame) => this.emit('frame', f));
    this.decoder.on('corrupt', (c: CorruptFrame) => this.emit('corrupt', c));
    line.on('close', this.onClose);
    line.on('end', this.onClose);
    line.on('error', this.onError);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes written but not yet taken by the line (the peer is not reading when this grows). */
  writeBacklog(): number {
    return this.line.writableLength;
  }

  /**
   * Back-pressure on the peer: stop taking frames, so the decoder, then the line, then the kernel's
   * tty buffer fill and the peer's own writes block. Only this line stalls.
   */
  pauseInput(): void {
    this.decoder.pause();
  }

  resumeInput(): void {
    if (!this.closed) this.decoder.resume();
  }

  private drained?: Promise<void>;

  /**
   * Writes one frame; `onWritten` runs once the line has handed it to the kernel (or failed it): until
   * then a copy is still queued in this process, and a second one would only queue behind it.
   */
  async send(type: number, flags: number, seq: number, payload?: Buffer, onWritten?: () => void): Promise<void> {
    if (this.closed || this.line.destroyed || this.line.writableEnded) throw new Error('serial line closed');
    if (!this.line.write(encodeFrame(type, flags, seq, payload), onWritten && (() => onWritten()))) {
      // One shared wait per full buffer, however many senders are waiting.
      this.drained ??= new Promise<void>((resolve) => {
        const done = () => {
          this.line.off('drain', done);
          this.off('closed', done);
          this.drained = undefined;
          resolve();
        };
        this.line.on('drain', done);
        this.once('closed', done);
      });
      await this.drained;
    }
  }

  /** Stop reading; leaves the line itself to its owner. */
  detach(): void {
    this.shutdown(new Error('link detached'));
  }

  private shutdown(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.line.unpipe(this.decoder);
    this.line.off('close', this.onClose);
    this.line.off('end', this.onClose);
    this.line.off('error', this.onError);
    this.emit('closed', err);
  }
}

/** A request timer that fires this much after its time waits this much more for an answer already on the line. */
const LATE_MS = 50;

/** A request that got no valid answer after all its retransmits (the line may still be up). */
export class RequestTimeoutError extends Error {}

export interface RequestOptions {
  timeoutMs?: number;
  retries?: number;
}

export interface RpcStats {
  requests: number;
  retransmits: number;
  timeouts: number;
  naks: number;
  corruptResponses: number;
}

interface Pending {
  type: number;
  payload: Buffer;
  timeoutMs: number;
  triesLeft: number;
  timer?: NodeJS.Timeout;
  /** The last copy is still in this process's write buffer (the line has not taken it yet). */
  unsent: boolean;
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
}

export class RpcClient {
  readonly stats: RpcStats = { requests: 0, retransmits: 0, timeouts: 0, naks: 0, corruptResponses: 0 };
  private seq = randomInt(0, 0x7fffffff);
  private readonly pending = new Map<number, Pending>();
  /** Called when a request had to be retransmitted (the transfer shrinks its chunk size). */
  onRetry?: (type: number) => void;

  constructor(readonly link: FrameLink, readonly defaults: Required<RequestOptions> = { timeoutMs: 2000, retries: 8 }) {
    link.on('frame', (f: Frame) => this.onFrame(f));
    link.on('corrupt', (c: CorruptFrame) => {
      if (c.flags & FLAG_RESPONSE && this.pending.has(c.seq)) {
        this.stats.corruptResponses++;
        this.retransmit(c.seq);
      }
    });
    link.on('closed', (err: Error) => {
      for (const [seq, p] of this.pending) {
        clearTimeout(p.timer);
        this.pending.delete(seq);
        p.reject(err);
      }
    });
  }

  /**
   * Runs a fresh HELLO + AUTH when the responder answers AUTH_REQUIRED (its session ended: line idle,
   * a HELLO from elsewhere): the request is then sent once more. One handshake serves every request
   * that hit the end of the session at once.
   */
  reauthenticate?: () => Promise<void>;
  private reauthing?: Promise<void>;

  async request(type: number, payload: Buffer, opts: RequestOptions = {}): Promise<Buffer> {
    try {
      return await this.requestOnce(type, payload, opts);
    } catch (err) {
      if (!(err instanceof WireError) || err.code !== ErrorCode.AUTH_REQUIRED || !this.reauthenticate) throw err;
      if (type === MsgType.HELLO || type === MsgType.AUTH || type === MsgType.BYE) throw err;
      this.reauthing ??= this.reauthenticate().finally(() => { this.reauthing = undefined; });
      await this.reauthing;
      return this.requestOnce(type, payload, opts);
    }
  }

  private requestOnce(type: number, payload: Buffer, opts: RequestOptions): Promise<Buffer> {
    if (this.link.isClosed) return Promise.reject(new Error('serial line closed'));
    const seq = (this.seq = (this.seq + 1) >>> 0);
    this.stats.requests++;
    return new Promise<Buffer>((resolve, reject) => {
      const p: Pending = { type, payload, timeoutMs: opts.timeoutMs ?? this.defaults.timeoutMs, triesLeft: opts.retries ?? this.defaults.retries, unsent: false, resolve, reject };
      this.pending.set(seq, p);
      this.transmit(seq, p);
    });
  }

  private transmit(seq: number, p: Pending): void {
    this.arm(seq, p);
    p.unsent = true;
    this.link.send(p.type, 0, seq, p.payload, () => { p.unsent = false; }).catch((err: Error) => this.fail(seq, err));
  }

  private arm(seq: number, p: Pending): void {
    clearTimeout(p.timer);
    const due = Date.now() + p.timeoutMs;
    let graced = false;
    const expired = () => {
      // Fired well after its time: this process was not running (a loaded machine), and the answer may
      // be waiting unread on the line (a serial read completes a loop turn later). Look once more first.
      if (!graced && Date.now() - due > LATE_MS) {
        graced = true;
        p.timer = setTimeout(expired, LATE_MS);
        return;
      }
      this.stats.timeouts++;
      this.retransmit(seq);
    };
    p.timer = setTimeout(expired, p.timeoutMs);
  }

  private retransmit(seq: number): void {
    const p = this.pending.get(seq);
    if (!p) return;
    if (p.triesLeft <= 0) return this.fail(seq, new RequestTimeoutError(`${typeName(p.type)} timed out after retries`));
    p.triesLeft--;
    this.stats.retransmits++;
    // The last copy has not left yet (the peer is not reading, or this process barely ran): another
    // would only queue behind it (under load such copies piled up to megabytes of stale requests that
    // every later request waited behind). The try is spent, so the budget still bounds the wait; the
    // line lost nothing, so the READ size stays.
    if (p.unsent) return this.arm(seq, p);
    this.onRetry?.(p.type);
    this.transmit(seq, p);
  }

  private fail(seq: number, err: Error): void {
    const p = this.pending.get(seq);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(seq);
    p.reject(err);
  }

  private onFrame(f: Frame): void {
    if (f.type === MsgType.NAK && !(f.flags & FLAG_RESPONSE)) {
      this.stats.naks++;
      return this.retransmit(f.seq);
    }
    if (!(f.flags & FLAG_RESPONSE)) return; // the dock answers nothing
    const p = this.pending.get(f.seq);
    if (!p || p.type !== f.type) return; // late duplicate
    clearTimeout(p.timer);
    this.pending.delete(f.seq);
    if (f.flags & FLAG_ERROR) p.reject(decodeError(f.payload, f.type));
    else p.resolve(f.payload);
  }
}

export type RequestHandler = (type: number, payload: Buffer) => Promise<Buffer>;

export interface RpcServerLimits {
  /** Requests waiting for their turn (default 16); more are dropped (the requester retransmits) and input pauses. */
  maxQueued?: number;
  /** Payload bytes of the waiting requests (default 4 MiB). */
  maxQueuedBytes?: number;
  /** Unsent bytes in the line's write buffer above which NAKs and cached replies are not sent (default 256 KiB). */
  maxBacklogBytes?: number;
  /** Called for every request frame before it is queued; false drops it unanswered (budgets). */
  admit?: (f: Frame) => boolean;
  /** Called before a NAK is sent for a corrupt request; false sends none (budgets). */
  admitNak?: () => boolean;
}

export interface RpcServerStats {
  dropped: number;
  pauses: number;
}

/**
 * Responder: one request at a time in arrival order, NAKs for corrupt requests, reply cache. Memory is
 * bounded whatever the peer does: at most `maxQueued` requests wait, at most one response is being
 * written, and when the peer does not read its answers, input stops (back-pressure) instead of queueing.
 */
export class RpcServer {
  readonly stats: RpcServerStats = { dropped: 0, pauses: 0 };
  private readonly cache = new Map<number, { type: number; flags: number; payload: Buffer }>();
  private readonly inFlight = new Set<number>();
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private queuedBytes = 0;
  private paused = false;
  private readonly limits: Required<Omit<RpcServerLimits, 'admit' | 'admitNak'>> & Pick<RpcServerLimits, 'admit' | 'admitNak'>;

  constructor(readonly link: FrameLink, private readonly handler: RequestHandler, private readonly cacheable: (type: number) => boolean, limits: RpcServerLimits = {}) {
    this.limits = { maxQueued: 16, maxQueuedBytes: 4 * 1024 * 1024, maxBacklogBytes: 256 * 1024, ...limits };
    link.on('frame', (f: Frame) => this.onFrame(f));
    link.on('corrupt', (c: CorruptFrame) => {
      if (!(c.flags & FLAG_RESPONSE) && (this.limits.admitNak?.() ?? true)) this.sendSpare(MsgType.NAK, 0, c.seq);
    });
  }

  clearCache(): void {
    this.cache.clear();
  }

  /** Requests waiting or running, for tests and budgets. */
  queueLength(): number {
    return this.queued;
  }

  /** A send nobody waits for (NAK, cached reply): skipped while the peer is not reading. */
  private sendSpare(type: number, flags: number, seq: number, payload?: Buffer): void {
    if (this.link.writeBacklog() > this.limits.maxBacklogBytes) return;
    this.link.send(type, flags, seq, payload).catch(() => undefined);
  }

  private onFrame(f: Frame): void {
    if (f.flags & FLAG_RESPONSE || f.type === MsgType.NAK) return;
    if (this.limits.admit && !this.limits.admit(f)) {
      this.stats.dropped++;
      return;
    }
    // Being executed, or its answer still queued here (not yet taken by the line): it is on the way.
    if (this.inFlight.has(f.seq)) return;
    const cached = this.cache.get(f.seq);
    if (cached && cached.type === f.type) {
      this.sendSpare(cached.type, cached.flags, f.seq, cached.payload);
      return;
    }
    if (this.queued >= this.limits.maxQueued || this.queuedBytes + f.payload.length > this.limits.maxQueuedBytes) {
      // Full: drop it (ARQ resends it) and stop reading until the queue has room again.
      this.stats.dropped++;
      this.pause();
      return;
    }
    this.inFlight.add(f.seq);
    this.queued++;
    this.queuedBytes += f.payload.length;
    if (this.queued >= this.limits.maxQueued) this.pause();
    // Requests run one at a time so responses leave in order and a WIPE never races a READ.
    this.chain = this.chain.then(async () => {
      let flags = FLAG_RESPONSE;
      let out: Buffer;
      try {
        out = await this.handler(f.type, f.payload);
      } catch (err) {
        flags |= FLAG_ERROR;
        const e = err instanceof WireError ? err : new WireError(ErrorCode.INTERNAL, (err as Error).message);
        out = encodeError(e.code, e.reason);
      }
      if (this.cacheable(f.type)) {
        this.cache.set(f.seq, { type: f.type, flags, payload: out });
        if (this.cache.size > 32) this.cache.delete(this.cache.keys().next().value!);
      }
      // A repeat of this request that arrives before the answer has left would queue a second copy
      // behind it (a READ is re-executed): it stays in flight until the line has taken the answer.
      const written = () => this.inFlight.delete(f.seq);
      if (this.link.isClosed) written();
      else await this.link.send(f.type, flags, f.seq, out, written).catch(written);
      this.queued--;
      this.queuedBytes -= f.payload.length;
      if (this.paused && this.queued <= this.limits.maxQueued / 2) {
        this.paused = false;
        this.link.resumeInput();
      }
    });
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.stats.pauses++;
    this.link.pauseInput();
  }
}
