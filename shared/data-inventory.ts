// The data inventory in machine-readable form: every sqlite table and every file place of camera, dock
// and central store, with what it holds, why, who reads it, its deadline and what deletes it.
// docs/data-inventory.md is the readable page (a test checks both name the same places), and
// hardware-sim/inventory-check.ts fails on any table or file a program writes that is not listed here.

/** Where a path is counted from: the camera's flash and trust directories, the dock's state directory (the journal's), the store's dataDir. */
export type Root = 'camera-flash' | 'camera-trust' | 'dock' | 'central';

export interface Place {
  /** `<root>:<path>` for files, `<root>:<db file>#<table>` for tables. */
  id: string;
  root: Root;
  /** Relative path; `*` matches within one path segment. For a table: its database file. */
  path: string;
  table?: string;
  holds: string;
  /** Which duty it serves (REQUIREMENTS.md). */
  purpose: string;
  readers: string;
  /** The deadline in words; `key` names the config setting when there is one. */
  deadline: string;
  key?: string;
  /** How it is deleted and why that counts as deleted. */
  deletion: string;
  deletedBy: string;
  /** Holds data about a person (guard, bystander, user, data subject). */
  personal: boolean;
}

type P = Omit<Place, 'id'>;
const place = (p: P): Place => ({ ...p, id: p.table ? `${p.root}:${p.path}#${p.table}` : `${p.root}:${p.path}` });

const SQLITE = 'DELETE under secure_delete=ON (freed pages zeroed) and a rollback journal, never WAL';
const OVERWRITE = 'overwritten with zeros, fsync, unlink, directory fsync';
const NONE = 'none: holds no personal data';

const camera: P[] = [
  { root: 'camera-flash', path: 'clips/*.bcc', holds: 'recorded clips: AES-256-GCM segments under a data key wrapped to a central epoch key the camera does not hold',
    purpose: 'evidence of an incident (seed 003: the guard presses, the minute before is kept)', readers: 'nobody on the camera (no key); the dock copies the ciphertext',
    deadline: 'until central has durably received it (signed receipt), then wiped at that docking', deletion: OVERWRITE, deletedBy: 'WIPE from the dock with central\'s receipt (firmware/vault/vault.ts)', personal: true },
  { root: 'camera-flash', path: 'clips', holds: 'clip directory', purpose: 'evidence', readers: 'the firmware', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'camera-flash', path: 'index.db', table: 'clips', holds: 'clip id, state, file, size, hash, times, epoch, header meta',
    purpose: 'finding clips to offload and wipe', readers: 'the firmware; the dock via LIST_CLIPS', deadline: 'as the clip', deletion: `${SQLITE}; the PERSIST journal is zeroed after each wipe`, deletedBy: 'vault wipe', personal: true },
  { root: 'camera-flash', path: 'index.db', table: 'wipe_certs', holds: 'signed wipe certificates of wiped clips (clip id, hash, receipt hash) and the seq of their device-log wipe entry',
    purpose: 'a certificate whose answer was lost is given again, to any dock', readers: 'the docks (WIPE answered again, WIPE_CERTS), then central', deadline: 'until central\'s device-log receipt covers the wipe entry (dropped at the next docking after), 1000 at most',
    deletion: `${SQLITE}; the PERSIST journal is zeroed after`, deletedBy: 'vault (dropTakenCerts at LIST_CLIPS, WIPE and WIPE_CERTS)', personal: true },
  { root: 'camera-flash', path: 'index.db-journal', holds: 'sqlite rollback journal (PERSIST, zeroed after every wipe)', purpose: 'crash safety of index.db', readers: 'sqlite', deadline: 'zeroed after every wipe', deletion: 'scrubJournal(): zeros, fsync', deletedBy: 'vault wipe', personal: true },
  { root: 'camera-flash', path: 'device-log.db', table: 'device_log', holds: 'hash-chained events: boot, button presses, record start/stop (clip ids), wipes, faults, clock, config',
    purpose: 'documents what the camera did with evidence (guard cannot delete; wipes only with receipt)', readers: 'the dock (GET_LOG), then central',
    deadline: 'until central has acknowledged the entries (signed device-log receipt), then pruned at the next docking; the last pruned hash is kept as anchor', deletion: SQLITE, deletedBy: 'GET_LOG with central\'s signed device-log receipt (firmware/device-log.ts applyReceipt)', personal: true },
  { root: 'camera-flash', path: 'device-log.db', table: 'device_log_anchor', holds: 'seq and hash of the last pruned entry', purpose: 'the chain continues after pruning', readers: 'the firmware', deadline: NONE, deletion: 'replaced by the next prune', deletedBy: 'device-log prune', personal: false },
  { root: 'camera-flash', path: 'device-log.db-journal', holds: 'sqlite rollback journal (DELETE mode, exists only during a write)', purpose: 'crash safety', readers: 'sqlite', deadline: 'the transaction', deletion: 'sqlite deletes it at commit', deletedBy: 'sqlite', personal: true },
  { root: 'camera-flash', path: 'update', holds: 'firmware staging directory', purpose: 'firmware updates', readers: 'the firmware', deadline: NONE, deletion: 'replaced by the next staging', deletedBy: 'firmware staging', personal: false },
  { root: 'camera-flash', path: 'update/*', holds: 'a staged firmware bundle and its state (staging.bin, staging.json, last-install.json)', purpose: 'firmware updates', readers: 'the firmware', deadline: NONE, deletion: 'replaced by the next staging', deletedBy: 'firmware staging', personal: false },
  { root: 'camera-trust', path: 'identity', holds: 'identity directory', purpose: 'authentication', readers: 'the firmware', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'camera-trust', path: 'trust', holds: 'trust-anchor directory', purpose: 'trust anchors', readers: 'the firmware', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'camera-trust', path: 'identity/*', holds: 'the camera\'s key and certificate', purpose: 'authentication, clip signatures', readers: 'the firmware', deadline: 'the device\'s life; media wiped before reuse', deletion: 'provisioning replaces it', deletedBy: 'provisioning', personal: false },
  { root: 'camera-trust', path: 'trust/*', holds: 'CA certificate, central receipt key, revocation list (crl.json)', purpose: 'trust anchors', readers: 'the firmware', deadline: NONE, deletion: 'replaced', deletedBy: 'provisioning / INSTALL_CRL', personal: false },
  { root: 'camera-trust', path: 'trust/epochs/*.json', holds: 'public evidence-epoch keys signed by the CA', purpose: 'encrypting clips to a key the camera does not hold', readers: 'the firmware', deadline: NONE, deletion: 'replaced', deletedBy: 'INSTALL_EPOCHS', personal: false },
  { root: 'camera-trust', path: 'trust/firmware/*', holds: 'firmware release public keys', purpose: 'firmware updates', readers: 'the firmware', deadline: NONE, deletion: 'replaced', deletedBy: 'provisioning', personal: false },
];

