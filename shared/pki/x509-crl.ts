// The revocation list as a standard X.509 v2 CRL (RFC 5280 §5), for brokers that check client
// certificates with OpenSSL (mosquitto `crlfile`): the same serials, signed by the CA key
// (sha256WithRSAEncryption via node:crypto). forge only encodes the ASN.1; nothing here verifies.
import { createPrivateKey, sign } from 'node:crypto';
import forge from 'node-forge';
import type { KeyAndCert } from './ca.js';
import type { RevocationListBody } from './revocation.js';

const { asn1 } = forge;
const seq = (...v: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, v);
const oid = (o: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(o).getBytes());
const nul = () => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '');
const int = (hex: string) => {
  // Positive INTEGER: a leading 00 when the top bit is set.
  let h = hex.length % 2 ? `0${hex}` : hex;
  if (parseInt(h.slice(0, 2), 16) & 0x80) h = `00${h}`;
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(h));
};
/** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
const time = (d: Date) => (d.getUTCFullYear() < 2050
  ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(d))
  : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d)));
const SHA256_RSA = '1.2.840.113549.1.1.11';
const CRL_NUMBER = '2.5.29.20';

/**
 * PEM of a CRL listing every serial of `list`, numbered like it (cRLNumber extension). No nextUpdate:
 * OpenSSL then treats it as current until replaced, so a broker is never locked out by an expired CRL.
 */
export function x509Crl(list: RevocationListBody, ca: KeyAndCert): string {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const sigAlg = seq(oid(SHA256_RSA), nul());
  const revoked = list.revoked.map((e) => seq(int(e.serial), time(new Date(e.revokedAt))));
  const crlNumberExt = seq(oid(CRL_NUMBER), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, asn1.toDer(int(list.number.toString(16))).getBytes()));
  const tbs = seq(
    int('1'), // v2
    sigAlg,
    forge.pki.distinguishedNameToAsn1(caCert.subject),
    time(new Date(list.issuedAt)),
    ...(revoked.length ? [seq(...revoked)] : []),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [seq(crlNumberExt)]),
  );
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, createPrivateKey(ca.keyPem));
  const crl = seq(tbs, seq(oid(SHA256_RSA), nul()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\u0000${signature.toString('binary')}`));
  const der = Buffer.from(asn1.toDer(crl).getBytes(), 'binary');
  return `-----BEGIN X509 CRL-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END X509 CRL-----\n`;
}
