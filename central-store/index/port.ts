// The index port (issue 17): the store's tables behind one async interface with units of work, so the
// same owner modules run on sqlite (embedded default) and PostgreSQL. SQL is written once with `?`
// placeholders; an owner module that needs dialect-specific SQL asks `u.dialect`. Each table has one
// owner module (central-store/index/tables/); migrations are one ordered list (migrations.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
export type Dialect = 'sqlite' | 'pg';

export interface Unit {
  readonly dialect: Dialect;
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T | undefined>;
  run(sql: string, params?: unknown[]): Promise<{ changes: number }>;
}

export interface Migration {
  /** Unique, never renamed: recorded in the `migrations` table once applied. */
  name: string;
  sqlite: string;
  pg: string;
}

export interface Index {
  readonly dialect: Dialect;
  /**
   * One unit of work: every statement in `fn` commits together or not at all. Units never interleave.
   * `fn` awaits only its unit's calls (no other I/O), so a unit stays short on either backend.
   */
  tx<T>(fn: (u: Unit) => Promise<T>): Promise<T>;
  /** Apply the migrations not yet applied, in list order, each in its own transaction; returns the names applied now. */
  migrate(list: readonly Migration[]): Promise<string[]>;
  close(): Promise<void>;
}

/** `?` placeholders to PostgreSQL's `$1..$n` (the port's SQL never has a `?` inside a literal). */
export function pgPlaceholders(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/**
 * Which index's unit the current async context is inside. A unit begun inside another unit of the same
 * index would wait for it forever on sqlite (units queue) and on a second connection on PostgreSQL (not
 * atomic, and blocked by the outer unit's row locks): both refuse instead, naming the mistake.
 */
export const inUnit = new AsyncLocalStorage<Index>();
export function refuseNested(ix: Index): void {
  if (inUnit.getStore() === ix) throw new Error('index: a unit of work began inside another unit of the same index (pass the outer unit down instead)');
}
