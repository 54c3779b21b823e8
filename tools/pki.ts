// `bodycam pki ...`: the organisation CA and evidence-key epoch documents (docs/pki.md).
import { X509Certificate, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCA, signEpoch, ROLES, type Role } from '../shared/pki/ca.js';
import { verifyPeerCertificate } from '../shared/pki/verify.js';
import { encryptPrivateKey, passphraseFrom, readEncryptedKey } from '../shared/pki/key-file.js';
import { writeDurable } from '../shared/durable-file.js';

export const USAGE = `usage:
  bodycam pki init --dir PKI [--org NAME] [--force] [--passphrase-file FILE]
  bodycam pki sign-epoch --pki PKI --id EPOCH_ID --public-key FILE --not-before ISO --not-after ISO --out FILE [--passphrase-file FILE]
  bodycam pki verify CERT --pki PKI --role camera|dock|technician|central
  bodycam pki revoke CERT|SERIAL --pki PKI --reason TEXT [--role ROLE --id ID]
  bodycam pki crl --pki PKI [--out FILE] [--passphrase-file FILE]

The CA key is stored encrypted (scrypt); its passphrase comes from --passphrase-file FILE (first line)
or the environment variable BODYCAM_CA_PASSPHRASE, never from the command line.
`;

export const caPaths = (dir: string) => ({ key: join(dir, 'ca.key.pem'), cert: join(dir, 'ca.cert.pem') });

/** The CA key's passphrase: --passphrase-file FILE, else BODYCAM_CA_PASSPHRASE. */
export const caPassphrase = (file?: string, env: NodeJS.ProcessEnv = process.env) => passphraseFrom({ file, envName: 'BODYCAM_CA_PASSPHRASE', env, what: 'CA key' });

export function loadCACert(dir: string): string {
  const p = caPaths(dir);
  if (!existsSync(p.key) || !existsSync(p.cert)) throw new Error(`--pki ${dir}: no CA there (run bodycam pki init --dir ${dir})`);
  return readFileSync(p.cert, 'utf8');
}

/** The CA with its key decrypted (in memory only); the key must belong to the certificate. */
export function loadCA(dir: string, passphrase: string): { keyPem: string; certPem: string } {
  const certPem = loadCACert(dir);
  const key = readEncryptedKey(caPaths(dir).key, passphrase);
  const pub = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' });
  if (!pub(createPublicKey(key)).equals(pub(new X509Certificate(certPem).publicKey))) throw new Error(`--pki ${dir}: ca.key.pem does not belong to ca.cert.pem`);
  return { keyPem: key.export({ type: 'pkcs8', format: 'pem' }) as string, certPem };
}

/** Write a CA: the key only encrypted under `passphrase` (0600), the certificate in clear. */
export function writeCA(dir: string, ca: { keyPem: string; certPem: string }, passphrase: string): void {
  const p = caPaths(dir);
  writeDurable(p.key, encryptPrivateKey(ca.keyPem, passphrase), 0o600);
  writeDurable(p.cert, ca.certPem);
}

function need(v: string | undefined, flag: string): string {
  if (!v) throw new Error(`${flag} is required\n${USAGE}`);
  return v;
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'revoke' || sub === 'crl') return (await import('./pki-revoke.js')).run(sub, rest);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      dir: { type: 'string' }, org: { type: 'string' }, force: { type: 'boolean' }, pki: { type: 'string' },
      id: { type: 'string' }, 'public-key': { type: 'string' }, 'not-before': { type: 'string' }, 'not-after': { type: 'string' },
      out: { type: 'string' }, role: { type: 'string' }, 'passphrase-file': { type: 'string' },
    },
  });
  if (sub === 'init') {
    const dir = need(values.dir, '--dir');
    const p = caPaths(dir);
    if ((existsSync(p.key) || existsSync(p.cert)) && !values.force) {
      process.stderr.write(`refusing to overwrite the CA in ${dir}: every issued identity depends on it (use --force to replace it)\n`);
      return 1;
    }
    const passphrase = caPassphrase(values['passphrase-file']);
    writeCA(dir, createCA({ org: values.org }), passphrase);
    process.stdout.write(`${JSON.stringify({ ca: p.cert, key: p.key })}\n`);
    return 0;
  }
  if (sub === 'sign-epoch') {
    const ca = loadCA(need(values.pki, '--pki'), caPassphrase(values['passphrase-file']));
    const doc = signEpoch(
      {
        v: 1, kind: 'evidence-epoch', epochId: need(values.id, '--id'),
        publicKeyPem: readFileSync(need(values['public-key'], '--public-key'), 'utf8'),
        notBefore: need(values['not-before'], '--not-before'), notAfter: need(values['not-after'], '--not-after'),
      },
      ca.keyPem,
    );
    const out = need(values.out, '--out');
    writeDurable(out, JSON.stringify(doc));
    process.stdout.write(`${JSON.stringify({ written: out, epochId: values.id, notBefore: values['not-before'], notAfter: values['not-after'] })}\n`);
    return 0;
  }
  if (sub === 'verify') {
    const role = need(values.role, '--role') as Role;
    if (!ROLES.includes(role)) throw new Error(`--role: must be one of ${ROLES.join(', ')}`);
    const peer = verifyPeerCertificate(readFileSync(need(positionals[0], 'CERT'), 'utf8'), loadCACert(need(values.pki, '--pki')), role);
    process.stdout.write(`${JSON.stringify({ ok: true, id: peer.id, role: peer.role, fingerprint: peer.fingerprint })}\n`);
    return 0;
  }
  process.stderr.write(USAGE);
  return 2;
}
