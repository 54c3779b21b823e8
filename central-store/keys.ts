// Evidence-key custody (docs/retention-and-keys.md): RSA-2048 epoch key pairs and the long-lived hold
// key. Private keys touch disk only AES-256-GCM encrypted under the master key, one file per key in
// <dir>/keys; the master key itself is supplied at start and never stored here.
import {
  createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, scrypt,
  type KeyLike, type KeyObject,
} from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { keyIdOf, type EvidenceEpochBody, type SignedDocument } from '../shared/evidence.js';
import { signEpoch } from '../shared/pki/ca.js';
import { overwriteAndUnlink, writeDurableExclusive } from '../shared/durable-file.js';
import type { Index } from './index/port.js';
import { insertKeyRecord, keyRecord, keyRecords, markKeyDestroyed, purgeDestroyedKeys, type KeyKind, type KeyRecord } from './index/tables/evidence-keys.js';
import type { ReceiptBook } from './deletion-receipts.js';
import { StoreError } from './store-error.js';

export type { KeyKind, KeyRecord } from './index/tables/evidence-keys.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const CHECK_TEXT = 'bodycam evidence key store master key check v1';
export const HOLD_KEY_NAME = 'hold-1';


interface Sealed { v: 1; alg: 'aes-256-gcm'; iv: string; tag: string; ciphertext: string }

function seal(master: Buffer, plain: Buffer, aad: string): Sealed {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', master, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return { v: 1, alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ciphertext: ct.toString('base64') };
}

function unseal(master: Buffer, s: Sealed, aad: string): Buffer | null {
  try {
    const d = createDecipheriv('aes-256-gcm', master, Buffer.from(s.iv, 'base64'));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(Buffer.from(s.tag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(s.ciphertext, 'base64')), d.final()]);
  } catch { return null; }
}

/** 32-byte master key from a passphrase (scrypt N=2^15 r=8 p=1); the salt lives in <keysDir>/master.salt (shared by every node). */
export async function masterKeyFromPassphrase(passphrase: string, keysDir: string): Promise<Buffer> {
  if (passphrase.length < 12) throw new StoreError('bad-input', 'passphrase: at least 12 characters');
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const saltFile = path.join(keysDir, 'master.salt');
  // Two nodes starting at once: the first salt written stands, the other reads it.
  if (!existsSync(saltFile)) await writeDurableExclusive(saltFile, randomBytes(16).toString('hex'));
  const salt = Buffer.from((await readFile(saltFile, 'utf8')).trim(), 'hex');
  return new Promise((resolve, reject) => scrypt(passphrase, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 << 20 },
    (err, key) => (err ? reject(err) : resolve(key))));
}

/** A KMS-style key file: 32 raw bytes or 64 hex characters. Refused when it sits under the store's dir or the keys dir. */
export function readMasterKeyFile(file: string, storeDir: string, keysDir = path.join(storeDir, 'keys')): Buffer {
  for (const dir of [storeDir, keysDir]) {
    const rel = path.relative(path.resolve(dir), path.resolve(file));
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) throw new StoreError('bad-input', `master key file: must not be stored beside the keys (${file} is under ${dir})`);
  }
  const b = readFileSync(file);
  const hex = b.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
  if (b.length === 32) return b;
  throw new StoreError('bad-input', 'master key file: must hold 32 raw bytes or 64 hex characters');
}

export class KeyStore {
  private cache = new Map<string, KeyObject>();
  private constructor(private readonly dir: string, private readonly index: Index, private readonly master: Buffer,
    private readonly receipts: ReceiptBook, private readonly now: () => number) {}

  /**
   * Open the keys directory (config keysDir, default <dataDir>/keys; shared by every node); the first open
   * records a check value, later opens refuse a different master key. The index must have MIGRATIONS applied.
   */
  static async open(o: { keysDir: string; index: Index; masterKey: Buffer; receipts: ReceiptBook; now?: () => number }): Promise<KeyStore> {
    if (!Buffer.isBuffer(o.masterKey) || o.masterKey.length !== 32) throw new StoreError('bad-input', 'masterKey: must be a 32-byte Buffer');
    const keysDir = o.keysDir;
    await mkdir(keysDir, { recursive: true, mode: 0o700 });
    const check = path.join(keysDir, 'master-check.json');
    // Two nodes opening a fresh directory at once: the first check written stands and both test against it.
    if (!existsSync(check)) await writeDurableExclusive(check, JSON.stringify(seal(o.masterKey, Buffer.from(CHECK_TEXT, 'utf8'), 'master-check')));
    const plain = unseal(o.masterKey, JSON.parse(await readFile(check, 'utf8')) as Sealed, 'master-check');
    if (!plain || plain.toString('utf8') !== CHECK_TEXT) throw new StoreError('bad-master-key', 'master key does not open this key store (wrong passphrase or key file)');
    return new KeyStore(keysDir, o.index, Buffer.from(o.masterKey), o.receipts, o.now ?? Date.now);
  }

