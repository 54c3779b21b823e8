// Header verification of a firmware bundle (docs/firmware-bundle.md), the same rule on the camera
// (before it installs), the dock (before it stages) and the technician's bench (before it flashes).
import { createPublicKey } from 'node:crypto';
import { verifyData } from '../crypto.js';
import { keyIdOf } from '../evidence.js';
import { checkSizes, readHeader, type BundleHeader, type ByteSource } from './bundle.js';
import { BundleError, compareVersions, parseManifest, type Manifest } from './manifest.js';

export interface TrustPolicy {
  /** Trust-store name → SPKI PEM (trust/firmware/<name>.pub.pem). */
  releaseKeys: Record<string, string>;
  hardware: string;
}
export interface VerifyTrust extends TrustPolicy {
  currentVersion: string;
  floor: string;
}

/** A trusted key named development* (or dev-*) signs only the development channel, any other only release. */
export const keyRole = (name: string): Manifest['channel'] => (/^dev(elopment)?([-_.]|$)/i.test(name) ? 'development' : 'release');

/** All checks that need only the header: signature, trusted key and role, hardware, versions, sizes. */
export function verifyHeader(src: ByteSource, t: VerifyTrust): { header: BundleHeader; manifest: Manifest } {
  const header = readHeader(src);
  if (header.algorithm === 'none') throw new BundleError('unsigned', 'the bundle carries no signature');
  const trusted = Object.entries(t.releaseKeys).find(([, pem]) => {
    try {
      return keyIdOf(pem) === header.keyId;
    } catch {
      return false;
    }
  });
  if (!trusted) throw new BundleError('untrusted-key', `signed by key ${header.keyId.slice(0, 16)}…, which is not in this camera's trust store`);
  const [name, pem] = trusted;
  const keyType = createPublicKey(pem).asymmetricKeyType;
  const algOk = header.algorithm === 'ed25519' ? keyType === 'ed25519' : keyType === 'rsa';
  if (!algOk || !verifyData(pem, header.manifestBytes, header.signature)) {
    throw new BundleError('bad-signature', `the manifest signature does not verify with trusted key ${name}`);
  }
  const m = parseManifest(header.manifestBytes);
  if (m.channel !== keyRole(name)) throw new BundleError('untrusted-key', `a ${m.channel} bundle signed by ${keyRole(name)} key ${name}`);
  if (m.hardware !== t.hardware) throw new BundleError('wrong-hardware', `bundle is for hardware ${m.hardware}, this camera is ${t.hardware}`);
  if (compareVersions(m.version, t.floor) < 0) throw new BundleError('below-floor', `version ${m.version} is below the anti-rollback floor ${t.floor}`);
  if (compareVersions(m.version, t.currentVersion) <= 0) throw new BundleError('not-newer', `version ${m.version} is not newer than the installed ${t.currentVersion}`);
  if (m.minFromVersion && compareVersions(t.currentVersion, m.minFromVersion) < 0) {
    throw new BundleError('from-too-old', `version ${m.version} updates only from ${m.minFromVersion} or later; this camera runs ${t.currentVersion}`);
  }
  checkSizes(src.size, header.payloadOffset, m);
  return { header, manifest: m };
}
