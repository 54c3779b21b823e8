// Errors of the evidence store: `code` is for callers (API status, CLI exit), the message for people.
import { issueText } from '../shared/config.js';

export type StoreErrorCode =
  | 'not-found' | 'on-hold' | 'not-held' | 'bad-input' | 'key-destroyed' | 'key-missing' | 'bad-master-key'
  | 'deleting' | 'exists' | 'corrupt' | 'gone';

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** Field-naming validation error from a zod issue list (its first issue). */
export function badInput(issues: { path: PropertyKey[]; message: string }[]): StoreError {
  return new StoreError('bad-input', issueText(issues[0] ?? { path: [], message: 'invalid' }, 'input'));
}
