// Central store configuration (zod). Errors name the field: "config.api.port: ...". The master key
// is never in here: only the path of a key file (or the environment supplies it, see masterKeySource).
import path from 'node:path';
import { z } from 'zod';
import { parseConfigWith, readConfigFile } from '../shared/config.js';
import { LOGIN_GUARD_DEFAULTS } from './login-guard.js';
import { RetentionConfigSchema } from './retention.js';
import { DEADLINE_DEFAULTS, DeadlinesSchema } from './deadlines.js';
import { mqttsUrl } from '../shared/mqtt/config-schema.js';

const int = (min: number, max: number, d: number) => z.number().int().min(min).max(max).default(d);
const G = LOGIN_GUARD_DEFAULTS;
const LoginGuardSchema = z.object({
  freeFailures: int(0, 100, G.freeFailures), baseDelayMs: int(1, 3_600_000, G.baseDelayMs), maxDelayMs: int(1, 86_400_000, G.maxDelayMs),
  forgetAfterMs: int(1, 86_400_000, G.forgetAfterMs), maxSources: int(1, 1_000_000, G.maxSources), perSourceInFlight: int(1, 64, G.perSourceInFlight),
  maxConcurrent: int(1, 64, G.maxConcurrent), maxQueued: int(0, 10_000, G.maxQueued), queueTimeoutMs: int(1, 600_000, G.queueTimeoutMs),
}).strict();
const OFFICE_DEFAULTS = { enabled: true, idleMinutes: 15, absoluteHours: 8 };
const OfficeSchema = z.object({
  enabled: z.boolean().default(true),
  idleMinutes: z.number().int().min(1).max(24 * 60).default(OFFICE_DEFAULTS.idleMinutes),
  absoluteHours: z.number().int().min(1).max(7 * 24).default(OFFICE_DEFAULTS.absoluteHours),
}).strict();

const id = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : - only (1-128)');

export const StoreConfigSchema = z.object({
  storeId: id,
  /** Index (central.db), blobs (store/), keys and receipts live here. */
  dataDir: z.string().min(1),
  /**
   * The evidence-key files: epoch and hold private keys sealed under the master key, the master-key
   * check (and salt), and, when set here, the store's sealed signing key. Default <dataDir>/keys. Every
   * central node must use the same directory (one shared mount): a key one node makes must open on
   * the others, and its destruction (overwrite + unlink) must reach every copy. Never PostgreSQL or
   * S3: a deleted row or object version survives in WAL, MVCC or versioning, which would undo the crypto-erase.
   */
  keysDir: z.string().min(1).optional(),
  /** Police exports and DSAR copies; default <dataDir>/exports. */
  exportsDir: z.string().min(1).optional(),
  /** File holding the 32-byte master key (raw or hex), outside dataDir. Or env BODYCAM_MASTER_KEY_FILE / BODYCAM_MASTER_PASSPHRASE. */
  masterKeyFile: z.string().min(1).optional(),
  mqtt: z.object({
    /** TLS only, no credentials inside (the client certificate authenticates). */
    url: mqttsUrl,
    /** The organisation CA, and the central store's identity (`bodycam provision central`: OU=central) as client certificate. */
    tls: z.object({
      caPath: z.string().min(1), certPath: z.string().min(1), keyPath: z.string().min(1),
      serverName: z.string().min(1).max(253).optional(),
    }).strict(),
    /** Ingest workers in this process; more than one share the broker's $share/<group>/ subscription. */
    workers: z.number().int().min(1).max(64).default(1),
    shareGroup: id.default('central'),
    /**
     * Several central nodes on one PostgreSQL index (docs/scale-out.md): each dock's messages are handled
     * by the node holding its lease. A dead node's docks move after this many seconds.
     */
    dockLeaseSeconds: z.number().int().min(1).max(3600).default(15),
    /** A dock silent this long is let go by its node (the next message may land on any node). */
    dockIdleSeconds: z.number().int().min(1).max(86_400).default(300),
  }).strict(),
  api: z.object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8443),
    tls: z.object({ certPath: z.string().min(1), keyPath: z.string().min(1) }).strict().optional(),
    sessionTtlMinutes: z.number().int().min(1).max(24 * 60).default(30),
    /** Login throttling and the scrypt work queue (docs/central-store.md, "Login throttling"). */
    login: LoginGuardSchema.default(LOGIN_GUARD_DEFAULTS),
    /** The evidence office in the browser under /office (docs/web-office.md): idle timeout and absolute session lifetime. */
    office: OfficeSchema.default(OFFICE_DEFAULTS),
  }).strict().default({ host: '127.0.0.1', port: 8443, sessionTtlMinutes: 30, login: LOGIN_GUARD_DEFAULTS, office: OFFICE_DEFAULTS }),
  /** Consecutive failed logins that lock an account (until an administrator unlocks it). */
  lockoutAfter: z.number().int().min(1).max(100).default(5),
  /** Access-log entries older than this many months are purged. */
  accessLogMonths: z.number().int().min(1).max(120).default(6),
  /** Daily evidence-key epochs kept generated ahead of today; public halves in <dataDir>/epochs for the CA to sign. */
  epochDaysAhead: z.number().int().min(1).max(60).default(14),
  /** The CA-signed revocation list from `bodycam pki crl`: checked at ingest and published to docks (re-read when it changes). */
  revocationListPath: z.string().min(1).optional(),
  /** Per-purpose retention for the evidence store (docs/retention-and-keys.md). */
  retention: RetentionConfigSchema.optional(),
  /** Deletion deadlines of every other record kind (docs/data-inventory.md); run with retention. */
  deadlines: DeadlinesSchema.default(DEADLINE_DEFAULTS),
  /** Where clip ciphertext lives (docs/scale-out.md): the data directory (default) or an S3 bucket with Object Lock. */
  blobs: z.discriminatedUnion('backend', [
    z.object({ backend: z.literal('fs') }).strict(),
    z.object({
      backend: z.literal('s3'),
      s3: z.object({
        /** Omitted for AWS itself; e.g. http://rgw.internal:7480 for Ceph RGW. */
        endpoint: z.url({ protocol: /^https?$/ }).optional(),
        region: z.string().min(1).max(64).default('us-east-1'),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3-63 of a-z 0-9 . -)'),
        forcePathStyle: z.boolean().default(true),
        /** JSON {"accessKeyId","secretAccessKey"} of the store's service identity; default: the AWS SDK's chain (AWS_ACCESS_KEY_ID, ...). */
        credentialsFile: z.string().min(1).optional(),
        /** Create the bucket (with Object Lock) if it does not exist. */
        createBucket: z.boolean().default(true),
      }).strict(),
    }).strict(),
  ]).default({ backend: 'fs' }),
  /** Where the index (clips, holds, users, log, ...) lives (docs/scale-out.md): central.db in dataDir (default) or PostgreSQL. */
  index: z.discriminatedUnion('backend', [
    z.object({ backend: z.literal('sqlite') }).strict(),
    z.object({
      backend: z.literal('postgres'),
      postgres: z.object({
        /** postgres://user@host:port/db, without a password (that is in passwordFile, PGPASSWORD or ~/.pgpass). */
        url: z.string().min(1).refine((u) => { try { const x = new URL(u); return /^postgres(ql)?:$/.test(x.protocol); } catch { return false; } }, 'a postgres://user@host:port/database URL')
          .refine((u) => { try { return !new URL(u).password; } catch { return true; } }, 'no password in the URL: put it in passwordFile (or PGPASSWORD, ~/.pgpass)'),
        /** File holding the password of the URL's user (one line); outside the config, readable by the service only. */
        passwordFile: z.string().min(1).optional(),
        /** Connections this node keeps open at most. */
        poolMax: z.number().int().min(1).max(200).default(10),
      }).strict(),
    }).strict(),
  ]).default({ backend: 'sqlite' }),
  jobs: z.object({
    retentionEveryMinutes: z.number().int().min(1).default(60),
    logPurgeEveryHours: z.number().int().min(1).default(24),
  }).strict().default({ retentionEveryMinutes: 60, logPurgeEveryHours: 24 }),
}).strict();
export type StoreConfig = z.infer<typeof StoreConfigSchema>;

