// The redaction step of a data subject's access copy (docs/redaction.md) in the office: the proposed
// face tracks per clip, which stay visible (the subject's own), manual boxes for frame ranges, muted
// sound, the reason, a preview, approval, and the package. Rendered like pages.ts: every value escaped.
import type { CaseView } from '../redaction/service.js';
import { html, layout, type Html, type PageCtx } from './pages.js';

type Msg = { kind: 'ok' | 'err'; text: string };
const msg = (m?: Msg) => m ? html`<div class="msg ${m.kind}" role="${m.kind === 'err' ? 'alert' : 'status'}" id="msg">${m.text}</div>` : html``;
const utc = (s: string | null | undefined) => s ? s.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '—';
const csrf = (c: PageCtx) => html`<input type="hidden" name="_csrf" value="${c.me!.csrf}">`;

export interface PackageDone { file: string; password: string; sha256: string; clips: number; exportId?: number }

export function redactionPage(c: PageCtx, o: { view: CaseView; clipId?: string; message?: Msg; done?: PackageDone }): string {
  const v = o.view;
  const t = c.t;
  const base = `/office/redactions/${encodeURIComponent(v.caseId)}`;
  const clip = v.clips.find((x) => x.clipId === o.clipId) ?? v.clips[0]!;
  const approved = v.clips.every((x) => x.state === 'approved');
  const open = clip.state !== 'approved';
  const edit = (op: string, body: Html, id: string) => html`<form method="post" action="${base}/edit" id="${id}">${csrf(c)}<input type="hidden" name="clipId" value="${clip.clipId}"><input type="hidden" name="op" value="${op}">${body}</form>`;
  const clips = v.clips.map((x) => html`<tr class="${x.clipId === clip.clipId ? 'on' : ''}"><td class="mono"><a href="${base}?clip=${encodeURIComponent(x.clipId)}" class="redact-clip">${x.clipId}</a></td>
<td><span class="badge ${x.state === 'approved' ? 'ok' : 'hold'}">${x.state === 'approved' ? t.approved : t.proposed}</span></td><td>${x.video.frames}</td><td>${x.tracks.length}</td><td>${x.keep.length}</td><td>${x.boxes.length}</td>
<td>${x.muteAll ? t.muteAllShort : x.mutes.length}</td><td>${x.reason ? '✔' : '—'}</td></tr>`);
  const fps = clip.video.fps;
  const tracks = clip.tracks.map((k) => html`<tr><td class="mono">${k.id}</td><td><input type="checkbox" name="keep_${k.id}" id="keep-${k.id}"${k.kept ? html` checked` : ''}${open ? '' : html` disabled`} aria-label="${t.keepVisible} ${k.id}"></td>
<td class="mono">${k.fromFrame}–${k.toFrame}</td><td>${k.detections}</td><td>${k.maxScore.toFixed(2)}</td><td class="mono">${k.firstBox.join(', ')}</td></tr>`);
  const boxes = clip.boxes.map((b) => html`<tr><td class="mono">${b.id}</td><td class="mono">${b.from}–${b.to}</td><td class="mono">${b.x}, ${b.y}, ${b.w}, ${b.h}</td><td>${b.note ?? ''}</td>
<td>${open ? edit('unbox', html`<input type="hidden" name="box" value="${b.id}"><button class="danger" type="submit" id="unbox-${b.id}">${t.remove}</button>`, `unbox-form-${b.id}`) : ''}</td></tr>`);
  const mutes = clip.mutes.map((m) => html`<li class="mono">${m.from}–${m.to} s</li>`);
  const num = (name: string, label: string, max: number, step = '1') => html`<div class="field"><label for="${name}">${label}</label><input id="${name}" name="${name}" type="number" min="0" max="${max}" step="${step}" required></div>`;
  const w = clip.video.width; const h = clip.video.height; const last = clip.video.frames - 1;
  const seconds = clip.video.frames / (Number(fps.split('/')[0]) / Number(fps.split('/')[1] || 1));
  return layout(c, `${t.redaction} ${v.caseId}`, html`<h1>${t.redaction} <span class="mono" id="case-id">${v.caseId}</span></h1>${msg(o.message)}
${o.done ? html`<div class="card" id="export-done"><h2>${t.dsarPackage} · ${t.redacted}</h2><p>${t.packageMade(o.done.clips)}</p><dl class="meta"><dt>${t.password}</dt><dd class="mono" id="package-password">${o.done.password}</dd>
<dt>${t.file}</dt><dd class="mono" id="package-file">${o.done.file}</dd><dt>${t.sha256}</dt><dd class="mono">${o.done.sha256}</dd></dl><p class="msg err">${t.passwordOnce}</p>
${o.done.exportId ? html`<p><a href="/office/exports/${o.done.exportId}/package" id="download" download>${t.downloadPackage}</a></p><p class="hint">${t.downloadOnce}</p>` : ''}</div>` : ''}
<div class="card"><dl class="meta"><dt>${t.subject}</dt><dd id="redact-subject">${v.subject}</dd><dt>${t.who}</dt><dd>${v.createdBy} · ${utc(v.createdAt)}</dd><dt>${t.planKeptUntil}</dt><dd class="mono">${utc(v.deleteAfter)}</dd></dl>
<table id="redact-clips"><thead><tr><th>${t.clip}</th><th>${t.state}</th><th>${t.frames}</th><th>${t.faceTracks}</th><th>${t.keptVisible}</th><th>${t.manualBoxes}</th><th>${t.mutedRanges}</th><th>${t.reason}</th></tr></thead><tbody>${clips}</tbody></table>
<div class="row actions">${approved
    ? html`<form method="post" action="${base}/package">${csrf(c)}<button class="primary" type="submit" id="make-package">${t.makeRedactedPackage}</button></form>`
    : html`<form method="post" action="${base}/approve">${csrf(c)}<button class="primary" type="submit" id="approve">${t.approveAll}</button></form>`}</div>
<p class="hint">${approved ? t.approvedNote : t.approveNote}</p></div>
<h2>${t.clip} <span class="mono" id="redact-clip-id">${clip.clipId}</span> · ${w}×${h}, ${clip.video.frames} ${t.frames} (${fps})</h2>
<div class="grid"><div>
<div class="card"><h2>${t.preview}</h2><video id="player" controls playsinline></video><div class="player-bar"><button class="primary" id="play" data-url="${base}/clips/${encodeURIComponent(clip.clipId)}/preview">▶ ${t.preview}</button><span class="hint" id="play-status">${t.previewNote}</span></div><script src="/office/static/player.js" defer></script></div>
<div class="card"><h2>${t.faceTracks}</h2><p class="hint">${t.tracksNote}</p>${clip.tracks.length ? edit('keep', html`<input type="hidden" name="tracks" value="${clip.tracks.map((k) => k.id).join(',')}">
<table id="tracks"><thead><tr><th>${t.track}</th><th>${t.keepVisible}</th><th>${t.frames}</th><th>${t.detections}</th><th>${t.score}</th><th>${t.firstBox}</th></tr></thead><tbody>${tracks}</tbody></table>
${open ? html`<button class="primary" type="submit" id="save-keep">${t.saveKeep}</button>` : ''}`, 'keep-form') : html`<p id="no-tracks">${t.noTracks}</p>`}</div>
</div><div>
<div class="card"><h2>${t.manualBoxes}</h2>${clip.boxes.length ? html`<table id="boxes"><thead><tr><th></th><th>${t.frames}</th><th>x, y, w, h</th><th>${t.note}</th><th></th></tr></thead><tbody>${boxes}</tbody></table>` : html`<p id="no-boxes">${t.noBoxes}</p>`}
${open ? edit('box', html`<div class="row">${num('from', t.fromFrame, last)}${num('to', t.toFrame, last)}</div><div class="row">${num('x', 'x', w - 1)}${num('y', 'y', h - 1)}${num('w', 'w', w)}${num('h', 'h', h)}</div>
<div class="field"><label for="box-note">${t.note}</label><input id="box-note" name="note" maxlength="200"></div><button class="primary" type="submit" id="add-box">${t.addBox}</button>`, 'box-form') : ''}</div>
<div class="card"><h2>${t.sound}</h2><p id="mute-state">${clip.muteAll ? t.muteAllOn : clip.mutes.length ? t.mutedRanges : t.noMutes}</p>${mutes.length ? html`<ul id="mutes">${mutes}</ul>` : ''}
${open ? html`${edit('mute', html`<div class="row">${num('mute-from', t.fromSeconds, Math.ceil(seconds), '0.1')}${num('mute-to', t.toSeconds, Math.ceil(seconds), '0.1')}<div><button class="primary" type="submit" id="add-mute">${t.addMute}</button></div></div>`, 'mute-form')}
<div class="row actions">${edit('muteall', html`<input type="hidden" name="muteAll" value="${clip.muteAll ? 'false' : 'true'}"><button class="${clip.muteAll ? 'primary' : 'danger'}" type="submit" id="mute-all">${clip.muteAll ? t.unmuteAll : t.muteAll}</button>`, 'mute-all-form')}
${clip.mutes.length ? edit('unmute', html`<button class="danger" type="submit" id="clear-mutes">${t.clearMutes}</button>`, 'clear-mutes-form') : ''}</div>` : ''}</div>
<div class="card"><h2>${t.reason}</h2>${open ? edit('reason', html`<div class="field"><label for="redact-reason">${t.redactReasonLabel}</label><textarea id="redact-reason" name="reason" rows="3" maxlength="500" required>${clip.reason}</textarea></div>
<button class="primary" type="submit" id="save-reason">${t.saveReason}</button>`, 'reason-form') : html`<p id="redact-reason-text">${clip.reason}</p><p class="hint">${t.approvedBy(clip.approvedBy ?? '—', utc(clip.approvedAt))}</p>`}</div>
</div></div>`);
}
