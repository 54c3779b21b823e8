// Documentation that deletion happened: signed deletion receipts (one per clip) and key-destruction
// receipts (one per destroyed key), kept in their own sqlite file (<dir>/receipts.db) so that the
// index file keeps no trace of a deleted clip. Receipts hold ids, hashes, times and rules only.
import { createPublicKey, type KeyObject, type KeyLike } from 'node:crypto';
import path from 'node:path';
import { signData } from '../shared/crypto.js';
import { keyIdOf, openDocument, type SignedDocument } from '../shared/evidence.js';
import { migrate, openCentralDb, type Db } from './db.js';

export interface DeletionReceiptBody {
  v: 1;
  kind: 'deletion-receipt';
  clipId: string;
  /** SHA-256 hex of the ciphertext that was deleted (the hash in the clip's storage receipt). */
  sha256: string;
  bytes: number;
  deletedAt: string;
  /** 'retention:<purpose|default>:<days>d' or 'manual'. */
  rule: string;
  /** 'retention-job' or the user name that asked. */
  by: string;
  storeId: string;
  /** What the blob store really did, then 'index-delete' (blob/port.ts destroy()). */
  steps: string[];
}

export interface DeletionReceipt {
  doc: SignedDocument;
  body: DeletionReceiptBody;
  clipId: string; sha256: string; bytes: number; deletedAt: string; rule: string; by: string;
}

export interface KeyDestructionBody {
  v: 1;
  kind: 'key-destruction';
  /** Epoch id (or hold key name). */
  keyName: string;
  keyKind: 'epoch' | 'hold';
  /** SHA-256 hex of the SPKI DER public key: the keyId clip headers carry. */
  keyId: string;
  notBefore: string | null;
  notAfter: string | null;
  destroyedAt: string;
  rule: string;
  storeId: string;
}


const MIGRATION = `
CREATE TABLE deletion_receipts (
  id INTEGER PRIMARY KEY,
  clip_id TEXT NOT NULL,
  -- When deletion was asked for (the pending marker's time): one receipt per request, however often
  -- a crashed run is retried; a clip id delivered again later and deleted again gets its own.
  requested_at TEXT NOT NULL,
  deleted_at TEXT NOT NULL,
  doc_json TEXT NOT NULL,
  UNIQUE (clip_id, requested_at)
);
CREATE INDEX deletion_receipts_at ON deletion_receipts(deleted_at);
CREATE TABLE key_destructions (
  id INTEGER PRIMARY KEY,
  key_name TEXT NOT NULL UNIQUE,
  destroyed_at TEXT NOT NULL,
  doc_json TEXT NOT NULL
);
`;

export function toReceipt(doc: SignedDocument): DeletionReceipt {
  const body = JSON.parse(doc.body) as DeletionReceiptBody;
  return { doc, body, clipId: body.clipId, sha256: body.sha256, bytes: body.bytes, deletedAt: body.deletedAt, rule: body.rule, by: body.by };
}

/** Verify a deletion receipt with the store's public key; throws naming the reason. */
export function verifyDeletionReceipt(doc: SignedDocument, publicKey: KeyLike): DeletionReceiptBody {
  return openDocument<DeletionReceiptBody>(doc, publicKey, 'deletion-receipt');
}
export function verifyKeyDestruction(doc: SignedDocument, publicKey: KeyLike): KeyDestructionBody {
  return openDocument<KeyDestructionBody>(doc, publicKey, 'key-destruction');
}

export class ReceiptBook {
  private readonly keyId: string;
  private constructor(readonly db: Db, private readonly key: KeyObject, readonly storeId: string) {
    this.keyId = keyIdOf(createPublicKey(key));
  }

  /** shared/evidence.ts signDocument, with the key id computed once (a sweep signs thousands). */
  private sign(body: object): SignedDocument {
    const text = JSON.stringify(body);
    return { body: text, sig: signData(this.key, Buffer.from(text, 'utf8')).toString('base64'), keyId: this.keyId };
  }

  static open(dir: string, signingKey: KeyObject, storeId: string): ReceiptBook {
    const db = openCentralDb(path.join(dir, 'receipts.db'));
    migrate(db, 'receipts-1', MIGRATION);
    db.pragma('busy_timeout = 5000');
    return new ReceiptBook(db, signingKey, storeId);
  }

