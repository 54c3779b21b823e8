// `bodycam pki revoke` and `bodycam pki crl` (docs/pki.md, "Revocation"): record what is revoked in
// PKI/revoked.json (no CA key needed), then issue a signed, numbered list with the CA key.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { issueText } from '../shared/config.js';
import { caPassphrase, loadCA, loadCACert } from './pki.js';
import { ROLES, assertId, type Role } from '../shared/pki/ca.js';
import { normalSerial, serialOf, signRevocationList, type RevocationEntry } from '../shared/pki/revocation.js';
import { writeDurable } from '../shared/durable-file.js';
import { subjectFields } from '../shared/pki/verify.js';

export const REVOKE_USAGE = `usage:
  bodycam pki revoke CERT|SERIAL --pki PKI --reason TEXT [--role ROLE --id ID]
  bodycam pki crl --pki PKI [--out FILE] [--passphrase-file FILE]
`;

const State = z.object({
  lastNumber: z.number().int().min(0),
  revoked: z.array(z.object({ serial: z.string(), reason: z.string(), revokedAt: z.string(), role: z.enum(ROLES).optional(), id: z.string().optional() }).strict()),
}).strict();
type State = z.infer<typeof State>;

export const revocationPaths = (pki: string) => ({ state: join(pki, 'revoked.json'), crl: join(pki, 'crl.json') });

function loadState(pki: string): State {
  const f = revocationPaths(pki).state;
  if (!existsSync(f)) return { lastNumber: 0, revoked: [] };
  const r = State.safeParse(JSON.parse(readFileSync(f, 'utf8')));
  if (!r.success) throw new Error(`${f}: ${issueText(r.error.issues[0])}`);
  return r.data;
}

export async function run(sub: 'revoke' | 'crl', args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { pki: { type: 'string' }, reason: { type: 'string' }, role: { type: 'string' }, id: { type: 'string' }, out: { type: 'string' }, 'passphrase-file': { type: 'string' } },
  });
  if (!values.pki) throw new Error(`--pki is required\n${REVOKE_USAGE}`);
  const caCertPem = loadCACert(values.pki);
  const state = loadState(values.pki);
  if (sub === 'revoke') {
    const what = positionals[0];
    if (!what) throw new Error(`CERT or SERIAL is required\n${REVOKE_USAGE}`);
    if (!values.reason?.trim()) throw new Error('--reason is required (e.g. "camera lost on duty 2026-12-02")');
    let entry: RevocationEntry;
    if (existsSync(what)) {
      let x: X509Certificate;
      try { x = new X509Certificate(readFileSync(what)); } catch { throw new Error(`${what}: not a certificate`); }
      if (!x.checkIssued(new X509Certificate(caCertPem)) || !x.verify(new X509Certificate(caCertPem).publicKey)) throw new Error(`${what}: not issued by the CA in ${values.pki}`);
      const [role] = subjectFields(x, 'OU');
      const [id] = subjectFields(x, 'CN');
      entry = { serial: serialOf(x), reason: values.reason.trim(), revokedAt: new Date().toISOString(),
        ...(role && (ROLES as readonly string[]).includes(role) ? { role: role as Role } : {}), ...(id ? { id } : {}) };
    } else {
      const serial = normalSerial(what);
      if (!!values.role !== !!values.id) throw new Error('--role and --id go together');
      if (values.role && !(ROLES as readonly string[]).includes(values.role)) throw new Error(`--role: must be one of ${ROLES.join(', ')}`);
      if (values.id) assertId(values.id);
      entry = { serial, reason: values.reason.trim(), revokedAt: new Date().toISOString(), ...(values.role ? { role: values.role as Role, id: values.id } : {}) };
    }
    if (state.revoked.some((e) => e.serial === entry.serial)) {
      process.stderr.write(`serial ${entry.serial} is already revoked\n`);
      return 1;
    }
    state.revoked.push(entry);
    writeDurable(revocationPaths(values.pki).state, JSON.stringify(state, null, 2));
    process.stdout.write(`${JSON.stringify({ revoked: entry, pending: 'run bodycam pki crl to issue the list' })}\n`);
    return 0;
  }
  const ca = loadCA(values.pki, caPassphrase(values['passphrase-file']));
  const number = state.lastNumber + 1;
  const doc = signRevocationList({ v: 1, kind: 'revocation-list', number, issuedAt: new Date().toISOString(), revoked: state.revoked }, ca.keyPem);
  const text = JSON.stringify(doc);
  writeDurable(revocationPaths(values.pki).crl, text);
  if (values.out) writeDurable(values.out, text);
  writeDurable(revocationPaths(values.pki).state, JSON.stringify({ ...state, lastNumber: number }, null, 2));
  process.stdout.write(`${JSON.stringify({ number, revoked: state.revoked.length, crl: revocationPaths(values.pki).crl, out: values.out })}\n`);
  return 0;
}
