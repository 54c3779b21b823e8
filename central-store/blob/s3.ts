// Blobs in an S3 bucket with Object Lock (Ceph RGW, AWS S3, any Object-Lock S3). Every object gets a
// GOVERNANCE retain-until (the store's service identity holds s3:BypassGovernanceRetention for an
// authorised early deletion; an administrator whose policy denies it cannot delete early); an evidence
// hold is an S3 legal hold, which nobody can delete through. Destroy deletes every version (S3 cannot
// overwrite: crypto-erase by epoch key destruction is what makes the deletion final).
// The client must not add checksums on its own (WHEN_REQUIRED): RGW refuses streamed uploads otherwise.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand, CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, GetObjectLegalHoldCommand, GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, PutObjectLegalHoldCommand,
  PutObjectRetentionCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { ConfigError } from '../../shared/config.js';
import { StoreError } from '../store-error.js';
import { checkKey, notFound, type BlobLock, type BlobPort, type ByteRange, type PutOptions, type PutResult } from './port.js';

export interface S3BlobOptions {
  endpoint?: string; region: string; bucket: string; forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Local scratch directory for assembling clips before upload. */
  workDir: string;
  /** Retain-until for a put without one: now + this many days (the longest retention, so never before a deadline). */
  defaultRetainDays: number;
  /** Create the bucket (with Object Lock) when it does not exist; default true. */
  createBucket?: boolean;
  /** The config path errors name (default config.blobs.s3). */
  field?: string;
}

const DAY_MS = 86_400_000;
/** Multipart part size (S3's minimum is 5 MiB for all but the last part). */
const PART = 8 * 1024 * 1024;
const status = (err: unknown) => (err as S3ServiceException)?.$metadata?.httpStatusCode;
const isMissing = (err: unknown) => status(err) === 404 || ['NoSuchKey', 'NotFound', 'NoSuchVersion'].includes((err as Error)?.name);

export class S3BlobStore implements BlobPort {
  readonly backend = 's3' as const;
  private constructor(readonly client: S3Client, private readonly o: S3BlobOptions) {}

  static client(o: Pick<S3BlobOptions, 'endpoint' | 'region' | 'forcePathStyle' | 'credentials'>): S3Client {
    return new S3Client({
      endpoint: o.endpoint, region: o.region, forcePathStyle: o.forcePathStyle ?? true, credentials: o.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3, requestHandler: { connectionTimeout: 5000, requestTimeout: 120_000 },
    });
  }

