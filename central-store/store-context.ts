// Opens one store from its configuration for the server and the CLI alike: index db, users, access log
// and operations at once; the evidence store (which needs the master key) only when first asked for.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { ConfigError } from '../shared/config.js';
import type { KeyObject } from 'node:crypto';
import { AccessLog } from './access-log.js';
import { openBlobStore } from './blob/open.js';
import type { BlobPort } from './blob/port.js';
import { storePaths, type StoreConfig } from './config.js';
import { openCentralDb, type Db } from './db.js';
import { EvidenceStore } from './evidence.js';
import { openIndex } from './index/open.js';
import type { Index } from './index/port.js';
import { masterKeyFromPassphrase, readMasterKeyFile } from './keys.js';
import { Operations } from './operations.js';
import { DetectPool } from './redaction/detect-pool.js';
import { RedactionService } from './redaction/service.js';
import { recordCensus } from './record-census.js';
import path from 'node:path';
import { loadOrCreateSigningKey } from './signing-key.js';
import { Users, type ScryptParams } from './users.js';

export interface StoreContext {
  config: StoreConfig;
  /** The sqlite connection to central.db: only with the sqlite index (a PostgreSQL store keeps no index file). */
  db: Db | undefined;
  /** The index port: sqlite on `db` (default) or PostgreSQL (config.index); the tables behind it are in docs/scale-out.md. */
  index: Index;
  users: Users; log: AccessLog; ops: Operations; blobs: BlobPort;
  evidence(): Promise<EvidenceStore>;
  signingKey(): Promise<{ privateKey: KeyObject; publicKey: KeyObject }>;
  close(): Promise<void>;
}

/**
 * The master key, in this order: an explicit key file (flag), config.masterKeyFile,
 * env BODYCAM_MASTER_KEY_FILE, env BODYCAM_MASTER_PASSPHRASE. Never read from the config itself.
 */
export async function resolveMasterKey(config: StoreConfig, env: NodeJS.ProcessEnv, flagFile?: string): Promise<Buffer> {
  const file = flagFile ?? config.masterKeyFile ?? env.BODYCAM_MASTER_KEY_FILE;
  if (file) return readMasterKeyFile(file, config.dataDir, storePaths(config).keys);
  if (env.BODYCAM_MASTER_PASSPHRASE) return masterKeyFromPassphrase(env.BODYCAM_MASTER_PASSPHRASE, storePaths(config).keys);
  throw Object.assign(new Error('master key: none given (masterKeyFile in the config, BODYCAM_MASTER_KEY_FILE or BODYCAM_MASTER_PASSPHRASE)'), { code: 'bad-input' });
}

/** The keys directory exists (made 0700 if not) and this process can read, write and list it; else a ConfigError naming the setting. */
function usableKeysDir(dir: string, configured: boolean): void {
  const field = `config.keysDir: ${configured ? '' : 'default '}${dir}`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new ConfigError(`${field}: cannot use it for the key files (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export async function openStoreContext(config: StoreConfig, o: { masterKey: () => Promise<Buffer>; now?: () => number; scrypt?: ScryptParams }): Promise<StoreContext> {
  const p = storePaths(config);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(p.exports, { recursive: true, mode: 0o700 });
  usableKeysDir(p.keys, config.keysDir !== undefined);
  // central.db only for the sqlite index: on PostgreSQL the store keeps no index file of its own.
  const db = config.index.backend === 'sqlite' ? openCentralDb(p.db) : undefined;
  // The server and CLI calls share the file: wait for each other's write locks instead of failing.
  db?.pragma('busy_timeout = 10000');
  let index: Index;
  try { index = await openIndex(config, db); } catch (err) { db?.close(); throw err; }
  let blobs: BlobPort;
  try { blobs = await openBlobStore(config, p.blobs); } catch (err) { await index.close(); db?.close(); throw err; }
  const users = new Users(index, { now: o.now, maxFailures: config.lockoutAfter, scrypt: o.scrypt });
  const log = new AccessLog(index, { now: o.now });
  let master: Promise<Buffer> | undefined;
  let signing: Promise<{ privateKey: KeyObject; publicKey: KeyObject }> | undefined;
  let evidence: Promise<EvidenceStore> | undefined;
  const signingKey = () => signing ??= (master ??= o.masterKey()).then((m) => loadOrCreateSigningKey(p.signingKey, p.signingPub, m));
  const openEvidence = () => evidence ??= (async () => EvidenceStore.open({
    dir: config.dataDir, keysDir: p.keys, db, index, blobs, masterKey: await (master ??= o.masterKey()), signingKey: (await signingKey()).privateKey,
    storeId: config.storeId, retention: config.retention, deadlines: config.deadlines, exportsDir: p.exports, now: o.now,
  }))();
  // The detector threads start on the first redaction only (≈ 1 s, 2 × ≈ 100 MB).
  let pool: Promise<DetectPool> | undefined;
  const redaction = new RedactionService({ index, evidence: openEvidence, pool: () => pool ??= DetectPool.open({ minScore: 0.3 }), now: o.now });
  const ops = new Operations({ db, index, users, log, evidence: openEvidence, redaction: async () => redaction, now: o.now, logMonths: config.accessLogMonths, disabledUserDays: config.deadlines.disabledUserDays,
    census: () => recordCensus(index, path.join(config.dataDir, 'receipts.db'), config, (o.now ?? Date.now)()) });
  return {
    config, db, index, users, log, ops, blobs, evidence: openEvidence, signingKey,
    async close() {
      if (pool) await (await pool.catch(() => undefined))?.close();
      if (evidence) await (await evidence.catch(() => undefined))?.close();
      await index.close();
      db?.close();
    },
  };
}
