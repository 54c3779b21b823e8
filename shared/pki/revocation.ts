// The organisation's certificate revocation list (docs/pki.md, "Revocation"): serials of lost or
// retired cameras, docks, technicians, signed by the CA key as a SignedDocument. A list only ever
// replaces one with a smaller number, so an old list replayed by anyone cannot un-revoke a serial.
import { X509Certificate, createPrivateKey, type KeyLike } from 'node:crypto';
import * as z from 'zod/mini';
import { int } from '../zod-mini.js';
import { issueText } from '../config.js';
import { openDocument, signDocument, type SignedDocument } from '../evidence.js';
import { ROLES, type Role } from './roles.js';

export const REVOCATION_KIND = 'revocation-list';
/** Bounds what a peer must hold in memory for one list (a fleet's lost devices over its lifetime). */
export const MAX_REVOKED = 100_000;
export const MAX_LIST_BYTES = 16 * 1024 * 1024;

const SERIAL = /^[0-9a-f]{1,64}$/;
const EntrySchema = z.strictObject({
  serial: z.string().check(z.regex(SERIAL, 'lower-case hex without leading zeros')),
  reason: z.string().check(z.minLength(1), z.maxLength(200)),
  revokedAt: z.iso.datetime(),
  /** The certificate's role (OU) and id (CN) when known: a revoked dock's id loses its broker rights too. */
  role: z.optional(z.enum(ROLES)),
  id: z.optional(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/))),
});
const BodySchema = z.strictObject({
  v: z.literal(1),
  kind: z.literal(REVOCATION_KIND),
  number: int(1, Number.MAX_SAFE_INTEGER),
  issuedAt: z.iso.datetime(),
  revoked: z.array(EntrySchema).check(z.maxLength(MAX_REVOKED)),
});
export type RevocationEntry = z.infer<typeof EntrySchema>;
export type RevocationListBody = z.infer<typeof BodySchema>;

/** A certificate serial as the list stores it: lower-case hex, no leading zeros (node prints upper case). */
export function normalSerial(s: string): string {
  const t = s.replace(/:/g, '').toLowerCase().replace(/^0+(?=.)/, '');
  if (!SERIAL.test(t)) throw new Error(`serial: "${s}" is not a hex certificate serial`);
  return t;
}

export function serialOf(cert: X509Certificate | string | Buffer): string {
  return normalSerial((cert instanceof X509Certificate ? cert : new X509Certificate(cert)).serialNumber);
}

export function signRevocationList(body: RevocationListBody, caKey: KeyLike): SignedDocument {
  const b = BodySchema.parse(body);
  return signDocument(b, typeof caKey === 'string' ? createPrivateKey(caKey) : caKey);
}

/** Verify a list against the CA certificate and check its shape; throws naming the reason. */
export function openRevocationList(doc: SignedDocument | unknown, caCertPem: string | Buffer): RevocationListBody {
  const d = doc as SignedDocument;
  if (!d || typeof d.body !== 'string' || typeof d.sig !== 'string') throw new Error('revocation list: not a signed document');
  if (d.body.length > MAX_LIST_BYTES) throw new Error('revocation list: too large');
  const raw = openDocument<{ kind: string }>(d, new X509Certificate(caCertPem).publicKey, REVOCATION_KIND);
  const r = BodySchema.safeParse(raw);
  if (!r.success) throw new Error(`revocation list: ${issueText(r.error.issues[0])}`);
  return r.data;
}

/** The list to keep of two verified lists: the higher number wins; equal numbers keep the current one. */
export function newerList(current: RevocationListBody | null | undefined, incoming: RevocationListBody): boolean {
  return !current || incoming.number > current.number;
}

/** Serial → entry, for the checks done on every handshake and ingest. */
export class RevocationSet {
  private readonly bySerial: Map<string, RevocationEntry>;
  constructor(readonly list: RevocationListBody | null) {
    this.bySerial = new Map((list?.revoked ?? []).map((e) => [e.serial, e]));
  }
  get number(): number { return this.list?.number ?? 0; }
  lookup(cert: X509Certificate): RevocationEntry | undefined { return this.bySerial.get(serialOf(cert)); }
  /** A revoked identity by name (docks on the broker, where only the topic's dock id is seen). */
  revokedId(role: Role, id: string): RevocationEntry | undefined {
    return this.list?.revoked.find((e) => e.role === role && e.id === id);
  }
}
