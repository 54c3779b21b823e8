// Dock agent configuration (zod). Errors name the field: "config.mqttUrl: ..." (shared/config.ts).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { issueText, loadConfig, parseConfigWith } from '../shared/config.js';
import type { SignedDocument } from '../shared/evidence.js';
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE } from '../shared/mqtt/codec.js';
import { mqttsUrl } from '../shared/mqtt/config-schema.js';

const id = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : - only (1-128)');

export const DockConfigSchema = z.object({
  dockId: id,
  /** The broker, TLS only; no credentials in it (the client certificate authenticates). */
  mqttUrl: mqttsUrl,
  /** MQTT TLS: by default the dock's own identity (auth.*) is its client certificate and auth.caCertPath the CA. */
  mqttTls: z.object({
    caPath: z.string().min(1).optional(), certPath: z.string().min(1).optional(), keyPath: z.string().min(1).optional(),
    /** The name in the broker's certificate, when the URL's host differs (e.g. an IP). */
    serverName: z.string().min(1).max(253).optional(),
  }).strict().default({}),
  /** PEM of the central store's receipt-signing public key: the only key receipts are accepted from. */
  centralPublicKeyPath: z.string().min(1),
  spoolDir: z.string().min(1),
  journalPath: z.string().min(1),
  /** Where the newest verified revocation list from central is kept (default: revocation-list.json beside the journal). */
  revocationListPath: z.string().min(1).optional(),
  /** Directory of *.json SignedDocuments (evidence epochs) handed to every docked camera. */
  epochsDir: z.string().min(1),
  chunkSize: z.number().int().min(1024).max(MAX_CHUNK_SIZE).default(DEFAULT_CHUNK_SIZE),
  inflight: z.number().int().min(1).max(1024).default(32),
  /** Clips uploaded at once across all bays. */
  parallelUploads: z.number().int().min(1).max(64).default(4),
  statusTimeoutMs: z.number().int().min(50).default(3000),
  backoff: z.object({ initialMs: z.number().int().min(10).default(500), maxMs: z.number().int().min(10).default(60000) }).strict().default({ initialMs: 500, maxMs: 60000 }),
  bays: z.number().int().min(1).max(64).default(8),
  /** Seconds between heartbeats to central (docs/mqtt-topics.md, "Heartbeat"); 0 turns them off. */
  heartbeatSeconds: z.number().int().min(0).max(3600).default(60),
  usb: z.object({ vendorId: z.number().int().min(0).max(0xffff), productId: z.number().int().min(0).max(0xffff) }).strict(),
  /** The dock's own identity for mutual authentication with cameras, and the org CA. */
  auth: z.object({ certPath: z.string().min(1), keyPath: z.string().min(1), caCertPath: z.string().min(1) }).strict(),
  /**
   * The camera line. readBytes / window: the size of the pull's READs and how many are in flight (the pull
   * halves the size on a noisy line). 256 KiB x 4 beat 64 KiB x 8 end to end over a pty (bench e2e-offload).
   */
  serial: z.object({
    baudRate: z.number().int().positive().default(115200),
    readBytes: z.number().int().min(512).max(1024 * 1024).default(256 * 1024),
    window: z.number().int().min(1).max(32).default(4),
  }).strict().default({ baudRate: 115200, readBytes: 256 * 1024, window: 4 }),
  /** Firmware drop folder (bundles staged to docked cameras after offload) and the trust store's trust/firmware/ keys. */
  firmware: z.object({ dropDir: z.string().min(1), keysDir: z.string().min(1) }).strict().optional(),
  /** Deadlines (docs/data-inventory.md): a camera not docked for deviceDays loses its journal rows (log position, certificate). */
  deadlines: z.object({ deviceDays: z.number().int().min(1).max(365, 'at most 365 (a camera gone that long is not kept track of)').default(30) }).strict().default({ deviceDays: 30 }),
}).strict();
export type DockConfig = z.infer<typeof DockConfigSchema>;

export function parseDockConfig(raw: unknown): DockConfig {
  return parseConfigWith(DockConfigSchema, raw);
}

/** The MQTT TLS file paths after defaults: the dock's identity and CA unless overridden. */
export function dockMqttTlsFiles(c: DockConfig): { caPath: string; certPath: string; keyPath: string; serverName?: string } {
  return { caPath: c.mqttTls.caPath ?? c.auth.caCertPath, certPath: c.mqttTls.certPath ?? c.auth.certPath, keyPath: c.mqttTls.keyPath ?? c.auth.keyPath, serverName: c.mqttTls.serverName };
}

export function loadDockConfig(file: string): DockConfig {
  return loadConfig(DockConfigSchema, file);
}

/** The evidence epochs (SignedDocuments, one *.json file each) to hand to docked cameras, by file name. */
export async function loadEpochsDir(dir: string): Promise<SignedDocument[]> {
  const names = (await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  })).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => {
    const r = SignedDocumentSchema.safeParse(JSON.parse(await readFile(path.join(dir, n), 'utf8')));
    if (!r.success) throw new Error(`epochsDir ${n}: ${issueText(r.error.issues[0])}`);
    return r.data;
  }));
}
const SignedDocumentSchema = z.object({ body: z.string(), sig: z.string(), keyId: z.string() });
