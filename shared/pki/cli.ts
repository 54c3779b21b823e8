// `bodycam pki ...`: the organisation CA and evidence-key epoch documents (docs/pki.md).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCA, signEpoch, ROLES, type Role } from './ca.js';
import { verifyPeerCertificate } from './verify.js';
import { writeDurable } from './trust-store.js';

export const USAGE = `usage:
  bodycam pki init --dir PKI [--org NAME] [--force]
  bodycam pki sign-epoch --pki PKI --id EPOCH_ID --public-key FILE --not-before ISO --not-after ISO --out FILE
  bodycam pki verify CERT --pki PKI --role camera|dock|technician|central
`;

export const caPaths = (dir: string) => ({ key: join(dir, 'ca.key.pem'), cert: join(dir, 'ca.cert.pem') });

export function loadCA(dir: string): { keyPem: string; certPem: string } {
  const p = caPaths(dir);
  if (!existsSync(p.key) || !existsSync(p.cert)) throw new Error(`--pki ${dir}: no CA there (run bodycam pki init --dir ${dir})`);
  return { keyPem: readFileSync(p.key, 'utf8'), certPem: readFileSync(p.cert, 'utf8') };
}

function need(v: string | undefined, flag: string): string {
  if (!v) throw new Error(`${flag} is required\n${USAGE}`);
  return v;
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      dir: { type: 'string' }, org: { type: 'string' }, force: { type: 'boolean' }, pki: { type: 'string' },
      id: { type: 'string' }, 'public-key': { type: 'string' }, 'not-before': { type: 'string' }, 'not-after': { type: 'string' },
      out: { type: 'string' }, role: { type: 'string' },
    },
  });
  if (sub === 'init') {
    const dir = need(values.dir, '--dir');
    const p = caPaths(dir);
    if ((existsSync(p.key) || existsSync(p.cert)) && !values.force) {
      process.stderr.write(`refusing to overwrite the CA in ${dir}: every issued identity depends on it (use --force to replace it)\n`);
      return 1;
    }
    const ca = createCA({ org: values.org });
    writeDurable(p.key, ca.keyPem, 0o600);
    writeDurable(p.cert, ca.certPem);
    process.stdout.write(`${JSON.stringify({ ca: p.cert, key: p.key })}\n`);
    return 0;
  }
  if (sub === 'sign-epoch') {
    const ca = loadCA(need(values.pki, '--pki'));
    const doc = signEpoch(
      {
        v: 1, kind: 'evidence-epoch', epochId: need(values.id, '--id'),
        publicKeyPem: readFileSync(need(values['public-key'], '--public-key'), 'utf8'),
        notBefore: need(values['not-before'], '--not-before'), notAfter: need(values['not-after'], '--not-after'),
      },
      ca.keyPem,
    );
    writeDurable(need(values.out, '--out'), JSON.stringify(doc));
    return 0;
  }
  if (sub === 'verify') {
    const role = need(values.role, '--role') as Role;
    if (!ROLES.includes(role)) throw new Error(`--role: must be one of ${ROLES.join(', ')}`);
    const ca = loadCA(need(values.pki, '--pki'));
    const peer = verifyPeerCertificate(readFileSync(need(positionals[0], 'CERT'), 'utf8'), ca.certPem, role);
    process.stdout.write(`${JSON.stringify({ ok: true, id: peer.id, role: peer.role, fingerprint: peer.fingerprint })}\n`);
    return 0;
  }
  process.stderr.write(USAGE);
  return 2;
}
