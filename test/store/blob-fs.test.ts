// The blob contract against the filesystem implementation (the embedded default).
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsBlobStore } from '../../central-store/blob/fs.js';
import { blobContract } from './blob-contract.js';

blobContract(test, 'fs', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'blob-fs-'));
  return { blobs: await FsBlobStore.open(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});
