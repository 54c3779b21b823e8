// The office's only static assets, kept as strings so tsup bundles them into dist/ with the server
// and nothing is loaded from elsewhere. Served from /office/static/ with the strict CSP (no inline code).
import { createHash } from 'node:crypto';

export const CSS = `
:root { --ink:#1d2330; --muted:#5b6475; --line:#d9dee7; --bg:#f4f6f9; --card:#fff; --brand:#14365d; --accent:#1f6feb; --warn:#a3330b; --ok:#1a7f37; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:var(--ink); background:var(--bg); }
header.top { background:var(--brand); color:#fff; display:flex; align-items:center; gap:24px; padding:0 24px; height:56px; }
header.top .brand { font-weight:600; font-size:17px; letter-spacing:.2px; }
header.top nav a { color:#dfe8f5; text-decoration:none; margin-right:16px; }
header.top nav a.on { color:#fff; border-bottom:2px solid #fff; padding-bottom:4px; }
header.top .me { margin-left:auto; display:flex; align-items:center; gap:12px; font-size:14px; color:#dfe8f5; }
header.top .me form { margin:0; }
header.top .me button, header.top .me a.lang { background:transparent; border:1px solid #7f97b8; color:#fff; border-radius:6px; padding:4px 10px; font:inherit; cursor:pointer; text-decoration:none; }
main { max-width:1100px; margin:28px auto; padding:0 24px; }
h1 { font-size:22px; margin:0 0 16px; }
h2 { font-size:16px; margin:0 0 12px; color:var(--brand); }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:20px; margin-bottom:20px; }
.login { max-width:380px; margin:80px auto; }
.login h1 { text-align:center; }
label { display:block; font-size:13px; color:var(--muted); margin-bottom:4px; }
input, select, textarea { font:inherit; padding:7px 9px; border:1px solid #b9c1ce; border-radius:6px; width:100%; background:#fff; }
.field { margin-bottom:14px; }
.row { display:flex; gap:14px; flex-wrap:wrap; align-items:flex-end; }
.row .field { flex:1 1 150px; margin-bottom:0; }
button.primary { background:var(--accent); color:#fff; border:0; border-radius:6px; padding:8px 18px; font:inherit; cursor:pointer; }
button.danger { background:var(--warn); color:#fff; border:0; border-radius:6px; padding:8px 18px; font:inherit; cursor:pointer; }
.login button.primary { width:100%; }
.msg { padding:10px 14px; border-radius:6px; margin-bottom:16px; font-size:14px; }
.msg.err { background:#fdecea; color:#7a1d0a; border:1px solid #f3c2b8; }
.msg.ok { background:#e9f7ee; color:#0f5323; border:1px solid #b5e2c3; }
.hint { color:var(--muted); font-size:13px; }
table { width:100%; border-collapse:collapse; font-size:14px; }
th { text-align:left; color:var(--muted); font-weight:600; border-bottom:2px solid var(--line); padding:8px 10px; }
td { border-bottom:1px solid var(--line); padding:8px 10px; vertical-align:top; }
tr:hover td { background:#f8fafc; }
td.mono, .mono { font-family:ui-monospace, "DejaVu Sans Mono", monospace; font-size:13px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; background:#eef1f5; color:var(--muted); }
.badge.hold { background:#fff1e5; color:var(--warn); border:1px solid #f5c9a8; }
.badge.denied, .badge.error { background:#fdecea; color:#7a1d0a; }
.badge.ok { background:#e9f7ee; color:var(--ok); }
.pager { display:flex; gap:12px; align-items:center; margin-top:14px; }
.pager a { color:var(--accent); }
dl.meta { display:grid; grid-template-columns:200px 1fr; gap:6px 16px; margin:0; font-size:14px; }
dl.meta dt { color:var(--muted); }
dl.meta dd { margin:0; word-break:break-all; }
.grid { display:grid; grid-template-columns:minmax(0,3fr) minmax(0,2fr); gap:20px; }
video { width:100%; background:#000; border-radius:8px; aspect-ratio:16/9; }
.player-bar { display:flex; align-items:center; gap:12px; margin-top:10px; }
a { color:var(--accent); }
button { white-space:nowrap; }
#custody td:nth-child(-n+3) { white-space:nowrap; }
.timeline { position:relative; height:18px; margin-top:10px; background:#e6eaf0; border-radius:4px; }
.timeline .tick { position:absolute; top:0; width:6px; height:18px; margin-left:-3px; padding:0; border:0; border-radius:2px; cursor:pointer; }
.timeline .tick.camera { background:var(--warn); }
.timeline .tick.officer { background:var(--accent); }
form.inline { display:flex; gap:8px; margin:0; }
form.inline input { width:auto; flex:1 1 120px; padding:3px 6px; }
form.inline button { padding:3px 10px; }
a.badge { text-decoration:none; }
.row.actions { margin-top:14px; align-items:center; }
.row.actions form { margin:0; }
#log td:nth-child(6) { word-break:break-all; }
tr.unused td { background:#fff8f0; }
td.warn { color:var(--warn); font-weight:600; }
#grid td.yes { color:var(--ok); text-align:center; font-weight:600; }
#grid td.no { background:#fafbfc; }
#grid th.mono { font-size:12px; }
textarea { font-family:ui-monospace, "DejaVu Sans Mono", monospace; font-size:13px; }
th a.sort { color:inherit; text-decoration:none; }
th a.sort.on { color:var(--ink); }
button.seek { background:none; border:0; color:var(--accent); cursor:pointer; font:inherit; padding:0; }
`;

