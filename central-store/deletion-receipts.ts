// Documentation that deletion happened: signed deletion receipts (one per clip deletion) and
// key-destruction receipts (one per destroyed key). Behind the index port (owners
// index/tables/deletion-receipts.ts, key-destructions.ts): on PostgreSQL in the index database, shared by
// every node; on sqlite in their own file (<dir>/receipts.db) so that central.db keeps no trace of a
// deleted clip. Receipts hold ids, hashes, times and rules only.
import { createPublicKey, type KeyObject, type KeyLike } from 'node:crypto';
import path from 'node:path';
import { signData } from '../shared/crypto.js';
import { keyIdOf, openDocument, type SignedDocument } from '../shared/evidence.js';
import { RECEIPTS_MIGRATIONS } from './index/migrations.js';
import type { Index } from './index/port.js';
import { SqliteIndex } from './index/sqlite.js';
import type { Census } from './index/tables/census.js';
import { deletionReceiptDoc, deletionReceiptDocs, deletionReceiptsCensus, insertDeletionReceipt, purgeDeletionReceipts } from './index/tables/deletion-receipts.js';
import { insertKeyDestruction, keyDestructionDoc, keyDestructionDocs, keyDestructionsCensus, purgeKeyDestructions } from './index/tables/key-destructions.js';

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


const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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

/**
 * Signs and keeps receipts. Each receipt is signed once: a node looks for the stored one first, and two
 * nodes finishing the same deletion at once both insert with ON CONFLICT DO NOTHING (the unique key
 * makes the second wait for the first's commit) and both return the one stored; the loser's signature
 * is discarded, never stored or handed out.
 */
export class ReceiptBook {
  private readonly keyId: string;
  private constructor(readonly index: Index, private readonly owned: boolean, private readonly key: KeyObject, readonly storeId: string) {
    this.keyId = keyIdOf(createPublicKey(key));
  }

  /** shared/evidence.ts signDocument, with the key id computed once (a sweep signs thousands). */
  private sign(body: object): SignedDocument {
    const text = JSON.stringify(body);
    return { body: text, sig: signData(this.key, Buffer.from(text, 'utf8')).toString('base64'), keyId: this.keyId };
  }

  /** The store's book: in the PostgreSQL index itself, or receipts.db in `dir` beside a sqlite index. */
  static async open(o: { dir: string; index: Index; signingKey: KeyObject; storeId: string }): Promise<ReceiptBook> {
    if (o.index.dialect === 'pg') return ReceiptBook.on(o.index, o.signingKey, o.storeId);
    const ix = SqliteIndex.open(path.join(o.dir, 'receipts.db'));
    ix.db.pragma('busy_timeout = 5000');
    try { return await ReceiptBook.on(ix, o.signingKey, o.storeId, true); } catch (err) { await ix.close(); throw err; }
  }

  /** A book on `index` (its receipt migrations applied here); `owned`: closing the book closes the index. */
  static async on(index: Index, signingKey: KeyObject, storeId: string, owned = false): Promise<ReceiptBook> {
    await index.migrate(RECEIPTS_MIGRATIONS);
    return new ReceiptBook(index, owned, signingKey, storeId);
  }

  /**
   * Sign and keep receipts for clips whose deletion is complete. A deletion request that already has one
   * keeps its first (a re-run after a crash, or another node, does not issue a second); returns the stored receipts.
   */
  recordDeletions(items: { clipId: string; sha256: string; bytes: number; rule: string; by: string; requestedAt: string; steps: string[] }[], at: string): Promise<DeletionReceipt[]> {
    if (!items.length) return Promise.resolve([]);
    // In one order on every node: two nodes inserting the same batch in opposite orders would each wait
    // for the other's uncommitted row (a deadlock on PostgreSQL).
    const sorted = [...items].sort((x, y) => (x.clipId === y.clipId ? cmp(x.requestedAt, y.requestedAt) : cmp(x.clipId, y.clipId)));
    return this.index.tx(async (u) => {
      const byItem = new Map<object, DeletionReceipt>();
      for (const i of sorted) {
        let doc = await deletionReceiptDoc(u, i.clipId, i.requestedAt);
        if (!doc) {
          const body: DeletionReceiptBody = { v: 1, kind: 'deletion-receipt', clipId: i.clipId, sha256: i.sha256, bytes: i.bytes,
            deletedAt: at, rule: i.rule, by: i.by, storeId: this.storeId, steps: i.steps };
          await insertDeletionReceipt(u, { clipId: i.clipId, requestedAt: i.requestedAt, deletedAt: at, doc: this.sign(body) });
          doc = (await deletionReceiptDoc(u, i.clipId, i.requestedAt))!;
        }
        byItem.set(i, toReceipt(doc));
      }
      return items.map((i) => byItem.get(i)!);
    });
  }

  async deletions(since?: string): Promise<DeletionReceipt[]> {
    return (await this.index.tx((u) => deletionReceiptDocs(u, since))).map(toReceipt);
  }

  /** Sign and keep the receipt of a key's destruction; a key that has one keeps its first. Returns the stored one. */
  recordKeyDestruction(b: Omit<KeyDestructionBody, 'v' | 'kind' | 'storeId'>): Promise<SignedDocument> {
    return this.index.tx(async (u) => {
      const have = await keyDestructionDoc(u, b.keyName);
      if (have) return have;
      const body: KeyDestructionBody = { v: 1, kind: 'key-destruction', keyName: b.keyName, keyKind: b.keyKind, keyId: b.keyId,
        notBefore: b.notBefore, notAfter: b.notAfter, destroyedAt: b.destroyedAt, rule: b.rule, storeId: this.storeId };
      await insertKeyDestruction(u, { keyName: b.keyName, destroyedAt: b.destroyedAt, doc: this.sign(body) });
      return (await keyDestructionDoc(u, b.keyName))!;
    });
  }

  keyDestruction(keyName: string): Promise<SignedDocument | undefined> { return this.index.tx((u) => keyDestructionDoc(u, keyName)); }

  keyDestructions(): Promise<SignedDocument[]> { return this.index.tx((u) => keyDestructionDocs(u)); }

  /** Receipts whose deletion / key destruction is before the cut-offs (their own deadlines, issue 19). */
  purge(o: { deletionsBefore: string; keyDestructionsBefore: string }): Promise<{ deletionReceipts: number; keyDestructions: number }> {
    return this.index.tx(async (u) => ({
      deletionReceipts: await purgeDeletionReceipts(u, o.deletionsBefore),
      keyDestructions: await purgeKeyDestructions(u, o.keyDestructionsBefore),
    }));
  }

  /** The store review's figures for both tables (cut-offs: their deadlines). */
  census(o: { deletionsBefore: string; keyDestructionsBefore: string }): Promise<{ deletionReceipts: Census; keyDestructions: Census }> {
    return receiptsCensus(this.index, o);
  }

  async close(): Promise<void> { if (this.owned) await this.index.close(); }
}

/** Both receipt tables' census in one unit of `index` (the PostgreSQL index, or a receipts.db index). */
export function receiptsCensus(index: Index, o: { deletionsBefore: string; keyDestructionsBefore: string }): Promise<{ deletionReceipts: Census; keyDestructions: Census }> {
  return index.tx(async (u) => ({
    deletionReceipts: await deletionReceiptsCensus(u, o.deletionsBefore),
    keyDestructions: await keyDestructionsCensus(u, o.keyDestructionsBefore),
  }));
}
