// `bodycam provision camera|dock|technician|central --id ID --pki PKI --out DIR [--force] ...`:
// a fresh key and certificate per device (no defaults, nothing shared) plus its trust store.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { issueCertificate, ROLES, type Role } from '../shared/pki/ca.js';
import { caPassphrase, loadCA } from './pki.js';
import { writeDurable } from '../shared/durable-file.js';
import { hasIdentity, paths, writeEpoch, writeIdentity } from '../shared/pki/trust-store.js';
import { openDocument, type EvidenceEpochBody, type SignedDocument } from '../shared/evidence.js';

export const USAGE = `usage: bodycam provision camera|dock|technician|central --id ID --pki PKI --out DIR [--force]
         [--central-pub FILE] [--epoch FILE ...] [--firmware-key FILE ...] [--passphrase-file FILE]
  (the CA key's passphrase: --passphrase-file FILE or BODYCAM_CA_PASSPHRASE)
       bodycam provision broker --pki PKI --out DIR --docks ID,ID... --central ID[,ID...] --host NAME [--host NAME ...]
         [--port 8883] [--bind ADDR] [--crl FILE] [--new-server-cert] [--passphrase-file FILE]
`;

/** A public key file as SPKI PEM. A private key is refused: it must never be copied into a trust store. */
function publicKeyFile(file: string, flag: string): string {
  const text = readFileSync(file);
  let isPrivate = text.includes('ENCRYPTED PRIVATE KEY');
  if (!isPrivate) {
    try {
      createPrivateKey(text);
      isPrivate = true;
    } catch {
      isPrivate = false;
    }
  }
  if (isPrivate) throw new Error(`${flag} ${file}: this is a private key; give the public key (.pub.pem)`);
  try {
    return createPublicKey(text).export({ type: 'spki', format: 'pem' }) as string;
  } catch (err) {
    throw new Error(`${flag} ${file}: not a public key (${(err as Error).message})`);
  }
}

/** The firmware refuses to start without the receipt key and an epoch (firmware/boot.ts): refuse here,
 *  at the bench, unless the camera's trust store already holds them (a --force re-issue). */
function requireCameraTrust(out: string, centralPub: string | undefined, epochsGiven: number): void {
  const p = paths(out);
  if (!centralPub && !existsSync(p.centralReceiptPub)) {
    throw new Error("--central-pub is required for a camera: its firmware will not start without the central store's receipt key (docs/pki.md)");
  }
  if (epochsGiven === 0 && !(existsSync(p.epochs) && readdirSync(p.epochs).some((f) => f.endsWith('.json')))) {
    throw new Error('--epoch is required for a camera: its firmware will not start without a CA-signed evidence-key epoch (docs/pki.md)');
  }
}

export async function run(args: string[]): Promise<number> {
  const [role, ...rest] = args;
  if (role === 'broker') return runBroker(rest);
  if (!role || !ROLES.includes(role as Role)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      id: { type: 'string' }, pki: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' },
      'central-pub': { type: 'string' }, epoch: { type: 'string', multiple: true }, 'firmware-key': { type: 'string', multiple: true },
      'passphrase-file': { type: 'string' },
    },
  });
  for (const f of ['id', 'pki', 'out'] as const) if (!values[f]) throw new Error(`--${f} is required\n${USAGE}`);
  const out = values.out!;
  if (hasIdentity(out) && !values.force) {
    process.stderr.write(`refusing to overwrite the identity in ${out} (use --force to issue a new one)\n`);
    return 1;
  }
  const ca = loadCA(values.pki!, caPassphrase(values['passphrase-file']));
  const caPub = new X509Certificate(ca.certPem).publicKey;
  // Check every input before writing anything, so a bad epoch file leaves no half-provisioned device.
  const epochs = (values.epoch ?? []).map((file) => {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as SignedDocument;
    try {
      return { doc, body: openDocument<EvidenceEpochBody>(doc, caPub, 'evidence-epoch') };
    } catch (err) {
      throw new Error(`--epoch ${file}: ${(err as Error).message}`);
    }
  });
  const centralPub = values['central-pub'] ? publicKeyFile(values['central-pub'], '--central-pub') : undefined;
  const firmwareKeys = (values['firmware-key'] ?? []).map((f) => {
    const pem = publicKeyFile(f, '--firmware-key');
    const type = createPublicKey(pem).asymmetricKeyType;
    if (type !== 'ed25519' && type !== 'rsa') throw new Error(`--firmware-key ${f}: a ${type} key cannot sign firmware (Ed25519 or RSA)`);
    return { name: basename(f).replace(/\.pub\.pem$|\.pem$/, ''), pem };
  });
  if (role === 'camera') requireCameraTrust(out, centralPub, epochs.length);
  const issued = issueCertificate({ role: role as Role, id: values.id!, ca });
  const p = paths(out);
  writeIdentity(out, issued.keyPem, issued.certPem);
  writeDurable(p.ca, ca.certPem);
  if (centralPub) writeDurable(p.centralReceiptPub, centralPub);
  for (const e of epochs) writeEpoch(out, e.body.epochId, e.doc);
  for (const k of firmwareKeys) writeDurable(join(p.firmware, `${k.name}.pub.pem`), k.pem);
  process.stdout.write(`${JSON.stringify({ role, id: values.id, dir: out, cert: p.cert })}\n`);
  return 0;
}

/** `bodycam provision broker`: mosquitto.conf, ACL and server certificate (docs/mqtt-topics.md). */
async function runBroker(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      pki: { type: 'string' }, out: { type: 'string' }, docks: { type: 'string' }, central: { type: 'string' },
      host: { type: 'string', multiple: true }, port: { type: 'string' }, bind: { type: 'string' }, crl: { type: 'string' },
      'new-server-cert': { type: 'boolean' }, 'passphrase-file': { type: 'string' },
    },
  });
  for (const f of ['pki', 'out', 'central'] as const) if (!values[f]) throw new Error(`--${f} is required\n${USAGE}`);
  const list = (v: string | undefined) => (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  const port = values.port === undefined ? 8883 : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port: ${values.port} is not a TCP port`);
  const ca = loadCA(values.pki!, caPassphrase(values['passphrase-file']));
  const { provisionBroker } = await import('../shared/pki/broker-provision.js');
  const { openRevocationList, RevocationSet } = await import('../shared/pki/revocation.js');
  let revocation;
  if (values.crl) {
    try { revocation = new RevocationSet(openRevocationList(JSON.parse(readFileSync(values.crl, 'utf8')), ca.certPem)); } catch (err) {
      throw new Error(`--crl ${values.crl}: ${(err as Error).message}`);
    }
  }
  const r = provisionBroker({
    ca, out: values.out!, docks: list(values.docks), centrals: list(values.central), hosts: values.host ?? [], port, bind: values.bind,
    revocation, newServerCert: values['new-server-cert'],
  });
  for (const s of r.skipped) process.stderr.write(`left out of the ACL: ${s}\n`);
  process.stdout.write(`${JSON.stringify({ conf: r.conf, acl: r.acl, cert: r.cert, skipped: r.skipped })}\n`);
  return 0;
}
