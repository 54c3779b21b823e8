// The blob store a configuration names: the data directory (default) or S3 with Object Lock.
// Problems with the S3 settings are ConfigErrors naming the field (the server exits 78).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../shared/config.js';
import type { StoreConfig } from '../config.js';
import { retentionDays, type RetentionConfig } from '../retention.js';
import { FsBlobStore } from './fs.js';
import type { BlobPort } from './port.js';
import { S3BlobStore } from './s3.js';

const Credentials = z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }).strict();

function readCredentials(file: string): { accessKeyId: string; secretAccessKey: string } {
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(file, 'utf8')); } catch (err) {
    throw new ConfigError(`config.blobs.s3.credentialsFile: cannot read ${file} as JSON (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const r = Credentials.safeParse(raw);
  if (!r.success) throw new ConfigError(`config.blobs.s3.credentialsFile: ${file}: needs {"accessKeyId","secretAccessKey"}`);
  return r.data;
}

/** The longest retention any clip can get: the default retain-until of a new blob (never before its deadline). */
export function longestRetentionDays(r: RetentionConfig | undefined): number {
  if (!r) return 14;
  return Math.max(retentionDays(r, null), ...Object.values(r.perPurpose));
}

export async function openBlobStore(config: Pick<StoreConfig, 'blobs' | 'retention'>, localRoot: string): Promise<BlobPort> {
  const fs = await FsBlobStore.open(localRoot);
  if (config.blobs.backend === 'fs') return fs;
  const s = config.blobs.s3;
  return S3BlobStore.open({
    endpoint: s.endpoint, region: s.region, bucket: s.bucket, forcePathStyle: s.forcePathStyle, createBucket: s.createBucket,
    credentials: s.credentialsFile ? readCredentials(s.credentialsFile) : undefined,
    workDir: path.join(localRoot, 'work'), defaultRetainDays: longestRetentionDays(config.retention),
  });
}
