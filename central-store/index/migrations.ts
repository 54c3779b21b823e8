// Every index migration, in the one order they apply on every backend. Each owner module in tables/
// contributes its list; new ones go at the end. Tables not yet behind the port still migrate through
// their old modules (docs/scale-out.md lists which).
import type { Migration } from './port.js';
import { EXPORTS_MIGRATIONS } from './tables/exports.js';

export const MIGRATIONS: readonly Migration[] = [
  ...EXPORTS_MIGRATIONS,
];