const dock: P[] = [
  { root: 'dock', path: 'journal.db', table: 'clips', holds: 'per clip being offloaded: id, camera, summary, spool path, state, receipt, wipe certificate',
    purpose: 'automatic transfer that survives restarts', readers: 'the dock agent', deadline: 'the row is deleted once the camera wiped, the certificate reached central and the spool copy is gone',
    deletion: SQLITE, deletedBy: 'dock agent (journal.ts finishIfDone)', personal: true },
  { root: 'dock', path: 'journal.db', table: 'device_logs', holds: 'per camera: highest device-log seq central acknowledged, and central\'s signed acknowledgement until the camera has pruned',
    purpose: 'the next collection starts after it; the camera prunes what central holds', readers: 'the dock agent', deadline: 'the acknowledgement: until the camera pruned; the row: a camera not docked for deadlines.deviceDays (default 30)', key: 'dock deadlines.deviceDays',
    deletion: SQLITE, deletedBy: 'dock agent prune at start and daily (journal.ts pruneDevices)', personal: false },
  { root: 'dock', path: 'journal.db', table: 'camera_certs', holds: 'the certificate each camera presented last', purpose: 'forwarded with its clips and log', readers: 'the dock agent',
    deadline: 'a camera not docked for deadlines.deviceDays (default 30)', key: 'dock deadlines.deviceDays', deletion: SQLITE, deletedBy: 'dock agent prune', personal: false },
  { root: 'dock', path: 'journal.db-journal', holds: 'sqlite rollback journal (DELETE mode)', purpose: 'crash safety', readers: 'sqlite', deadline: 'the transaction', deletion: 'sqlite deletes it at commit', deletedBy: 'sqlite', personal: true },
  { root: 'dock', path: 'spool', holds: 'spool directory', purpose: 'transfer', readers: 'the dock agent', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'dock', path: 'spool/*.clip', holds: 'ciphertext copy of a clip pulled from a camera', purpose: 'transfer to central without holding the camera', readers: 'the dock agent (cannot decrypt)',
    deadline: 'until the camera wiped it (after central\'s receipt)', deletion: OVERWRITE, deletedBy: 'dock agent after the wipe', personal: true },
  { root: 'dock', path: 'revocation-list.json', holds: 'the CA-signed revocation list', purpose: 'refusing revoked cameras', readers: 'the dock agent', deadline: NONE, deletion: 'replaced by a newer list', deletedBy: 'CRL publisher', personal: false },
  { root: 'dock', path: 'config.json', holds: 'the dock\'s configuration', purpose: 'operation', readers: 'the dock agent', deadline: NONE, deletion: '-', deletedBy: 'operator', personal: false },
];

