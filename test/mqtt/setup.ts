// Shared fixtures for the MQTT tests: a central store (db + blobs + key) and real clips signed by test cameras.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsBlobStore } from '../../central-store/blob/fs.js';
import { openCentralDb, type Db } from '../../central-store/db.js';
import { startIngest, type IngestOptions, type Ingest } from '../../central-store/ingest.js';
import type { ClipSummary } from '../../shared/evidence.js';
import { createLogger } from '../../shared/log.js';
import { buildSignedClip, type BuildOptions } from '../helpers/pki.js';

export { dockAuthFor } from '../helpers/pki.js';
import type { BrokerAccess } from '../../hardware-sim/broker-pki.js';

export const quiet = (name: string) => createLogger(name, process.env.LOG_LEVEL ?? 'silent');

export interface Central {
  dir: string;
  db: Db;
  blobs: FsBlobStore;
  privateKey: KeyObject;
  publicKey: KeyObject;
  start(extra?: Partial<IngestOptions>): Promise<Ingest>;
  cleanup(): Promise<void>;
}

/** A central store whose ingest connects to the broker as central-1 (role central). */
export async function makeCentral(broker: Pick<BrokerAccess, 'endpoint'>): Promise<Central> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'central-'));
  const db = openCentralDb(path.join(dir, 'central.db'));
  const blobs = await FsBlobStore.open(path.join(dir, 'store'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const running: Ingest[] = [];
  return {
    dir, db, blobs, privateKey, publicKey,
    async start(extra = {}) {
      const ing = await startIngest({ mqtt: broker.endpoint('central-1', 'central'), db, blobs, receiptKey: privateKey, storeId: 'store-1', workerId: `w${running.length}`, log: quiet('ingest'), ...extra });
      running.push(ing);
      return ing;
    },
    async cleanup() {
      for (const r of running) await r.close().catch(() => undefined);
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A real clip signed by deviceId's camera key (test CA), about `bytes` long (ClipSummary.bytes is exact). */
export async function makeClip(dir: string, bytes: number, deviceId = 'cam-1', o: BuildOptions = {}): Promise<{ clip: ClipSummary; file: string; data: Buffer }> {
  const { clip, data } = buildSignedClip(bytes, { deviceId, ...o });
  const file = path.join(dir, `${clip.clipId}.bin`);
  await writeFile(file, data);
  return { clip, file, data };
}

export async function blobBytes(central: Central, clipId: string): Promise<Buffer> {
  return readFile(central.blobs.pathOf(clipId));
}

export async function tmpDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}