/**
 * The player: on Play, one POST (with the session's CSRF token in a header) to the clip's play route,
 * whose response is fragmented MP4 remuxed on the server; the bytes go into a MediaSource as they arrive.
 * The codec string comes from the init segment's avcC box.
 */
export const PLAYER_JS = `
'use strict';
(function () {
  var btn = document.getElementById('play');
  var video = document.getElementById('player');
  var status = document.getElementById('play-status');
  if (!btn || !video) return;
  // Markers: place the ticks along the clip's length; a tick or a marker's time seeks the player; the
  // add-marker form takes the player's position.
  var line = document.getElementById('timeline');
  var lengthMs = line ? Number(line.getAttribute('data-length-ms')) : 0;
  document.querySelectorAll('.timeline .tick').forEach(function (t) {
    var at = Number(t.getAttribute('data-offset-ms'));
    t.style.left = (lengthMs > 0 ? Math.min(100, 100 * at / lengthMs) : 0) + '%';
  });
  document.querySelectorAll('[data-offset-ms]').forEach(function (t) {
    if (t.id === 'timeline') return;
    t.addEventListener('click', function () { if (video.readyState > 0) video.currentTime = Number(t.getAttribute('data-offset-ms')) / 1000; });
  });
  var markAt = document.getElementById('marker-at');
  if (markAt) video.addEventListener('timeupdate', function () { if (document.activeElement !== markAt) markAt.value = video.currentTime.toFixed(1); });
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  function say(t) { if (status) status.textContent = t; }
  function concat(a, b) { var c = new Uint8Array(a.length + b.length); c.set(a, 0); c.set(b, a.length); return c; }
  function find(buf, a, b, c, d) {
    for (var i = 0; i + 8 < buf.length; i++) if (buf[i] === a && buf[i + 1] === b && buf[i + 2] === c && buf[i + 3] === d) return i;
    return -1;
  }
  // The init segment names the tracks: avcC gives the H.264 profile; an mp4a entry means AAC-LC (the server encodes it).
  function codecs(buf) {
    var i = find(buf, 0x61, 0x76, 0x63, 0x43);
    if (i < 0 || find(buf, 0x6d, 0x6f, 0x6f, 0x76) < 0 || find(buf, 0x6d, 0x76, 0x65, 0x78) < 0) return null;
    var h = function (x) { return (x < 16 ? '0' : '') + x.toString(16); };
    var v = 'avc1.' + h(buf[i + 5]) + h(buf[i + 6]) + h(buf[i + 7]);
    return find(buf, 0x6d, 0x70, 0x34, 0x61) >= 0 ? v + ', mp4a.40.2' : v;
  }
  btn.addEventListener('click', function () {
    btn.disabled = true;
    say('');
    var ms = new MediaSource();
    video.src = URL.createObjectURL(ms);
    ms.addEventListener('sourceopen', function () { run(ms).catch(function (e) { say(String(e && e.message || e)); }); }, { once: true });
  });
  function append(sb, data) {
    return new Promise(function (resolve, reject) {
      sb.addEventListener('updateend', resolve, { once: true });
      sb.addEventListener('error', function () { reject(new Error('the browser could not decode this clip')); }, { once: true });
      sb.appendBuffer(data);
    });
  }
  async function run(ms) {
    var res = await fetch(btn.getAttribute('data-url'), { method: 'POST', headers: { 'x-csrf-token': csrf }, credentials: 'same-origin' });
    if (!res.ok) { say(res.status + ' ' + (await res.text()).slice(0, 200)); return; }
    var reader = res.body.getReader();
    var sb = null, head = new Uint8Array(0);
    for (;;) {
      var r = await reader.read();
      if (r.done) break;
      if (!sb) {
        head = concat(head, r.value);
        var codec = codecs(head);
        if (!codec) continue;
        sb = ms.addSourceBuffer('video/mp4; codecs="' + codec + '"');
        video.setAttribute('data-codecs', codec);
        await append(sb, head);
        video.muted = true;
        video.play().catch(function () {});
        continue;
      }
      await append(sb, r.value);
    }
    if (sb && ms.readyState === 'open') ms.endOfStream();
    video.setAttribute('data-loaded', '1');
  }
})();
`;

export const ASSETS: Record<string, { type: string; body: string; etag: string }> = Object.fromEntries(
  [['office.css', 'text/css; charset=utf-8', CSS], ['player.js', 'text/javascript; charset=utf-8', PLAYER_JS]].map(([name, type, body]) =>
    [name, { type, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` }]),
);
