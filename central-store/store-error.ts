// Errors of the evidence store: `code` is for callers (API status, CLI exit), the message for people.
export type StoreErrorCode =
  | 'not-found' | 'on-hold' | 'not-held' | 'bad-input' | 'key-destroyed' | 'key-missing' | 'bad-master-key'
  | 'deleting' | 'exists' | 'corrupt';

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** Field-naming validation error from a zod issue list. */
export function badInput(issues: { path: PropertyKey[]; message: string }[]): StoreError {
  const first = issues[0];
  const where = first && first.path.length ? first.path.map(String).join('.') : 'input';
  return new StoreError('bad-input', `${where}: ${first?.message ?? 'invalid'}`);
}