export function parseStoreConfig(raw: unknown): StoreConfig {
  return parseConfigWith(StoreConfigSchema, raw);
}

export function loadStoreConfig(file: string): StoreConfig {
  const c = parseStoreConfig(readConfigFile(file));
  // Relative paths are relative to the config file.
  const base = path.dirname(path.resolve(file));
  const abs = (p: string) => path.resolve(base, p);
  return {
    ...c, dataDir: abs(c.dataDir),
    mqtt: { ...c.mqtt, tls: { ...c.mqtt.tls, caPath: abs(c.mqtt.tls.caPath), certPath: abs(c.mqtt.tls.certPath), keyPath: abs(c.mqtt.tls.keyPath) } }, exportsDir: c.exportsDir && abs(c.exportsDir), keysDir: c.keysDir && abs(c.keysDir), masterKeyFile: c.masterKeyFile && abs(c.masterKeyFile), revocationListPath: c.revocationListPath && abs(c.revocationListPath),
    api: { ...c.api, tls: c.api.tls && { certPath: abs(c.api.tls.certPath), keyPath: abs(c.api.tls.keyPath) } },
    index: c.index.backend === 'postgres' ? { ...c.index, postgres: { ...c.index.postgres, passwordFile: c.index.postgres.passwordFile && abs(c.index.postgres.passwordFile) } } : c.index,
    blobs: c.blobs.backend === 's3' ? { ...c.blobs, s3: { ...c.blobs.s3, credentialsFile: c.blobs.s3.credentialsFile && abs(c.blobs.s3.credentialsFile) } } : c.blobs,
  };
}

export const storePaths = (c: Pick<StoreConfig, 'dataDir' | 'exportsDir'> & { keysDir?: string }) => ({
  db: path.join(c.dataDir, 'central.db'),
  blobs: path.join(c.dataDir, 'store'),
  exports: c.exportsDir ?? path.join(c.dataDir, 'exports'),
  keys: c.keysDir ?? path.join(c.dataDir, 'keys'),
  // In the shared keys directory when one is configured (every node signs with one key); an existing
  // store without keysDir keeps it where it always was.
  signingKey: path.join(c.keysDir ?? c.dataDir, 'signing-key.sealed.json'),
  signingPub: path.join(c.dataDir, 'receipt-signing.pub.pem'),
  epochs: path.join(c.dataDir, 'epochs'),
});
