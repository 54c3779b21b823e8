// A device's trust store on disk (docs/pki.md, "Trust store layout"):
//   identity/key.pem (0600)  identity/cert.pem
//   trust/ca.pem  trust/central-receipt.pub.pem  trust/epochs/<epochId>.json  trust/firmware/*.pub.pem
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeDurable } from '../durable-file.js';
import type { SignedDocument } from '../evidence.js';

export const paths = (dir: string) => ({
  key: join(dir, 'identity', 'key.pem'),
  cert: join(dir, 'identity', 'cert.pem'),
  ca: join(dir, 'trust', 'ca.pem'),
  centralReceiptPub: join(dir, 'trust', 'central-receipt.pub.pem'),
  epochs: join(dir, 'trust', 'epochs'),
  firmware: join(dir, 'trust', 'firmware'),
});

export interface TrustStore {
  dir: string;
  keyPem: string;
  certPem: string;
  caCertPem: string;
  centralReceiptPubPem?: string;
  epochs: SignedDocument[];
  /** Firmware release public keys by file name (without .pub.pem). */
  firmwareKeys: Record<string, string>;
}

export function hasIdentity(dir: string): boolean {
  const p = paths(dir);
  return existsSync(p.key) || existsSync(p.cert);
}

export function writeIdentity(dir: string, keyPem: string, certPem: string): void {
  const p = paths(dir);
  mkdirSync(dirname(p.key), { recursive: true, mode: 0o700 });
  writeDurable(p.key, keyPem, 0o600);
  writeDurable(p.cert, certPem);
}

const EPOCH_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Store a (verified) epoch document as trust/epochs/<epochId>.json. */
export function writeEpoch(dir: string, epochId: string, doc: SignedDocument): void {
  if (!EPOCH_ID_RE.test(epochId)) throw new Error(`epochId: "${epochId}" is not a safe file name`);
  writeDurable(join(paths(dir).epochs, `${epochId}.json`), JSON.stringify(doc));
}

function readOpt(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

export function loadTrustStore(dir: string): TrustStore {
  const p = paths(dir);
  for (const [name, path] of [['identity/key.pem', p.key], ['identity/cert.pem', p.cert], ['trust/ca.pem', p.ca]] as const) {
    if (!existsSync(path)) throw new Error(`trust store ${dir}: ${name} is missing (run bodycam provision)`);
  }
  const epochs: SignedDocument[] = [];
  if (existsSync(p.epochs)) {
    for (const f of readdirSync(p.epochs).filter((f) => f.endsWith('.json')).sort()) {
      epochs.push(JSON.parse(readFileSync(join(p.epochs, f), 'utf8')) as SignedDocument);
    }
  }
  const firmwareKeys: Record<string, string> = {};
  if (existsSync(p.firmware)) {
    for (const f of readdirSync(p.firmware).filter((f) => f.endsWith('.pub.pem')).sort()) {
      firmwareKeys[f.slice(0, -'.pub.pem'.length)] = readFileSync(join(p.firmware, f), 'utf8');
    }
  }
  return {
    dir,
    keyPem: readFileSync(p.key, 'utf8'),
    certPem: readFileSync(p.cert, 'utf8'),
    caCertPem: readFileSync(p.ca, 'utf8'),
    centralReceiptPubPem: readOpt(p.centralReceiptPub),
    epochs,
    firmwareKeys,
  };
}
