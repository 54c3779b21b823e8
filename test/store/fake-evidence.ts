// An in-memory stand-in for central-store/evidence.ts with the same interface and error codes, for
// API/permission tests that are about who may do what, not about the evidence itself.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ClipInfoLike, EvidenceApi, RedactEdit, RedactionApi, SearchCriteria } from '../../central-store/op-schemas.js';

const err = (code: string, message: string) => Object.assign(new Error(message), { code });

export class FakeEvidence implements EvidenceApi {
  clips = new Map<string, ClipInfoLike & { deviceId: string; plaintext: Buffer }>();
  calls: string[] = [];
  readonly redaction: RedactionApi = new FakeRedaction(this);
  add(clipId: string, deviceId = 'cam-1'): void {
    this.clips.set(clipId, { clipId, deviceId, hold: null, plaintext: Buffer.from(`video of ${clipId}`) });
  }
  private must(id: string) {
    const c = this.clips.get(id);
    if (!c) throw err('not-found', `clip ${id} not found`);
    return c;
  }
  private info(c: ClipInfoLike & { plaintext?: Buffer }): ClipInfoLike { const { plaintext: _p, ...rest } = c; return rest; }
  async search(q: SearchCriteria) {
    this.calls.push('search');
    return [...this.clips.values()].filter((c) => (!q.deviceId || c.deviceId === q.deviceId) && (!q.caseNumber || this.inCase.get(c.clipId)?.has(q.caseNumber) || c.hold?.caseNumber === q.caseNumber)).map((c) => this.info(c));
  }
  async get(id: string) { const c = this.clips.get(id); return c && this.info(c); }
  async openPlaintext(id: string) { this.calls.push('openPlaintext'); return Readable.from([this.must(id).plaintext]); }
  async placeHold(id: string, h: { reason: string; caseNumber: string; by: string }) {
    const c = this.must(id);
    c.hold = { reason: h.reason, caseNumber: h.caseNumber, placedBy: h.by, placedAt: new Date().toISOString() };
    this.calls.push('placeHold');
    return this.info(c);
  }
  marks = new Map<string, unknown[]>();
  async addMarker(id: string, m: { offsetMs: number; note: string; by: string }) {
    this.must(id);
    const list = this.marks.get(id) ?? [];
    list.push({ ...m, source: 'officer' });
    this.marks.set(id, list);
    this.calls.push('addMarker');
    return list.at(-1);
  }
  markers(id: string) { return this.marks.get(id) ?? []; }
  inCase = new Map<string, Set<string>>();
  async setCategory(id: string, c: { purpose: string }) { const x = this.must(id); x.purpose = c.purpose; this.calls.push('setCategory'); return this.info(x); }
  async addToCase(id: string, c: { caseNumber: string }) {
    const x = this.must(id);
    const s = this.inCase.get(id) ?? new Set<string>();
    if (s.has(c.caseNumber)) throw err('conflict', `clip ${id} is already in case ${c.caseNumber}`);
    s.add(c.caseNumber); this.inCase.set(id, s); this.calls.push('addToCase');
    return this.info(x);
  }
  async removeFromCase(id: string, c: { caseNumber: string }) {
    const x = this.must(id);
    if (!this.inCase.get(id)?.delete(c.caseNumber)) throw err('not-found', `clip ${id} is not in case ${c.caseNumber}`);
    this.calls.push('removeFromCase');
    return this.info(x);
  }
  async headerFacts(id: string) { this.must(id); return null; }
  cases(id: string) { return [...this.inCase.get(id) ?? []].map((caseNumber) => ({ caseNumber, clipId: id })); }
  async liftHold(id: string) {
    const c = this.must(id);
    if (!c.hold) throw err('not-held', `clip ${id} is not on hold`);
    c.hold = null;
    this.calls.push('liftHold');
    return this.info(c);
  }
  async deleteNow(id: string, d: { reason: string }) {
    const c = this.must(id);
    if (c.hold) throw err('on-hold', `clip ${id} is on hold (case ${c.hold.caseNumber})`);
    this.clips.delete(id);
    this.calls.push('deleteNow');
    return { clipId: id, reason: d.reason };
  }
  async runRetention() { this.calls.push('runRetention'); return { deleted: [], epochKeysDestroyed: [] }; }
  deletionReceipts() { this.calls.push('deletionReceipts'); return []; }
  packages = new Map<number, string>();
  async purgeRecords() { this.calls.push('purgeRecords'); return { deviceLogEntries: 0 }; }
  exportPackage(id: number) {
    const p = this.packages.get(id);
    if (!p) throw err('not-found', `export ${id}: no such export package`);
    this.calls.push('exportPackage');
    return { exportId: id, kind: 'police-export', path: p, sha256: '00'.repeat(32) };
  }
  // Runs after the response has ended: not in `calls`, which the role test reads right after each answer.
  async packageDownloaded(id: number) { this.packages.delete(id); }
  private async pack(ids: string[], outPath: string) {
    for (const id of ids) this.must(id);
    await writeFile(outPath, 'package');
    const exportId = this.packages.size + 1;
    this.packages.set(exportId, outPath);
    return { exportId, path: outPath, password: randomBytes(12).toString('base64url'), sha256: '00'.repeat(32), clips: ids };
  }
  async exportForPolice(ids: string[], o: { outPath: string }) { this.calls.push('exportForPolice'); return this.pack(ids, o.outPath); }
  async exportForSubject(ids: string[], o: { outPath: string }) { this.calls.push('exportForSubject'); return this.pack(ids, o.outPath); }
}

/** Redaction cases over FakeEvidence: one case, rd-000000000001; calls land in the evidence's call list. */
export class FakeRedaction implements RedactionApi {
  static readonly CASE = 'rd-000000000001';
  constructor(private readonly ev: FakeEvidence) {}
  private must(caseId: string) { if (caseId !== FakeRedaction.CASE) throw err('not-found', `redaction case ${caseId} not found`); }
  async start(clipIds: string[], o: { subject: string }) { for (const id of clipIds) if (!this.ev.get(id)) throw err('not-found', `clip ${id} not found`); this.ev.calls.push('redact-start'); return { caseId: FakeRedaction.CASE, subject: o.subject }; }
  show(caseId: string) { this.must(caseId); this.ev.calls.push('redact-show'); return { caseId }; }
  edit(caseId: string, e: RedactEdit) { this.must(caseId); this.ev.calls.push('redact-edit'); return { caseId, edit: e }; }
  async preview(caseId: string, clipId: string) { this.must(caseId); this.ev.calls.push('redact-preview'); return this.ev.openPlaintext(clipId); }
  approve(caseId: string) { this.must(caseId); this.ev.calls.push('redact-approve'); return { caseId }; }
  async package(caseId: string, o: { outPath: string }) {
    this.must(caseId);
    this.ev.calls.push('redact-package');
    await writeFile(o.outPath, 'package');
    return { path: o.outPath, password: 'x', sha256: '00'.repeat(32), clips: ['c1'] };
  }
}
