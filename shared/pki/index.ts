export { createCA, issueCertificate, signEpoch, ROLES, type Role, type KeyAndCert } from './ca.js';
export { verifyPeerCertificate, claimedIdentity, type VerifiedPeer } from './verify.js';
export { loadTrustStore, writeIdentity, writeEpoch, hasIdentity, paths as trustPaths, type TrustStore } from './trust-store.js';
