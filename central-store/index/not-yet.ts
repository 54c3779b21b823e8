// Tables still run as synchronous sqlite statements in their old modules (docs/scale-out.md). While
// any is listed, a store configured with the PostgreSQL index refuses to start: half the records in
// PostgreSQL and half in a node-local central.db would be neither shared nor complete.
// Remove a table's line when its owner module moves under tables/ (test/store/index-open.test.ts
// checks this list against the tables a store really creates).
export const NOT_ON_PORT: readonly string[] = [
  'deletion_receipts',
  'key_destructions',
];
