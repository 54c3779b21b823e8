// Certificates for the brokers the tests, demo and fleet runs start (hardware-sim/mosquitto.ts,
// aedes.ts): the broker's server certificate and the MQTT client identities, all from one CA. Keys
// are RSA-2048 and slow to make, so one test CA per process and one identity per (CA, role, id).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCA, issueCertificate, type KeyAndCert, type Role } from '../shared/pki/ca.js';
import type { MqttEndpoint, MqttTls } from '../shared/mqtt/connect.js';

let testCa: KeyAndCert | undefined;
/** One organisation CA per process for tests that do not bring their own. */
export function defaultTestCa(): KeyAndCert {
  return (testCa ??= createCA({ org: 'Test Broker Org' }));
}

const issued = new WeakMap<KeyAndCert, Map<string, KeyAndCert>>();
export function identityFor(ca: KeyAndCert, role: Role, id: string): KeyAndCert {
  let m = issued.get(ca);
  if (!m) issued.set(ca, m = new Map());
  const k = `${role}:${id}`;
  let c = m.get(k);
  if (!c) m.set(k, c = issueCertificate({ role, id, ca, hosts: role === 'broker' ? ['localhost', '127.0.0.1'] : undefined }));
  return c;
}

/** What a broker helper hands out: endpoints for in-process clients, files for child processes. */
export interface BrokerAccess {
  url: string;
  ca: KeyAndCert;
  /** An endpoint authenticated as role/id (default: a dock). */
  endpoint(id: string, role?: Role): MqttEndpoint;
  /** The same identity written to files (ca, cert, key paths) for a child process's config. */
  files(id: string, role?: Role): { caPath: string; certPath: string; keyPath: string };
}

export function brokerAccess(url: string, ca: KeyAndCert): BrokerAccess {
  let dir: string | undefined;
  const tls = (id: string, role: Role): MqttTls => {
    const c = identityFor(ca, role, id);
    return { ca: ca.certPem, cert: c.certPem, key: c.keyPem };
  };
  return {
    url, ca,
    endpoint: (id, role = 'dock') => ({ url, tls: tls(id, role) }),
    files(id, role = 'dock') {
      dir ??= mkdtempSync(path.join(os.tmpdir(), 'mqtt-id-'));
      const c = identityFor(ca, role, id);
      const p = { caPath: path.join(dir, 'ca.pem'), certPath: path.join(dir, `${role}-${id}.cert.pem`), keyPath: path.join(dir, `${role}-${id}.key.pem`) };
      writeFileSync(p.caPath, ca.certPem);
      writeFileSync(p.certPath, c.certPem);
      writeFileSync(p.keyPath, c.keyPem, { mode: 0o600 });
      return p;
    },
  };
}
