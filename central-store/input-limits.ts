// Input limits of the evidence operations: one set for every door (HTTP API, web office, CLI:
// op-schemas.ts) and for the evidence store, which checks its inputs again (evidence.ts).
export const LIMITS = {
  /** Clips one search returns at most. */
  searchResults: 1000,
  /** How far into a search's results a page may start (offset paging). */
  searchOffset: 10_000_000,
  /** Clip ids in one police export or subject-access package. */
  clipsPerRequest: 1000,
  reason: 500,
  caseNumber: 100,
  journalNumber: 100,
  recipient: 200,
  subject: 200,
  /** Access-log entries one audit page or CSV download returns at most. */
  logRows: 100_000,
  /** An officer's note on a marker. */
  markerNote: 500,
} as const;
