// The newest verified revocation list a device holds (dock: next to its journal; camera: in its trust
// store). Offered lists are verified against the CA and kept only when their number is higher, so a
// replayed older list never un-revokes anything. Written durably before it counts.
import { existsSync, readFileSync } from 'node:fs';
import type { SignedDocument } from '../evidence.js';
import { newerList, openRevocationList, RevocationSet, type RevocationListBody } from './revocation.js';
import { writeDurable } from '../durable-file.js';

export type OfferResult = { installed: true; number: number } | { installed: false; number: number; reason: 'older' | 'same' };

export class RevocationStore {
  private set: RevocationSet;
  private doc: SignedDocument | null = null;

  /** Loads `file` when present; a file that does not verify is an error (not silently an empty list). */
  constructor(private readonly file: string | null, private readonly caCertPem: string | Buffer) {
    this.set = new RevocationSet(null);
    if (file && existsSync(file)) {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as SignedDocument;
      try { this.set = new RevocationSet(openRevocationList(doc, caCertPem)); } catch (err) {
        throw new Error(`${file}: ${(err as Error).message}`);
      }
      this.doc = doc;
    }
  }

  current(): RevocationSet { return this.set; }
  /** The signed list as received (to pass on: central → dock → camera). */
  document(): SignedDocument | null { return this.doc; }
  get number(): number { return this.set.number; }

  /** Verify and keep if newer; throws naming the reason when it does not verify. */
  offer(doc: unknown): OfferResult {
    const body: RevocationListBody = openRevocationList(doc, this.caCertPem);
    if (!newerList(this.set.list, body)) return { installed: false, number: this.set.number, reason: body.number === this.set.number ? 'same' : 'older' };
    if (this.file) writeDurable(this.file, JSON.stringify(doc));
    this.set = new RevocationSet(body);
    this.doc = doc as SignedDocument;
    return { installed: true, number: body.number };
  }
}