const central: P[] = [
  { root: 'central', path: 'central.db', table: 'migrations', holds: 'names of applied schema migrations', purpose: 'schema upgrades', readers: 'the store', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'central.db', table: 'job_leases', holds: 'which central node (host:pid) runs each once-only job, and until when', purpose: 'jobs that must run once across central nodes', readers: 'the store', deadline: NONE, deletion: '-', deletedBy: 'the job releases its row when done', personal: false },
  { root: 'central', path: 'central.db', table: 'dock_leases', holds: 'which central node (host:pid) handles each dock\'s messages, and until when', purpose: 'each clip assembled and stored by one node of several', readers: 'the ingest', deadline: NONE, deletion: '-', deletedBy: 'the node releases its rows when it stops or the dock falls idle; a dead node\'s rows are taken over', personal: false },
  { root: 'central', path: 'central.db', table: 'clip_put_claims', holds: 'which central node (host:pid/worker) is putting a clip\'s blob (clip id), and until when', purpose: 'each clip put once by one node of several', readers: 'the ingest', deadline: 'released once the clip is indexed; one that ran out (its node died) goes with the next release an hour later', deletion: SQLITE, deletedBy: 'the ingest', personal: false },
  { root: 'central', path: 'central.db', table: 'clips', holds: 'clip id, camera, dock, purpose, hash, size, times, blob key, storage receipt',
    purpose: 'the evidence index (14-day deletion, evidence lock)', readers: 'users with search/view (logged)', deadline: 'retention: defaultDays 14 (max 30) per purpose from the recording start; none while on hold', key: 'retention.defaultDays / retention.perPurpose',
    deletion: `blob ${OVERWRITE}; signed deletion receipt; row ${SQLITE}`, deletedBy: 'retention job (hourly, central-store/retention.ts); delete by hand', personal: true },
  { root: 'central', path: 'central.db', table: 'pending_deletions', holds: 'deletion markers (clip id, hash, rule) for deletions in progress', purpose: 'a crashed deletion is finished', readers: 'the retention job',
    deadline: 'the next retention run', deletion: SQLITE, deletedBy: 'retention job', personal: true },
  { root: 'central', path: 'central.db', table: 'holds', holds: 'active evidence holds: clip id, reason, case number, who, when', purpose: 'evidence lock for a police report or dispute', readers: 'users with search (on the clip)',
    deadline: 'until lifted (by hand, with a reason)', deletion: SQLITE, deletedBy: 'unhold', personal: true },
  { root: 'central', path: 'central.db', table: 'hold_events', holds: 'history of holds placed and lifted: clip id, reason, case number, who, when', purpose: 'documents why a clip was kept beyond retention', readers: 'users with search',
    deadline: 'holdEventMonths (default 6, max 24) after the clip is gone, counted from its last event', key: 'deadlines.holdEventMonths', deletion: SQLITE, deletedBy: 'record deadlines job (hourly)', personal: true },
  { root: 'central', path: 'central.db', table: 'hold_wraps', holds: 'a held clip\'s data key wrapped to the hold key', purpose: 'held clips stay readable after their epoch key is destroyed', readers: 'the store',
    deadline: 'with the clip', deletion: SQLITE, deletedBy: 'retention job', personal: false },
  { root: 'central', path: 'central.db', table: 'markers', holds: 'marks on a clip\'s timeline: the guard\'s (signed in the clip) and officers\' bookmarks with a note, who, when',
    purpose: 'finding the moment in the evidence', readers: 'users with search (on the clip)', deadline: 'with the clip (foreign key ON DELETE CASCADE)', key: 'retention.defaultDays', deletion: SQLITE, deletedBy: 'retention job (with the clip row)', personal: true },
  { root: 'central', path: 'central.db', table: 'case_clips', holds: 'which clips belong to which case number, who added them, when', purpose: 'grouping evidence for a police report or dispute',
    readers: 'users with search', deadline: 'with the clip (foreign key ON DELETE CASCADE), or taken out by hand', key: 'retention.defaultDays', deletion: SQLITE, deletedBy: 'retention job (with the clip row); case-remove', personal: true },
  { root: 'central', path: 'central.db', table: 'redaction_plans', holds: 'per clip of a subject-access case: the subject\'s name, the redaction plan (boxes, kept tracks, muted ranges), who proposed and approved it',
    purpose: 'access requests answered with bystanders blurred (seed 004); the record of what was disclosed', readers: 'users with dsar',
    deadline: '183 days from the case (delete_after; PLAN_RETENTION_DAYS in central-store/redaction/plans.ts)', deletion: SQLITE, deletedBy: 'record deadlines job (purgeExpiredPlans)', personal: true },
  { root: 'central', path: 'central.db', table: 'wipe_certificates', holds: 'camera-signed wipe certificates: clip id, camera, dock', purpose: 'documents that the camera\'s copy was wiped', readers: 'the store; auditors',
    deadline: 'wipeCertificateDays (default 60, max 400) from receipt; kept while the clip is held', key: 'deadlines.wipeCertificateDays', deletion: SQLITE, deletedBy: 'record deadlines job', personal: true },
  { root: 'central', path: 'central.db', table: 'device_log_entries', holds: 'cameras\' device-log entries (presses, recordings, wipes: a guard\'s activity)', purpose: 'documents what each camera did with evidence', readers: 'auditors, evidence officers',
    deadline: 'deviceLogDays (default 60, max 400) from receipt; entries naming a held clip stay (and what follows them)', key: 'deadlines.deviceLogDays', deletion: `${SQLITE}; the oldest prefix per camera, the last deleted hash kept as anchor`, deletedBy: 'record deadlines job', personal: true },
  { root: 'central', path: 'central.db', table: 'dock_heartbeats', holds: 'per dock: its newest signed heartbeat (queue counts, spool free; per camera it served: firmware version and slot, free flash, clips on it, when)',
    purpose: 'the fleet page: equipment state', readers: 'administrators (fleet)', deadline: NONE, deletion: 'replaced by the dock\'s next heartbeat (one row per dock)', deletedBy: 'the ingest (central-store/index/tables/dock-heartbeats.ts)', personal: false },
  { root: 'central', path: 'central.db', table: 'device_log_anchors', holds: 'per camera: seq and hash where its stored log was cut', purpose: 'later entries still verify as one chain', readers: 'the ingest', deadline: NONE, deletion: 'replaced by the next cut', deletedBy: 'record deadlines job', personal: false },
  { root: 'central', path: 'central.db', table: 'camera_certs', holds: 'camera certificates that sealed stored clips', purpose: 're-verifying a clip\'s signature', readers: 'auditors',
    deadline: 'cameraCertDays (default 60, max 400) from first seen, once no stored clip was sealed under it', key: 'deadlines.cameraCertDays', deletion: SQLITE, deletedBy: 'record deadlines job', personal: false },
  { root: 'central', path: 'central.db', table: 'ingest_incidents', holds: 'refused or inconsistent uploads: kind, dock, camera, clip id, reason, count', purpose: 'the evidence officer sees forgeries, revoked cameras, gaps', readers: 'users with search (logged)',
    deadline: 'ingestIncidentDays (default 90, max 400) from the last occurrence', key: 'deadlines.ingestIncidentDays', deletion: SQLITE, deletedBy: 'record deadlines job', personal: true },
  { root: 'central', path: 'central.db', table: 'evidence_keys', holds: 'public halves and times of epoch keys and the hold key (private halves: keys/)', purpose: 'key custody', readers: 'the store',
    deadline: 'a destroyed epoch key\'s record: keyDestructionMonths (default 12, max 60) after destruction', key: 'deadlines.keyDestructionMonths', deletion: SQLITE, deletedBy: 'record deadlines job', personal: false },
  { root: 'central', path: 'central.db', table: 'exports', holds: 'police exports and subject-access copies: kind, journal number, recipient or subject, who, when, clip ids, package hash and path',
    purpose: 'the journal number recorded with a police export; disclosures documented', readers: 'auditors',
    deadline: 'exportRecordMonths (default 6, max 60) from the export', key: 'deadlines.exportRecordMonths', deletion: SQLITE, deletedBy: 'record deadlines job', personal: true },
  { root: 'central', path: 'central.db', table: 'users', holds: 'user name, role, scrypt password hash, failed logins, lock/disable times, last login',
    purpose: 'named, authorised users; lockout after failed logins', readers: 'administrators (logged)',
    deadline: 'disabledUserDays (default 30, max 365) after disabling; the access log keeps the name for its 6 months', key: 'deadlines.disabledUserDays', deletion: SQLITE, deletedBy: 'record deadlines job (one user-remove entry each)', personal: true },
  { root: 'central', path: 'central.db', table: 'sessions', holds: 'signed-in office and API sessions: SHA-256 of the session token (never the token), user name, CSRF token, created, last used, end',
    purpose: 'staying signed in across central nodes and restarts', readers: 'the store',
    deadline: 'the session\'s end: logout, idle timeout, or its absolute end (api.office.absoluteHours, api.sessionTtlMinutes)', key: 'api.office.absoluteHours / api.sessionTtlMinutes', deletion: SQLITE,
    deletedBy: 'logout; the next sign-in (ended ones of its kind); record deadlines job (past their absolute end)', personal: true },
  { root: 'central', path: 'central.db', table: 'access_log', holds: 'every use: time, user, action, criterion (clip ids, search terms, subjects), outcome, reason; hash-chained',
    purpose: 'every use machine-logged (seed 003)', readers: 'auditors, administrators', deadline: 'accessLogMonths (default 6, max 120)', key: 'accessLogMonths',
    deletion: `${SQLITE}; the oldest prefix, its last hash kept as anchor`, deletedBy: 'access-log purge (daily)', personal: true },
  { root: 'central', path: 'central.db', table: 'access_log_anchor', holds: 'seq and hash of the last purged entry', purpose: 'the chain verifies after a purge', readers: 'auditors', deadline: NONE, deletion: 'replaced by the next purge', deletedBy: 'access-log purge', personal: false },
  { root: 'central', path: 'central.db', table: 'access_log_gate', holds: 'one flag: the purge is deleting', purpose: 'only the purge deletes log entries', readers: 'sqlite triggers', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'central.db-journal', holds: 'sqlite rollback journal (DELETE mode)', purpose: 'crash safety', readers: 'sqlite', deadline: 'the transaction', deletion: 'sqlite deletes it at commit', deletedBy: 'sqlite', personal: true },
  { root: 'central', path: 'receipts.db', table: 'migrations', holds: 'names of applied schema migrations', purpose: 'schema upgrades', readers: 'the store', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'receipts.db', table: 'deletion_receipts', holds: 'signed deletion receipts: clip id, ciphertext hash, size, rule, who, times (nothing about the content)',
    purpose: 'documentation that deletion was completed (seed 001)', readers: 'auditors', deadline: 'deletionReceiptMonths (default 6, max 24) from the deletion', key: 'deadlines.deletionReceiptMonths', deletion: SQLITE, deletedBy: 'record deadlines job', personal: true },
  { root: 'central', path: 'receipts.db', table: 'key_destructions', holds: 'signed key-destruction receipts: key name, key id, window, rule, time', purpose: 'documents that epoch keys were destroyed', readers: 'auditors',
    deadline: 'keyDestructionMonths (default 12, max 60)', key: 'deadlines.keyDestructionMonths', deletion: SQLITE, deletedBy: 'record deadlines job', personal: false },
  { root: 'central', path: 'receipts.db-journal', holds: 'sqlite rollback journal (DELETE mode)', purpose: 'crash safety', readers: 'sqlite', deadline: 'the transaction', deletion: 'sqlite deletes it at commit', deletedBy: 'sqlite', personal: true },
  { root: 'central', path: 'store', holds: 'blob store directory', purpose: 'evidence', readers: 'the store', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'store/blobs', holds: 'blob directory', purpose: 'evidence', readers: 'the store', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'store/blobs/*', holds: 'blob fan-out directories', purpose: 'evidence', readers: 'the store', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'store/blobs/*/*', holds: 'clip ciphertext exactly as the camera sealed it', purpose: 'the evidence (14-day deletion, evidence lock)', readers: 'users with view/download/export, decrypted only while the epoch key or a hold wrap exists (logged)',
    deadline: 'as the clip row (retention)', key: 'retention.defaultDays', deletion: `${OVERWRITE}; the epoch key is destroyed later, so no copy anywhere decrypts`, deletedBy: 'retention job', personal: true },
  { root: 'central', path: 'store/locks', holds: 'blob lock directory (filesystem blob port)', purpose: 'evidence hold / retain-until beside the blob', readers: 'the store', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'store/locks/*', holds: 'lock fan-out directories', purpose: 'as above', readers: 'the store', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'store/locks/*/*', holds: 'a blob\'s hold flag and retain-until date (no content, no names)', purpose: 'a held or retained blob cannot be destroyed early', readers: 'the store',
    deadline: 'with the blob', deletion: 'unlinked when the blob is destroyed', deletedBy: 'retention job', personal: false },
  { root: 'central', path: 'store/work', holds: 'assembly directory', purpose: 'ingest', readers: 'the ingest', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'store/work/*', holds: 'a clip being assembled from chunks (ciphertext)', purpose: 'ingest', readers: 'the ingest', deadline: 'moved into blobs when complete; a stale partial is swept by the ingest', deletion: OVERWRITE, deletedBy: 'ingest sweep', personal: true },
  { root: 'central', path: 'keys', holds: 'key directory', purpose: 'key custody', readers: 'the store', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'keys/*', holds: 'epoch and hold private keys sealed under the master key; master-key check; passphrase salt', purpose: 'decrypting evidence only at the store',
    readers: 'the store with the master key', deadline: 'an epoch key: destroyed once its window + stale grace + the longest retention has passed and its held clips are re-wrapped', key: 'retention.staleEpochDays',
    deletion: `${OVERWRITE}; signed key-destruction receipt`, deletedBy: 'retention job (destroyEpochKeys)', personal: false },
  { root: 'central', path: 'epochs', holds: 'public epoch documents for the CA to sign', purpose: 'cameras encrypt to them', readers: 'the CA operator', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'epochs/*', holds: 'one public epoch key document', purpose: 'as above', readers: 'the CA operator', deadline: NONE, deletion: 'replaced', deletedBy: 'epochs job', personal: false },
  { root: 'central', path: 'exports', holds: 'export directory', purpose: 'police exports and subject-access copies', readers: 'users with export/dsar', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'exports/*', holds: 'AES-256 ZIP packages (decrypted clips inside, password never stored) and a crashed export\'s .partial-* file',
    purpose: 'encrypted police export / subject access copy', readers: 'users with export (GET /exports/ID/package, logged)', deadline: 'one complete download, or exportPackageHours (default 24, max 168)', key: 'deadlines.exportPackageHours',
    deletion: OVERWRITE, deletedBy: 'the download route; record deadlines job', personal: true },
  { root: 'central', path: 'view-partials', holds: 'registry directory of `bodycam store view -o` writes in progress', purpose: 'a killed view leaves no plaintext', readers: 'the CLI', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'view-partials/*', holds: 'the path of a FILE.part-<pid> being written (not its content)', purpose: 'the next `bodycam store` start finds a killed view\'s partial file',
    readers: 'the CLI', deadline: 'the view\'s end, or the next CLI start after it died', deletion: `the partial file ${OVERWRITE}, then the entry`, deletedBy: 'bodycam store (every start)', personal: false },
  { root: 'central', path: 'signing-key.sealed.json', holds: 'the store\'s signing key sealed under the master key', purpose: 'receipts and manifests', readers: 'the store with the master key', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
  { root: 'central', path: 'receipt-signing.pub.pem', holds: 'its public key', purpose: 'verifying receipts', readers: 'anyone', deadline: NONE, deletion: '-', deletedBy: '-', personal: false },
];

export const INVENTORY: readonly Place[] = [...camera, ...dock, ...central].map(place);

/** Places that are not files the programs write: documented on the page, not walked. */
export const OFF_DISK = ['process-logs', 'backups', 'login-guard', 'postgresql'] as const;