  /** Connect and check the bucket has Object Lock (created with it when missing). ConfigError (exit 78) naming the setting otherwise. */
  static async open(o: S3BlobOptions): Promise<S3BlobStore> {
    const field = o.field ?? 'config.blobs.s3';
    const client = S3BlobStore.client(o);
    const lockConfig = () => client.send(new GetObjectLockConfigurationCommand({ Bucket: o.bucket }));
    try {
      let cfg;
      try { cfg = await lockConfig(); } catch (err) {
        if ((err as Error).name !== 'NoSuchBucket' || o.createBucket === false) throw err;
        await client.send(new CreateBucketCommand({ Bucket: o.bucket, ObjectLockEnabledForBucket: true }));
        cfg = await lockConfig();
      }
      if (cfg.ObjectLockConfiguration?.ObjectLockEnabled !== 'Enabled') throw Object.assign(new Error('lock'), { name: 'ObjectLockConfigurationNotFoundError' });
    } catch (err) {
      client.destroy();
      const name = (err as Error).name, code = (err as NodeJS.ErrnoException).code;
      if (name === 'ObjectLockConfigurationNotFoundError') {
        throw new ConfigError(`${field}.bucket: bucket ${o.bucket} has no Object Lock; evidence needs retain-until and legal holds (create a bucket with Object Lock enabled)`);
      }
      if (name === 'NoSuchBucket') throw new ConfigError(`${field}.bucket: bucket ${o.bucket} does not exist (and createBucket is false)`);
      if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied'].includes(name)) {
        throw new ConfigError(`${field}.credentials: ${name} from ${o.endpoint ?? 'S3'} for bucket ${o.bucket}`);
      }
      if (status(err) === undefined) throw new ConfigError(`${field}.endpoint: cannot reach ${o.endpoint ?? `S3 (${o.region})`}: ${code ?? name}: ${(err as Error).message}`);
      throw new ConfigError(`${field}: bucket ${o.bucket}: ${name} (HTTP ${status(err)}): ${(err as Error).message}`);
    }
    return new S3BlobStore(client, o);
  }

  workDir(): string { return this.o.workDir; }
  close(): void { this.client.destroy(); }

  private retainUntil(o?: PutOptions): Date { return o?.retainUntil ?? new Date(Date.now() + this.o.defaultRetainDays * DAY_MS); }

  private async upload(key: string, body: Readable | Buffer, contentLength: number, o?: PutOptions): Promise<void> {
    await this.client.send(new PutObjectCommand({
      Bucket: this.o.bucket, Key: checkKey(key), Body: body, ContentLength: contentLength, ContentType: 'application/octet-stream',
      ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: this.retainUntil(o),
    }));
  }

  /**
   * Streamed in parts of PART bytes (memory bounded; RGW wants a length on every request): a blob
   * shorter than one part is one PutObject, a longer one a multipart upload, aborted on any error.
   */
  async put(key: string, data: Readable, o?: PutOptions): Promise<PutResult> {
    checkKey(key);
    const h = createHash('sha256');
    let bytes = 0;
    const existed = await this.exists(key);
    let buf: Buffer[] = [], buffered = 0, uploadId: string | undefined;
    const parts: { ETag: string; PartNumber: number }[] = [];
    const flush = async () => {
      const body = Buffer.concat(buf, buffered);
      buf = []; buffered = 0;
      if (existed) return;
      uploadId ??= (await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.o.bucket, Key: key, ContentType: 'application/octet-stream',
        ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: this.retainUntil(o) }))).UploadId!;
      const r = await this.client.send(new UploadPartCommand({ Bucket: this.o.bucket, Key: key, UploadId: uploadId, PartNumber: parts.length + 1, Body: body, ContentLength: body.length }));
      parts.push({ ETag: r.ETag!, PartNumber: parts.length + 1 });
    };
    try {
      for await (const chunk of data) {
        const c = chunk as Buffer;
        h.update(c); bytes += c.length;
        buf.push(c); buffered += c.length;
        if (buffered >= PART) await flush();
      }
      if (!existed) {
        if (uploadId === undefined) await this.upload(key, Buffer.concat(buf, buffered), buffered, o);
        else {
          if (buffered) await flush();
          await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.o.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
        }
      }
    } catch (err) {
      if (uploadId) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.o.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw err;
    }
    return { sha256: h.digest('hex'), bytes, existed };
  }

  async putFile(key: string, srcPath: string, o?: PutOptions): Promise<{ existed: boolean }> {
    const existed = await this.exists(key);
    if (!existed) await this.upload(key, createReadStream(srcPath, { highWaterMark: 1 << 20 }), (await stat(srcPath)).size, o);
    await unlink(srcPath).catch(() => undefined);
    return { existed };
  }

  read(key: string, range?: ByteRange): Readable {
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    const Range = range ? `bytes=${range.start}-${range.end ?? ''}` : undefined;
    this.client.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: checkKey(key), Range })).then((r) => {
      const body = r.Body as Readable;
      body.on('error', (err) => out.destroy(err));
      out.on('close', () => body.destroy());
      body.pipe(out);
    }, (err) => out.destroy(isMissing(err) ? notFound(key) : err));
    return out;
  }

  async exists(key: string): Promise<boolean> {
    try { await this.client.send(new HeadObjectCommand({ Bucket: this.o.bucket, Key: checkKey(key) })); return true; } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async size(key: string): Promise<number> {
    try { return (await this.client.send(new HeadObjectCommand({ Bucket: this.o.bucket, Key: checkKey(key) }))).ContentLength ?? 0; } catch (err) {
      if (isMissing(err)) throw new StoreError('not-found', notFound(key).message);
      throw err;
    }
  }

  /** Every version and delete marker of exactly this key. */
  private async versions(key: string): Promise<{ id: string; marker: boolean }[]> {
    const out: { id: string; marker: boolean }[] = [];
    let KeyMarker: string | undefined, VersionIdMarker: string | undefined;
    for (;;) {
      const r = await this.client.send(new ListObjectVersionsCommand({ Bucket: this.o.bucket, Prefix: checkKey(key), KeyMarker, VersionIdMarker }));
      for (const v of r.Versions ?? []) if (v.Key === key && v.VersionId) out.push({ id: v.VersionId, marker: false });
      for (const m of r.DeleteMarkers ?? []) if (m.Key === key && m.VersionId) out.push({ id: m.VersionId, marker: true });
      if (!r.IsTruncated) return out;
      KeyMarker = r.NextKeyMarker; VersionIdMarker = r.NextVersionIdMarker;
    }
  }

  private async held(key: string, versionId: string): Promise<boolean> {
    try {
      const r = await this.client.send(new GetObjectLegalHoldCommand({ Bucket: this.o.bucket, Key: key, VersionId: versionId }));
      return r.LegalHold?.Status === 'ON';
    } catch (err) {
      if (isMissing(err) || (err as Error).name === 'NoSuchObjectLockConfiguration') return false;
      throw err;
    }
  }

  async destroy(key: string): Promise<string[]> {
    const all = await this.versions(key);
    if (!all.length) return ['blob-absent'];
    // Checked first so a held clip loses no version (RGW would refuse the held one anyway).
    for (const v of all) if (!v.marker && await this.held(key, v.id)) throw new StoreError('on-hold', `blob ${key}: S3 legal hold is on (version ${v.id})`);
    const steps: string[] = [];
    for (const v of all) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: key, VersionId: v.id, BypassGovernanceRetention: true }));
      steps.push(`${v.marker ? 's3-delete-marker' : 's3-delete-version'}:${v.id}`);
    }
    return steps;
  }

  private async objectVersions(key: string): Promise<string[]> {
    const ids = (await this.versions(key)).filter((v) => !v.marker).map((v) => v.id);
    if (!ids.length) throw new StoreError('not-found', notFound(key).message);
    return ids;
  }

  async setHold(key: string, on: boolean): Promise<void> {
    for (const VersionId of await this.objectVersions(key)) {
      await this.client.send(new PutObjectLegalHoldCommand({ Bucket: this.o.bucket, Key: key, VersionId, LegalHold: { Status: on ? 'ON' : 'OFF' } }));
    }
  }

  async setRetainUntil(key: string, until: Date): Promise<void> {
    for (const VersionId of await this.objectVersions(key)) {
      await this.client.send(new PutObjectRetentionCommand({ Bucket: this.o.bucket, Key: key, VersionId, BypassGovernanceRetention: true,
        Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until } }));
    }
  }

  async lock(key: string): Promise<BlobLock> {
    const [latest] = await this.objectVersions(key);
    let retainUntil: Date | null = null;
    try {
      const r = await this.client.send(new GetObjectRetentionCommand({ Bucket: this.o.bucket, Key: key, VersionId: latest }));
      retainUntil = r.Retention?.RetainUntilDate ? new Date(r.Retention.RetainUntilDate) : null;
    } catch (err) { if (!isMissing(err) && (err as Error).name !== 'NoSuchObjectLockConfiguration') throw err; }
    return { hold: await this.held(key, latest!), retainUntil };
  }
}
