// `bodycam provision camera|dock|technician|central --id ID --pki PKI --out DIR [--force] ...`:
// a fresh key and certificate per device (no defaults, nothing shared) plus its trust store.
import { copyFileSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { issueCertificate, ROLES, type Role } from './ca.js';
import { loadCA } from './cli.js';
import { hasIdentity, paths, writeDurable, writeEpoch, writeIdentity } from './trust-store.js';
import { openDocument, type EvidenceEpochBody, type SignedDocument } from '../evidence.js';

const USAGE = `usage: bodycam provision camera|dock|technician|central --id ID --pki PKI --out DIR [--force]
         [--central-pub FILE] [--epoch FILE ...] [--firmware-key FILE ...]
`;

export async function run(args: string[]): Promise<number> {
  const [role, ...rest] = args;
  if (!role || !ROLES.includes(role as Role)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      id: { type: 'string' }, pki: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' },
      'central-pub': { type: 'string' }, epoch: { type: 'string', multiple: true }, 'firmware-key': { type: 'string', multiple: true },
    },
  });
  for (const f of ['id', 'pki', 'out'] as const) if (!values[f]) throw new Error(`--${f} is required\n${USAGE}`);
  const out = values.out!;
  if (hasIdentity(out) && !values.force) {
    process.stderr.write(`refusing to overwrite the identity in ${out} (use --force to issue a new one)\n`);
    return 1;
  }
  const ca = loadCA(values.pki!);
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
  const issued = issueCertificate({ role: role as Role, id: values.id!, ca });
  const p = paths(out);
  writeIdentity(out, issued.keyPem, issued.certPem);
  writeDurable(p.ca, ca.certPem);
  if (values['central-pub']) copyFileSync(values['central-pub'], p.centralReceiptPub);
  for (const e of epochs) writeEpoch(out, e.body.epochId, e.doc);
  for (const f of values['firmware-key'] ?? []) {
    const name = basename(f).replace(/\.pub\.pem$|\.pem$/, '');
    writeDurable(join(p.firmware, `${name}.pub.pem`), readFileSync(f));
  }
  process.stdout.write(`${JSON.stringify({ role, id: values.id, dir: out, cert: p.cert })}\n`);
  return 0;
}
