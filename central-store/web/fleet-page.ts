// The fleet page: docks and cameras as ingest knows them (last seen, last offload, clips stored, clips
// recorded but not yet offloaded, recent faults) and as each dock's newest heartbeat says (its queue and
// spool; each camera's firmware version and slot, free flash and clips still on it at its last offload).
// Rendered like pages.ts: every value escaped.
import type { CameraSeen, DockSeen } from '../index/tables/fleet.js';
import type { HeartbeatBody } from '../../shared/mqtt/codec.js';
import { html, layout, type PageCtx } from './pages.js';

export type Heartbeat = HeartbeatBody & { receivedAt: string };
const utc = (s: string | null | undefined) => s ? s.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '—';
/** "3 min ago" style age against the page's clock, so a stale dock stands out. */
const age = (c: PageCtx, iso: string | null, now: number) => {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? c.t.agoS(s) : s < 7200 ? c.t.agoMin(Math.round(s / 60)) : s < 172_800 ? c.t.agoH(Math.round(s / 3600)) : c.t.agoD(Math.round(s / 86_400));
};
const size = (n: number | null | undefined) => n === null || n === undefined ? '—' : n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${(n / 2 ** 20).toFixed(0)} MiB`;

export function fleetPage(c: PageCtx, o: { docks: DockSeen[]; cameras: CameraSeen[]; heartbeats?: Heartbeat[]; now: number }): string {
  const hbs = o.heartbeats ?? [];
  const beatOf = new Map(hbs.map((h) => [h.dockId, h]));
  // A camera's newest report from any dock (the dock that saw it last).
  const camOf = new Map<string, HeartbeatBody['cameras'][number] & { dockId: string }>();
  for (const h of hbs) for (const x of h.cameras) { const p = camOf.get(x.deviceId); if (!p || p.seenAt < x.seenAt) camOf.set(x.deviceId, { ...x, dockId: h.dockId }); }
  const dockIds = [...new Set([...o.docks.map((d) => d.dockId), ...hbs.map((h) => h.dockId)])];
  const docks = dockIds.map((id) => {
    const d = o.docks.find((x) => x.dockId === id);
    const h = beatOf.get(id);
    const q = h?.queue;
    const waiting = q ? q.pulling + q.pulled + q.uploading : null;
    return html`<tr data-dock="${id}"><td>${id}</td><td class="mono">${utc(d?.lastSeen)}</td><td>${age(c, d?.lastSeen ?? null, o.now)}</td><td>${d?.cameras ?? 0}</td><td>${d?.clips ?? 0}</td>
<td class="mono hb-at">${h ? utc(h.receivedAt) : '—'}</td><td class="hb-age ${h && o.now - Date.parse(h.receivedAt) > 10 * 60_000 ? 'warn' : ''}">${h ? age(c, h.receivedAt, o.now) : c.t.noHeartbeat}</td>
<td class="queue ${waiting ? 'warn' : ''}" title="${q ? c.t.queueDetail(q.pulling, q.pulled, q.uploading, q.receipted, q.wiped) : ''}">${waiting ?? '—'}</td><td class="spool">${size(h?.spoolFreeBytes)}</td></tr>`;
  });
  const camIds = [...new Set([...o.cameras.map((x) => x.deviceId), ...camOf.keys()])];
  const cams = camIds.map((id) => {
    const x = o.cameras.find((y) => y.deviceId === id);
    const r = camOf.get(id);
    const fw = r?.firmware ? `${r.firmware.version} (${r.firmware.slot}${r.firmware.trial ? `, ${c.t.onTrial}` : ''})` : '—';
    return html`<tr data-camera="${id}"><td>${id}</td><td class="mono">${utc(x?.lastSeen)}</td><td>${age(c, x?.lastSeen ?? null, o.now)}</td><td>${x?.lastDock ?? r?.dockId ?? '—'}</td>
<td class="mono">${utc(x?.lastOffload)}</td><td>${x?.clips ?? 0}</td><td class="${x?.backlog ? 'warn' : ''}">${x?.backlog ?? 0}</td><td class="on-camera">${r ? r.clipsOnCamera : '—'}</td>
<td class="mono fw">${fw}</td><td class="flash">${size(r?.flashFreeBytes)}</td><td class="mono">${utc(x?.lastLogAt)}</td>
<td>${x?.faults.length ? x.faults.map((f) => html`<span class="badge denied" title="${utc(f.at)}">${f.kind}</span> `) : '—'}</td></tr>`;
  });
  return layout(c, c.t.fleet, html`<h1>${c.t.fleet}</h1><p class="hint">${c.t.fleetNote}</p>
<div class="card"><h2>${c.t.docks}</h2>${docks.length ? html`<table id="docks"><thead><tr><th>${c.t.dock}</th><th>${c.t.lastSeen}</th><th></th><th>${c.t.cameras}</th><th>${c.t.clipsStored}</th><th>${c.t.heartbeat}</th><th></th><th>${c.t.dockQueue}</th><th>${c.t.spoolFree}</th></tr></thead><tbody>${docks}</tbody></table>` : html`<p>${c.t.nothingYet}</p>`}
<p class="hint">${c.t.heartbeatNote}</p></div>
<div class="card"><h2>${c.t.cameras}</h2>${cams.length ? html`<table id="cameras"><thead><tr><th>${c.t.camera}</th><th>${c.t.lastSeen}</th><th></th><th>${c.t.via}</th><th>${c.t.lastOffload}</th><th>${c.t.clipsStored}</th><th>${c.t.backlog}</th><th>${c.t.onCamera}</th><th>${c.t.firmwareSlot}</th><th>${c.t.flashFree}</th><th>${c.t.lastLog}</th><th>${c.t.faults}</th></tr></thead><tbody>${cams}</tbody></table>` : html`<p>${c.t.nothingYet}</p>`}</div>`);
}
