// Offline private keys at rest (the organisation CA key, firmware release keys): written only as
// standard encrypted PKCS#8 (PBES2 with the scrypt KDF, RFC 7914 §7 / RFC 8018, AES-256-CBC), the
// format of `openssl pkcs8 -topk8 -scrypt`, so OpenSSL tooling can read it and node:crypto opens it
// natively. Node's own export() can only encrypt with PBKDF2, hence the small DER builder here.
// Passphrases come from a file or an environment variable, never from a command-line value.
import { createCipheriv, createPrivateKey, randomBytes, scryptSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * scrypt cost. OpenSSL refuses PBES2-scrypt above 32 MiB when decrypting, so N·r stays at 2^14·8
 * (16 MiB); p = 8 makes each guess 8 times the work without more memory.
 */
export const KEY_SCRYPT = { N: 1 << 14, r: 8, p: 8 } as const;
export const MIN_KEY_PASSPHRASE = 12;

export class KeyFileError extends Error {}

// --- minimal DER (definite lengths) ---
const len = (n: number): Buffer => {
  if (n < 0x80) return Buffer.from([n]);
  const b: number[] = [];
  for (let x = n; x > 0; x >>>= 8) b.unshift(x & 0xff);
  return Buffer.from([0x80 | b.length, ...b]);
};
const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), len(body.length), body]);
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const octets = (b: Buffer) => tlv(0x04, b);
const int = (n: number) => {
  const b: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) b.unshift(x % 256);
  if (!b.length || b[0] >= 0x80) b.unshift(0);
  return tlv(0x02, Buffer.from(b));
};
const oid = (dotted: string) => {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a * 40 + b];
  for (const v of rest) {
    const g: number[] = [v & 0x7f];
    for (let x = v >>> 7; x > 0; x >>>= 7) g.unshift(0x80 | (x & 0x7f));
    out.push(...g);
  }
  return tlv(0x06, Buffer.from(out));
};
const PBES2 = '1.2.840.113549.1.5.13';
const SCRYPT = '1.3.6.1.4.1.11591.4.11';
const AES256_CBC = '2.16.840.1.101.3.4.1.42';

/** An encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE KEY") of `key` under `passphrase`. */
export function encryptPrivateKey(key: KeyObject | string, passphrase: string): string {
  checkNewPassphrase(passphrase);
  const k = typeof key === 'string' ? createPrivateKey(key) : key;
  const der = k.export({ type: 'pkcs8', format: 'der' });
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const { N, r, p } = KEY_SCRYPT;
  const aesKey = scryptSync(Buffer.from(passphrase, 'utf8'), salt, 32, { N, r, p, maxmem: 256 * N * r + (1 << 20) });
  const c = createCipheriv('aes-256-cbc', aesKey, iv);
  const data = Buffer.concat([c.update(der), c.final()]);
  aesKey.fill(0); der.fill(0);
  const alg = seq(oid(PBES2), seq(seq(oid(SCRYPT), seq(octets(salt), int(N), int(r), int(p))), seq(oid(AES256_CBC), octets(iv))));
  const b64 = seq(alg, octets(data)).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${b64}-----END ENCRYPTED PRIVATE KEY-----\n`;
}

/**
 * Open an encrypted key file. A key stored in clear is refused (it should never have been on disk),
 * and a wrong passphrase is named as such.
 */
export function readEncryptedKey(file: string, passphrase: string): KeyObject {
  const pem = readFileSync(file, 'utf8');
  if (!pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw new KeyFileError(`${file}: not an encrypted private key${/PRIVATE KEY-----/.test(pem) ? ' (it is stored in clear: encrypt it, docs/pki.md "Keys at rest")' : ''}`);
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch (err) {
    throw new KeyFileError(`${file}: wrong passphrase, or the file is damaged (${(err as Error).message})`);
  }
}

export function checkNewPassphrase(p: string): void {
  if (typeof p !== 'string' || [...p].length < MIN_KEY_PASSPHRASE) throw new KeyFileError(`passphrase: at least ${MIN_KEY_PASSPHRASE} characters`);
}

/**
 * The passphrase for a key: the first line of `file` (--passphrase-file) if given, else the
 * environment variable `envName`. Never a command-line value (that would show in ps and shell history).
 */
export function passphraseFrom(o: { file?: string; envName: string; env?: NodeJS.ProcessEnv; what: string }): string {
  if (o.file) {
    let text: string;
    try { text = readFileSync(o.file, 'utf8'); } catch (err) { throw new KeyFileError(`--passphrase-file ${o.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`); }
    const line = text.split(/\r?\n/)[0] ?? '';
    if (!line) throw new KeyFileError(`--passphrase-file ${o.file}: empty`);
    return line;
  }
  const v = (o.env ?? process.env)[o.envName];
  if (!v) throw new KeyFileError(`${o.what} passphrase: none given (--passphrase-file FILE or ${o.envName})`);
  return v;
}
