// Request/response over frames: the dock is the requester (RpcClient), the camera the responder
// (RpcServer). Reliability is requester-driven ARQ: a request is retransmitted with the same seq on
// timeout, on a NAK, or when its response arrives corrupt; the responder answers a repeated seq from
// its reply cache (so a WIPE is never executed twice) or re-executes an idempotent READ.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { randomInt } from 'node:crypto';
import { FLAG_ERROR, FLAG_RESPONSE, FrameDecoder, encodeFrame, type CorruptFrame, type Frame } from './frame.js';
import { ErrorCode, MsgType, WireError, decodeError, encodeError, typeName } from './messages.js';

/** Frames over a byte duplex, with write backpressure. */
export class FrameLink extends EventEmitter {
  readonly decoder = new FrameDecoder();
  private closed = false;
  private readonly onClose = () => this.shutdown(new Error('serial line closed'));
  private readonly onError = (err: Error) => this.shutdown(err);

  constructor(readonly line: Duplex) {
    super();
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

  private drained?: Promise<void>;

  async send(type: number, flags: number, seq: number, payload?: Buffer): Promise<void> {
    if (this.closed || this.line.destroyed || this.line.writableEnded) throw new Error('serial line closed');
    if (!this.line.write(encodeFrame(type, flags, seq, payload))) {
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

  request(type: number, payload: Buffer, opts: RequestOptions = {}): Promise<Buffer> {
    if (this.link.isClosed) return Promise.reject(new Error('serial line closed'));
    const seq = (this.seq = (this.seq + 1) >>> 0);
    this.stats.requests++;
    return new Promise<Buffer>((resolve, reject) => {
      const p: Pending = { type, payload, timeoutMs: opts.timeoutMs ?? this.defaults.timeoutMs, triesLeft: opts.retries ?? this.defaults.retries, resolve, reject };
      this.pending.set(seq, p);
      this.transmit(seq, p);
    });
  }

  private transmit(seq: number, p: Pending): void {
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      this.stats.timeouts++;
      this.retransmit(seq);
    }, p.timeoutMs);
    this.link.send(p.type, 0, seq, p.payload).catch((err: Error) => this.fail(seq, err));
  }

  private retransmit(seq: number): void {
    const p = this.pending.get(seq);
    if (!p) return;
    if (p.triesLeft <= 0) return this.fail(seq, new RequestTimeoutError(`${typeName(p.type)} timed out after retries`));
    p.triesLeft--;
    this.stats.retransmits++;
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

/** Responder: one request at a time in arrival order, NAKs for corrupt requests, reply cache. */
export class RpcServer {
  private readonly cache = new Map<number, { type: number; flags: number; payload: Buffer }>();
  private readonly inFlight = new Set<number>();
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly link: FrameLink, private readonly handler: RequestHandler, private readonly cacheable: (type: number) => boolean) {
    link.on('frame', (f: Frame) => this.onFrame(f));
    link.on('corrupt', (c: CorruptFrame) => {
      if (!(c.flags & FLAG_RESPONSE)) this.link.send(MsgType.NAK, 0, c.seq).catch(() => undefined);
    });
  }

  clearCache(): void {
    this.cache.clear();
  }

  private onFrame(f: Frame): void {
    if (f.flags & FLAG_RESPONSE || f.type === MsgType.NAK) return;
    const cached = this.cache.get(f.seq);
    if (cached && cached.type === f.type) {
      this.link.send(cached.type, cached.flags, f.seq, cached.payload).catch(() => undefined);
      return;
    }
    if (this.inFlight.has(f.seq)) return; // its answer is on the way
    this.inFlight.add(f.seq);
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
      this.inFlight.delete(f.seq);
      if (this.cacheable(f.type)) {
        this.cache.set(f.seq, { type: f.type, flags, payload: out });
        if (this.cache.size > 32) this.cache.delete(this.cache.keys().next().value!);
      }
      if (!this.link.isClosed) await this.link.send(f.type, flags, f.seq, out).catch(() => undefined);
    });
  }
}
