// Attacks and faults on a central.db file, deliberately outside the index port: what someone with write
// access to the file does (drops the append-only triggers, edits or deletes rows, switches secure_delete
// off) and a full disk. The port refuses all of this, so the tests that need it come here; every other
// test reads and writes the index through the owner modules (test/architecture/central-sql.test.ts).
import type { Db } from '../../central-store/db.js';

/** Edit an access-log row in place, its update trigger dropped first. */
export function editLogRow(db: Db, seq: number, set: { user?: string; criterion?: string; hash?: string }): void {
  db.exec('DROP TRIGGER IF EXISTS access_log_no_update');
  for (const [col, v] of Object.entries(set)) db.prepare(`UPDATE access_log SET ${col} = ? WHERE seq = ?`).run(v, seq);
}

/** Delete an access-log row, its delete trigger dropped first. */
export function deleteLogRow(db: Db, seq: number): void {
  db.exec('DROP TRIGGER IF EXISTS access_log_no_delete');
  db.prepare('DELETE FROM access_log WHERE seq = ?').run(seq);
}

/** Try to edit or delete an access-log row with the triggers in place (they must refuse). */
export const tryEditLogRow = (db: Db, seq: number) => db.prepare("UPDATE access_log SET user = 'x' WHERE seq = ?").run(seq);
export const tryDeleteLogRow = (db: Db, seq: number) => db.prepare('DELETE FROM access_log WHERE seq = ?').run(seq);

/** Every later access-log append fails as on a full disk. */
export function failLogWrites(db: Db): void {
  db.exec("CREATE TRIGGER log_full BEFORE INSERT ON access_log BEGIN SELECT RAISE(ABORT, 'disk full'); END;");
}

/** Switch the connection's secure_delete (a store must refuse to open on it while off). */
export function setSecureDelete(db: Db, on: boolean): void {
  db.pragma(`secure_delete = ${on ? 'ON' : 'OFF'}`);
}
