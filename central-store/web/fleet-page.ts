// The fleet page: docks and cameras as ingest knows them (last seen, last offload, clips stored, clips
// recorded but not yet offloaded, recent faults). Rendered like pages.ts: every value escaped.
import type { CameraSeen, DockSeen } from '../clips-index.js';
import { html, layout, type PageCtx } from './pages.js';

const utc = (s: string | null | undefined) => s ? s.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '—';
/** "3 min ago" style age against the page's clock, so a stale dock stands out. */
const age = (c: PageCtx, iso: string | null, now: number) => {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? c.t.agoS(s) : s < 7200 ? c.t.agoMin(Math.round(s / 60)) : s < 172_800 ? c.t.agoH(Math.round(s / 3600)) : c.t.agoD(Math.round(s / 86_400));
};

export function fleetPage(c: PageCtx, o: { docks: DockSeen[]; cameras: CameraSeen[]; now: number }): string {
  const docks = o.docks.map((d) => html`<tr><td>${d.dockId}</td><td class="mono">${utc(d.lastSeen)}</td><td>${age(c, d.lastSeen, o.now)}</td><td>${d.cameras}</td><td>${d.clips}</td></tr>`);
  const cams = o.cameras.map((x) => html`<tr><td>${x.deviceId}</td><td class="mono">${utc(x.lastSeen)}</td><td>${age(c, x.lastSeen, o.now)}</td><td>${x.lastDock}</td>
<td class="mono">${utc(x.lastOffload)}</td><td>${x.clips}</td><td class="${x.backlog ? 'warn' : ''}">${x.backlog}</td><td class="mono">${utc(x.lastLogAt)}</td>
<td>${x.faults.length ? x.faults.map((f) => html`<span class="badge denied" title="${utc(f.at)}">${f.kind}</span> `) : '—'}</td></tr>`);
  return layout(c, c.t.fleet, html`<h1>${c.t.fleet}</h1><p class="hint">${c.t.fleetNote}</p>
<div class="card"><h2>${c.t.docks}</h2>${o.docks.length ? html`<table id="docks"><thead><tr><th>${c.t.dock}</th><th>${c.t.lastSeen}</th><th></th><th>${c.t.cameras}</th><th>${c.t.clipsStored}</th></tr></thead><tbody>${docks}</tbody></table>` : html`<p>${c.t.nothingYet}</p>`}</div>
<div class="card"><h2>${c.t.cameras}</h2>${o.cameras.length ? html`<table id="cameras"><thead><tr><th>${c.t.camera}</th><th>${c.t.lastSeen}</th><th></th><th>${c.t.via}</th><th>${c.t.lastOffload}</th><th>${c.t.clipsStored}</th><th>${c.t.backlog}</th><th>${c.t.lastLog}</th><th>${c.t.faults}</th></tr></thead><tbody>${cams}</tbody></table>` : html`<p>${c.t.nothingYet}</p>`}</div>`);
}
