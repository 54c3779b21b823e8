// The blob port: where clip ciphertext lives (docs/scale-out.md). Implementations: the filesystem
// (fs.ts, the embedded default) and S3 with Object Lock (s3.ts). One contract suite runs against both
// (test/store/blob-contract.ts). The index stays the authority on holds and deadlines; the port mirrors
// them where the backend can enforce them (S3 legal hold and GOVERNANCE retain-until).
import type { Readable } from 'node:stream';

export const BLOB_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

export function checkKey(key: string): string {
  if (typeof key !== 'string' || !BLOB_KEY.test(key)) throw new Error(`blob key: must match ${BLOB_KEY.source}, got ${JSON.stringify(key)}`);
  return key;
}

export interface PutOptions {
  /** Keep the blob at least until then (S3: GOVERNANCE retain-until; only the bypassing service identity deletes earlier). */
  retainUntil?: Date;
}

export interface PutResult {
  sha256: string; bytes: number;
  /** The key was already there: the existing blob is kept, the new data discarded (sha256/bytes are the new data's). */
  existed: boolean;
}

/** Byte range, both ends inclusive (as HTTP Range). */
export interface ByteRange { start: number; end?: number }

export interface BlobLock { hold: boolean; retainUntil: Date | null }

export interface BlobPort {
  readonly backend: 'fs' | 's3';
  /** Stream `data` in under key, hashing as it goes. */
  put(key: string, data: Readable, o?: PutOptions): Promise<PutResult>;
  /**
   * Hand over a finished (fsync'd) file from workDir(); it is consumed: moved or uploaded, then removed.
   * `existed`: the key was already there (another writer won), so the stored blob is not this file.
   */
  putFile(key: string, srcPath: string, o?: PutOptions): Promise<{ existed: boolean }>;
  /** The blob (or a byte range of it) as a stream; a missing key errors the stream with code 'not-found'. */
  read(key: string, range?: ByteRange): Readable;
  exists(key: string): Promise<boolean>;
  /** Size in bytes; throws StoreError 'not-found' for a missing key. */
  size(key: string): Promise<number>;
  /**
   * Remove every copy the backend holds and return the steps it really did, in order
   * (fs: blob-overwrite, fsync, unlink; S3: one s3-delete-version:<id> per version). A key already gone
   * returns ['blob-absent']. Refused with StoreError 'on-hold' while an evidence hold is on.
   */
  destroy(key: string): Promise<string[]>;
  /** Evidence hold on/off (S3: legal hold, which no identity can delete through). */
  setHold(key: string, on: boolean): Promise<void>;
  /** Move the retain-until date (S3: GOVERNANCE; the service identity may shorten it). */
  setRetainUntil(key: string, until: Date): Promise<void>;
  lock(key: string): Promise<BlobLock>;
  /** Local scratch directory for assembling clips before putFile. */
  workDir(): string;
}

export const notFound = (key: string) => Object.assign(new Error(`blob ${key}: not in the blob store`), { code: 'not-found' });
