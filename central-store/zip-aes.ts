// A streaming ZIP writer with WinZip AES-256 encryption (AE-2), the format 7-Zip, WinZip and most
// police forensic tools open: per entry a 16-byte salt, PBKDF2-HMAC-SHA1 (1000 iterations) → AES key,
// HMAC key and a 2-byte password check; AES-256-CTR with a little-endian counter from 1; HMAC-SHA1 of
// the ciphertext truncated to 10 bytes; method 99 with the 0x9901 extra, "stored" inside, CRC 0.
// Sizes follow in a data descriptor, so nothing is buffered; ZIP64 where a size or offset needs it.
import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';

const U32 = 0xffffffff;
const FLAGS = 0x0001 | 0x0008 | 0x0800; // encrypted, data descriptor, UTF-8 name
const VERSION_NEEDED = 51; // AES
const VERSION_MADE_BY = 0x033f; // unix, 6.3
const AES_OVERHEAD = 16 + 2 + 10;

/** AES-256-CTR with WinZip's little-endian 128-bit counter starting at 1 (node's ctr is big-endian). */
class AesCtrLE {
  private readonly ecb: ReturnType<typeof createCipheriv>;
  private counter = 0;
  private ks = Buffer.alloc(0);
  private ksOff = 0;
  constructor(key: Buffer) {
    this.ecb = createCipheriv('aes-256-ecb', key, null);
    this.ecb.setAutoPadding(false);
  }
  update(data: Buffer): Buffer {
    const out = Buffer.allocUnsafe(data.length);
    for (let i = 0; i < data.length;) {
      if (this.ksOff === this.ks.length) this.refill(data.length - i);
      const n = Math.min(data.length - i, this.ks.length - this.ksOff);
      const ks = this.ks, k0 = this.ksOff;
      for (let j = 0; j < n; j++) out[i + j] = data[i + j]! ^ ks[k0 + j]!;
      i += n;
      this.ksOff += n;
    }
    return out;
  }
  private refill(want: number): void {
    const blocks = Math.min(Math.ceil(want / 16), 1 << 16);
    const ctr = Buffer.alloc(blocks * 16);
    for (let b = 0; b < blocks; b++) {
      this.counter++;
      ctr.writeUInt32LE(this.counter % 0x100000000, b * 16);
      ctr.writeUInt32LE(Math.floor(this.counter / 0x100000000), b * 16 + 4);
    }
    this.ks = this.ecb.update(ctr);
    this.ksOff = 0;
  }
}

function dosTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((Math.max(1980, d.getUTCFullYear()) - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** The 0x9901 extra: AE-2, vendor "AE", strength 3 (AES-256), actual method 0 (stored). */
function aesExtra(): Buffer {
  const b = Buffer.alloc(11);
  b.writeUInt16LE(0x9901, 0); b.writeUInt16LE(7, 2); b.writeUInt16LE(2, 4); b.write('AE', 6, 'ascii'); b[8] = 3; b.writeUInt16LE(0, 9);
  return b;
}

function zip64Extra(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(0x0001, 0); b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

interface Entry { name: Buffer; offset: number; csize: number; usize: number; zip64: boolean }

export interface ZipOptions {
  /** 'always': ZIP64 records for every entry and the end record (tests use it to prove readers accept them). */
  zip64?: 'auto' | 'always';
  /** Entry timestamps (default now). */
  mtime?: Date;
}

export class ZipAesWriter {
  private pos = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly entries: Entry[] = [];
  /** SHA-256 of every byte written: the package hash. */
  private readonly hash = createHash('sha256');
  private readonly when: { time: number; date: number };

  private constructor(private readonly fh: FileHandle, private readonly password: string, private readonly o: ZipOptions) {
    this.when = dosTime(o.mtime ?? new Date());
  }

  /** Create `file` (must not exist, mode 0600). */
  static async create(file: string, password: string, o: ZipOptions = {}): Promise<ZipAesWriter> {
    if (!password) throw new Error('zip: empty password');
    return new ZipAesWriter(await open(file, 'wx', 0o600), password, o);
  }

  private out(b: Buffer): void { this.hash.update(b); this.pending.push(b); this.pendingBytes += b.length; }

  private async flush(min = 0): Promise<void> {
    if (this.pendingBytes <= min || !this.pending.length) return;
    const bufs = this.pending;
    this.pending = []; const n = this.pendingBytes; this.pendingBytes = 0;
    let done = 0;
    while (done < n) {
      const { bytesWritten } = await this.fh.writev(done === 0 ? bufs : [Buffer.concat(bufs).subarray(done)], this.pos + done);
      done += bytesWritten;
    }
    this.pos += n;
  }

  private get offset(): number { return this.pos + this.pendingBytes; }

  /**
   * Add one encrypted entry from a stream. maxBytes: an upper bound on its size if known (decides
   * ZIP64 up front, as the local header must say so). Returns plaintext size and SHA-256.
   */
  async add(name: string, src: AsyncIterable<unknown> | Iterable<unknown>, maxBytes = 0): Promise<{ bytes: number; sha256: string }> {
    const nameBuf = Buffer.from(name, 'utf8');
    if (!nameBuf.length || nameBuf.length > 0xffff || name.includes('\\') || name.startsWith('/') || name.split('/').includes('..')) throw new Error(`zip: bad entry name ${JSON.stringify(name)}`);
    const zip64 = this.o.zip64 === 'always' || maxBytes + AES_OVERHEAD >= U32;
    const offset = this.offset;
    const extra = zip64 ? Buffer.concat([zip64Extra([0, 0]), aesExtra()]) : aesExtra();
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0); h.writeUInt16LE(VERSION_NEEDED, 4); h.writeUInt16LE(FLAGS, 6); h.writeUInt16LE(99, 8);
    h.writeUInt16LE(this.when.time, 10); h.writeUInt16LE(this.when.date, 12); h.writeUInt32LE(0, 14);
    h.writeUInt32LE(zip64 ? U32 : 0, 18); h.writeUInt32LE(zip64 ? U32 : 0, 22);
    h.writeUInt16LE(nameBuf.length, 26); h.writeUInt16LE(extra.length, 28);
    this.out(Buffer.concat([h, nameBuf, extra]));

    const salt = randomBytes(16);
    const dk = pbkdf2Sync(this.password, salt, 1000, 66, 'sha1');
    const ctr = new AesCtrLE(dk.subarray(0, 32));
    const mac = createHmac('sha1', dk.subarray(32, 64));
    this.out(salt);
    this.out(Buffer.from(dk.subarray(64, 66)));
    dk.fill(0);
    const plainHash = createHash('sha256');
    let usize = 0;
    for await (const chunk of src) {
      const b = chunk as Buffer;
      usize += b.length;
      plainHash.update(b);
      const ct = ctr.update(b);
      mac.update(ct);
      this.out(ct);
      await this.flush(1 << 20);
    }
    this.out(mac.digest().subarray(0, 10));
    const csize = usize + AES_OVERHEAD;
    if (!zip64 && csize >= U32) throw new Error(`zip: entry ${name} outgrew its size bound (${maxBytes})`);
    const d = Buffer.alloc(zip64 ? 24 : 16);
    d.writeUInt32LE(0x08074b50, 0); d.writeUInt32LE(0, 4);
    if (zip64) { d.writeBigUInt64LE(BigInt(csize), 8); d.writeBigUInt64LE(BigInt(usize), 16); }
    else { d.writeUInt32LE(csize, 8); d.writeUInt32LE(usize, 12); }
    this.out(d);
    this.entries.push({ name: nameBuf, offset, csize, usize, zip64: zip64 || offset >= U32 });
    await this.flush(1 << 20);
    return { bytes: usize, sha256: plainHash.digest('hex') };
  }

  /** Central directory and end records, fsync, close. Returns the SHA-256 of the whole file. */
  async finish(): Promise<{ bytes: number; sha256: string }> {
    const cdStart = this.offset;
    for (const e of this.entries) {
      const extra = e.zip64 ? Buffer.concat([zip64Extra([e.usize, e.csize, e.offset]), aesExtra()]) : aesExtra();
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0); c.writeUInt16LE(VERSION_MADE_BY, 4); c.writeUInt16LE(VERSION_NEEDED, 6); c.writeUInt16LE(FLAGS, 8);
      c.writeUInt16LE(99, 10); c.writeUInt16LE(this.when.time, 12); c.writeUInt16LE(this.when.date, 14); c.writeUInt32LE(0, 16);
      c.writeUInt32LE(e.zip64 ? U32 : e.csize, 20); c.writeUInt32LE(e.zip64 ? U32 : e.usize, 24);
      c.writeUInt16LE(e.name.length, 28); c.writeUInt16LE(extra.length, 30); c.writeUInt16LE(0, 32); c.writeUInt16LE(0, 34);
      c.writeUInt16LE(0, 36); c.writeUInt32LE((0o100600 << 16) >>> 0, 38); c.writeUInt32LE(e.zip64 ? U32 : e.offset, 42);
      this.out(Buffer.concat([c, e.name, extra]));
    }
    const cdSize = this.offset - cdStart;
    const n = this.entries.length;
    const z64 = this.o.zip64 === 'always' || n >= 0xffff || cdStart >= U32 || cdSize >= U32 || this.entries.some((e) => e.zip64);
    if (z64) {
      const recAt = this.offset;
      const r = Buffer.alloc(56);
      r.writeUInt32LE(0x06064b50, 0); r.writeBigUInt64LE(44n, 4); r.writeUInt16LE(VERSION_MADE_BY, 12); r.writeUInt16LE(45, 14);
      r.writeUInt32LE(0, 16); r.writeUInt32LE(0, 20); r.writeBigUInt64LE(BigInt(n), 24); r.writeBigUInt64LE(BigInt(n), 32);
      r.writeBigUInt64LE(BigInt(cdSize), 40); r.writeBigUInt64LE(BigInt(cdStart), 48);
      const l = Buffer.alloc(20);
      l.writeUInt32LE(0x07064b50, 0); l.writeUInt32LE(0, 4); l.writeBigUInt64LE(BigInt(recAt), 8); l.writeUInt32LE(1, 16);
      this.out(Buffer.concat([r, l]));
    }
    const e = Buffer.alloc(22);
    e.writeUInt32LE(0x06054b50, 0); e.writeUInt16LE(0, 4); e.writeUInt16LE(0, 6);
    e.writeUInt16LE(z64 ? 0xffff : n, 8); e.writeUInt16LE(z64 ? 0xffff : n, 10);
    e.writeUInt32LE(z64 ? U32 : cdSize, 12); e.writeUInt32LE(z64 ? U32 : cdStart, 16); e.writeUInt16LE(0, 20);
    this.out(e);
    await this.flush();
    await this.fh.sync();
    await this.fh.close();
    return { bytes: this.pos, sha256: this.hash.digest('hex') };
  }

  /** Give up (the caller removes the file). */
  async abort(): Promise<void> { await this.fh.close().catch(() => undefined); }
}