  private file(kind: KeyKind, name: string): string { return path.join(this.dir, `${kind}.${name}.key`); }
  private aad(kind: KeyKind, name: string, keyId: string): string { return `bodycam-evidence-key v1\n${kind}\n${name}\n${keyId}`; }

  private async store(kind: KeyKind, name: string, priv: KeyObject, source: KeyRecord['source'], nb: string | null, na: string | null): Promise<KeyRecord> {
    if (!NAME.test(name)) throw new StoreError('bad-input', `epochId: must match ${NAME.source}`);
    if (priv.type !== 'private' || priv.asymmetricKeyType !== 'rsa') throw new StoreError('bad-input', 'privateKey: must be an RSA private key');
    if ((priv.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new StoreError('bad-input', 'privateKey: RSA modulus must be at least 2048 bits');
    const keyId = keyIdOf(createPublicKey(priv));
    const same = (have: KeyRecord) => {
      if (have.keyId !== keyId) throw new StoreError('exists', `${name}: a different key is already stored under this name`);
      return have;
    };
    const have = await this.record(name);
    if (have) return same(have);
    const der = priv.export({ type: 'pkcs8', format: 'der' });
    const sealed = seal(this.master, der, this.aad(kind, name, keyId));
    der.fill(0);
    // The file is never replaced: a node that finds one there (another node wrote it first, or a run
    // crashed before recording it) records that file's key, so the record always matches the file.
    const mine = await writeDurableExclusive(this.file(kind, name), JSON.stringify({ kind, name, keyId, ...sealed }));
    const pub = createPublicKey(mine ? priv : this.readFile(kind, name));
    await this.index.tx((u) => insertKeyRecord(u, { name, kind, keyId: keyIdOf(pub), publicKeyPem: pub.export({ type: 'spki', format: 'pem' }) as string, notBefore: nb, notAfter: na, source, createdAt: new Date(this.now()).toISOString() }));
    return same((await this.record(name))!);
  }

  /** A key file's private key (its own keyId in the AAD); throws naming what is wrong. */
  private readFile(kind: KeyKind, name: string, keyId?: string): KeyObject {
    let f: Sealed & { keyId?: string };
    try { f = JSON.parse(readFileSync(this.file(kind, name), 'utf8')) as Sealed & { keyId?: string }; } catch { throw new StoreError('key-missing', `${name}: key file is missing`); }
    const id = keyId ?? f.keyId ?? '';
    const der = unseal(this.master, f, this.aad(kind, name, id));
    if (!der) throw new StoreError('bad-master-key', `${name}: key file does not decrypt under the master key (wrong key, or file altered/swapped)`);
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    der.fill(0);
    return key;
  }

  private static window(notBefore: string, notAfter: string): [string, string] {
    const nb = Date.parse(notBefore), na = Date.parse(notAfter);
    if (!Number.isFinite(nb)) throw new StoreError('bad-input', 'notBefore: must be an ISO time');
    if (!Number.isFinite(na) || na <= nb) throw new StoreError('bad-input', 'notAfter: must be an ISO time after notBefore');
    return [new Date(nb).toISOString(), new Date(na).toISOString()];
  }

  /** Generate an epoch key pair here; returns the public half for the org CA to sign. */
  async createEpoch(o: { epochId: string; notBefore: string; notAfter: string }): Promise<EvidenceEpochBody> {
    const [nb, na] = KeyStore.window(o.notBefore, o.notAfter);
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    // Another node that generated this epoch first: its key stands and is the one returned.
    await this.store('epoch', o.epochId, privateKey, 'generated', nb, na).catch((err: unknown) => { if ((err as StoreError).code !== 'exists') throw err; });
    return this.epochBody(o.epochId);
  }

  /** Take custody of an epoch private key made elsewhere (e.g. the fleet simulator). Idempotent. */
  async importEpoch(o: { epochId: string; privateKey: KeyLike; notBefore: string; notAfter: string }): Promise<EvidenceEpochBody> {
    const [nb, na] = KeyStore.window(o.notBefore, o.notAfter);
    let priv: KeyObject;
    try { priv = typeof o.privateKey === 'object' && 'type' in o.privateKey ? o.privateKey as KeyObject : createPrivateKey(o.privateKey as string); }
    catch (err) { throw new StoreError('bad-input', `privateKey: not a private key (${(err as Error).message})`); }
    await this.store('epoch', o.epochId, priv, 'imported', nb, na);
    return this.epochBody(o.epochId);
  }

  /** Epochs of one day each (UTC midnight) covering [fromMs, fromMs + days), created where missing. */
  async ensureDailyEpochs(fromMs: number, days: number): Promise<EvidenceEpochBody[]> {
    const out: EvidenceEpochBody[] = [];
    const day0 = Math.floor(fromMs / 86_400_000) * 86_400_000;
    for (let d = 0; d < days; d++) {
      const nb = new Date(day0 + d * 86_400_000);
      const id = `epoch-${nb.toISOString().slice(0, 10)}`;
      out.push(await this.record(id) ? await this.epochBody(id) : await this.createEpoch({ epochId: id, notBefore: nb.toISOString(), notAfter: new Date(nb.getTime() + 86_400_000).toISOString() }));
    }
    return out;
  }

  async epochBody(epochId: string): Promise<EvidenceEpochBody> {
    const r = await this.record(epochId);
    if (!r || r.kind !== 'epoch') throw new StoreError('not-found', `epoch ${epochId}: no such epoch key`);
    return { v: 1, kind: 'evidence-epoch', epochId, publicKeyPem: r.publicKeyPem, notBefore: r.notBefore!, notAfter: r.notAfter! };
  }

  /** Sign the public half with the organisation root (in production the CA does this offline). */
  static signEpoch(body: EvidenceEpochBody, caKey: KeyLike): SignedDocument { return signEpoch(body, caKey); }

  record(name: string): Promise<KeyRecord | undefined> { return this.index.tx((u) => keyRecord(u, name)); }

  list(kind?: KeyKind): Promise<KeyRecord[]> { return this.index.tx((u) => keyRecords(u, kind)); }

  /** The private key, decrypted under the master key. Throws key-destroyed / key-missing. */
  async privateKey(name: string): Promise<KeyObject> {
    const r = await this.record(name);
    // Checked every time: another node may have destroyed the key since it was cached here.
    if (r?.destroyedAt) this.cache.delete(name);
    const cached = this.cache.get(name);
    if (cached) return cached;
    if (!r) throw new StoreError('key-missing', `${name}: this store holds no such key`);
    if (r.destroyedAt) throw new StoreError('key-destroyed', `${name}: private key was destroyed at ${r.destroyedAt} (retention ended)`);
    const key = this.readFile(r.kind, name, r.keyId);
    this.cache.set(name, key);
    return key;
  }

  /** The long-lived hold key (created on first use). */
  async holdKey(): Promise<{ name: string; keyId: string; publicKey: KeyObject }> {
    if (!await this.record(HOLD_KEY_NAME)) {
      const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
      await this.store('hold', HOLD_KEY_NAME, privateKey, 'generated', null, null);
    }
    const r = (await this.record(HOLD_KEY_NAME))!;
    return { name: r.name, keyId: r.keyId, publicKey: createPublicKey(r.publicKeyPem) };
  }

  /** Overwrite and unlink the key file, mark it destroyed, keep a signed key-destruction receipt. Idempotent. */
  async destroy(name: string, rule: string): Promise<SignedDocument> {
    const r = await this.record(name);
    if (!r) throw new StoreError('key-missing', `${name}: this store holds no such key`);
    this.cache.delete(name);
    await overwriteAndUnlink(this.file(r.kind, name));
    // The first destruction time stands (another node may have marked it meanwhile); the receipt carries that one.
    const at = await this.index.tx(async (u) => {
      await markKeyDestroyed(u, name, r.destroyedAt ?? new Date(this.now()).toISOString());
      return (await keyRecord(u, name))!.destroyedAt!;
    });
    return this.receipts.recordKeyDestruction({ keyName: name, keyKind: r.kind, keyId: r.keyId, notBefore: r.notBefore, notAfter: r.notAfter, destroyedAt: at, rule });
  }

  /** Public records of epoch keys destroyed before `cutoff` that no stored clip names (the receipt has its own deadline). */
  purgeDestroyed(cutoff: string): Promise<number> { return this.index.tx((u) => purgeDestroyedKeys(u, cutoff)); }

  close(): void { this.cache.clear(); this.master.fill(0); }
}