  /**
   * Sign and keep receipts for clips whose deletion is complete. A clip that already has one keeps its
   * first (a re-run after a crash does not issue a second); returns the stored receipts.
   */
  recordDeletions(items: { clipId: string; sha256: string; bytes: number; rule: string; by: string; requestedAt: string; steps: string[] }[], at: string): DeletionReceipt[] {
    const ins = this.db.prepare('INSERT OR IGNORE INTO deletion_receipts (clip_id, requested_at, deleted_at, doc_json) VALUES (?, ?, ?, ?)');
    const get = this.db.prepare('SELECT doc_json FROM deletion_receipts WHERE clip_id = ? AND requested_at = ?');
    return this.db.transaction(() => items.map((i) => {
      const body: DeletionReceiptBody = { v: 1, kind: 'deletion-receipt', clipId: i.clipId, sha256: i.sha256, bytes: i.bytes,
        deletedAt: at, rule: i.rule, by: i.by, storeId: this.storeId, steps: i.steps };
      ins.run(i.clipId, i.requestedAt, at, JSON.stringify(this.sign(body)));
      return toReceipt(JSON.parse((get.get(i.clipId, i.requestedAt) as { doc_json: string }).doc_json) as SignedDocument);
    }))();
  }

  deletions(since?: string): DeletionReceipt[] {
    const rows = (since
      ? this.db.prepare('SELECT doc_json FROM deletion_receipts WHERE deleted_at >= ? ORDER BY id').all(since)
      : this.db.prepare('SELECT doc_json FROM deletion_receipts ORDER BY id').all()) as { doc_json: string }[];
    return rows.map((r) => toReceipt(JSON.parse(r.doc_json) as SignedDocument));
  }

  recordKeyDestruction(b: Omit<KeyDestructionBody, 'v' | 'kind' | 'storeId'>): SignedDocument {
    const body: KeyDestructionBody = { v: 1, kind: 'key-destruction', keyName: b.keyName, keyKind: b.keyKind, keyId: b.keyId,
      notBefore: b.notBefore, notAfter: b.notAfter, destroyedAt: b.destroyedAt, rule: b.rule, storeId: this.storeId };
    this.db.prepare('INSERT OR IGNORE INTO key_destructions (key_name, destroyed_at, doc_json) VALUES (?, ?, ?)')
      .run(b.keyName, b.destroyedAt, JSON.stringify(this.sign(body)));
    return this.keyDestruction(b.keyName)!;
  }

  keyDestruction(keyName: string): SignedDocument | undefined {
    const r = this.db.prepare('SELECT doc_json FROM key_destructions WHERE key_name = ?').get(keyName) as { doc_json: string } | undefined;
    return r ? JSON.parse(r.doc_json) as SignedDocument : undefined;
  }

  keyDestructions(): SignedDocument[] {
    return (this.db.prepare('SELECT doc_json FROM key_destructions ORDER BY id').all() as { doc_json: string }[]).map((r) => JSON.parse(r.doc_json) as SignedDocument);
  }

  /** Receipts whose deletion / key destruction is before the cut-offs (their own deadlines, issue 19). */
  purge(o: { deletionsBefore: string; keyDestructionsBefore: string }): { deletionReceipts: number; keyDestructions: number } {
    return this.db.transaction(() => ({
      deletionReceipts: this.db.prepare('DELETE FROM deletion_receipts WHERE deleted_at < ?').run(o.deletionsBefore).changes,
      keyDestructions: this.db.prepare('DELETE FROM key_destructions WHERE destroyed_at < ?').run(o.keyDestructionsBefore).changes,
    }))();
  }

  /** Count and oldest time per table, for the store review. */
  census(): { table: string; count: number; oldest: string | null }[] {
    return [['deletion_receipts', 'deleted_at'], ['key_destructions', 'destroyed_at']].map(([t, c]) => {
      const r = this.db.prepare(`SELECT COUNT(*) AS n, MIN(${c}) AS o FROM ${t}`).get() as { n: number; o: string | null };
      return { table: t!, count: r.n, oldest: r.o };
    });
  }

  close(): void { this.db.close(); }
}
