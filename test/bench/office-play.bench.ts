// Office playback, measured against baselines in the same run:
// - Play → first frame (the video's 'loadeddata') in Debian's Chromium through the office (POST, Operations.video,
//   decrypt + verify, ffmpeg remux, MSE), vs the same fMP4 bytes already in memory served by a bare HTTP server
//   into the same MSE code (the browser's own share);
// - whole-clip stream rate of the play route (decrypt + verify + remux + HTTP), vs decrypt + verify alone
//   (EvidenceStore.openPlaintext) and vs ffmpeg's remux alone over the plaintext held in memory.
// Flags: --plays N (5), --seconds S (30: length of the 1280×720 clip for the rate).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { remuxToFmp4 } from '../../central-store/web/playback.js';
import { PW } from '../store/helpers.js';
import { epochAt, T0, DAY } from '../store/store-helpers.js';
import { addVideoClip, h264Ts, startOffice, USERS } from '../web/office-fixture.js';
import { arg, r2 } from './mqtt-bench-lib.js';

const PLAYS = arg('plays', 5);
const SECONDS = arg('seconds', 30);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const drain = async (s: AsyncIterable<unknown>) => { let n = 0; for await (const c of s) n += (c as Buffer).length; return n; };

/** The office player's MSE steps (central-store/web/assets.ts) over bytes already in memory; resolves with ms to 'loadeddata'. */
const BARE_MSE = `(async function () {
  var v = document.getElementById('player');
  var t0 = performance.now();
  var ms = new MediaSource();
  v.src = URL.createObjectURL(ms);
  await new Promise(function (r) { ms.addEventListener('sourceopen', r, { once: true }); });
  var done = new Promise(function (resolve) { v.addEventListener('loadeddata', function () { resolve(performance.now() - t0); }, { once: true }); });
  var buf = new Uint8Array(await (await fetch('/v.mp4')).arrayBuffer());
  function find(a) { for (var i = 0; i + 8 < buf.length; i++) { var ok = true; for (var k = 0; k < 4; k++) if (buf[i + k] !== a[k]) { ok = false; break; } if (ok) return i; } return -1; }
  function h(x) { return (x < 16 ? '0' : '') + x.toString(16); }
  var i = find([0x61, 0x76, 0x63, 0x43]);
  var codec = 'avc1.' + h(buf[i + 5]) + h(buf[i + 6]) + h(buf[i + 7]) + (find([0x6d, 0x70, 0x34, 0x61]) >= 0 ? ', mp4a.40.2' : '');
  var sb = ms.addSourceBuffer('video/mp4; codecs="' + codec + '"');
  sb.appendBuffer(buf);
  v.play().catch(function () {});
  return done;
})()`;

const o = await startOffice();
try {
  const epoch = await epochAt(o.f, T0 + DAY, 'epoch-bench');
  process.stderr.write(`office-play bench: encoding a ${SECONDS} s 1280x720 clip\n`);
  const long = await addVideoClip(o.f, { epoch, startedAt: T0 + DAY + 3600_000, deviceId: 'cam-bench', purpose: 'crime-prevention', ts: h264Ts(SECONDS, 'bench', true).subarray(0), seconds: SECONDS });

  // Plaintext and fMP4 of the short clip, in this process's memory only (the baselines' inputs).
  const plainShort = Buffer.concat(await Readable.from(await o.f.store.openPlaintext(o.video)).toArray());
  const fmp4Short = await (async () => { const r = remuxToFmp4(Readable.from([plainShort])); const out = Buffer.concat(await r.output.toArray()); await r.done; return out; })();

  // Play → first frame through the office.
  const page = await o.page();
  await o.signIn(page, USERS.officer, PW);
  const office: number[] = [];
  for (let i = 0; i < PLAYS; i++) {
    await page.goto(`${o.base}/office/clips/${o.video}`);
    const ms = await page.evaluate(`new Promise(function (resolve) {
      var v = document.getElementById('player');
      var t0 = performance.now();
      v.addEventListener('loadeddata', function () { resolve(performance.now() - t0); }, { once: true });
      document.getElementById('play').click();
    })`) as number;
    office.push(ms);
  }
  // Baseline: the same bytes from memory over plain HTTP into the same MSE append loop.
  const bare = http.createServer((req, res) => {
    if (req.url === '/v.mp4') return void res.writeHead(200, { 'content-type': 'video/mp4' }).end(fmp4Short);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><video id="player" muted></video>');
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const bareBase = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  const bp = await o.page();
  const baseline: number[] = [];
  for (let i = 0; i < PLAYS; i++) {
    await bp.goto(`${bareBase}/`);
    // A string, not a function: the bundler's helper names (__name) do not exist in the page.
    baseline.push(await bp.evaluate(BARE_MSE) as number);
  }
  bare.close();

  // Whole-clip rate of the play route, from node (cookie + CSRF of the signed-in page).
  const cookie = (await page.context().cookies(`${o.base}/office/`)).map((c) => `${c.name}=${c.value}`).join('; ');
  await page.goto(`${o.base}/office/clips/${long}`);
  const csrf = (await page.getAttribute('meta[name="csrf-token"]', 'content'))!;
  const plainLong = Buffer.concat(await Readable.from(await o.f.store.openPlaintext(long)).toArray());
  const rate = async (fn: () => Promise<number>) => { const xs: number[] = []; for (let i = 0; i < 3; i++) { const t0 = performance.now(); await fn(); xs.push(performance.now() - t0); } return median(xs); };
  const playMs = await rate(async () => {
    const r = await fetch(`${o.base}/office/clips/${long}/play`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, origin: o.base } });
    if (r.status !== 200) throw new Error(`play ${r.status}`);
    return drain(r.body as unknown as AsyncIterable<unknown>);
  });
  const decryptMs = await rate(async () => drain(Readable.from(await o.f.store.openPlaintext(long))));
  const remuxMs = await rate(async () => { const r = remuxToFmp4(Readable.from([plainLong])); const n = await drain(r.output); await r.done; return n; });
  // One playback = one 'view' entry (plays + 3 rate runs); a play cut short by the next page load adds an 'error' one.
  const views = (await o.log.entries()).filter((e) => e.action === 'view' && e.user === USERS.officer && e.outcome === 'ok').length;
  const mbps = (ms: number) => r2(plainLong.length / 1e6 / (ms / 1000));
  process.stdout.write(`${JSON.stringify({
    plays: PLAYS, firstFrameMs: { officeMedian: r2(median(office)), officeMax: r2(Math.max(...office)), bareMseMedian: r2(median(baseline)), ratio: r2(median(office) / median(baseline)) },
    stream: {
      clipSeconds: SECONDS, plaintextMB: r2(plainLong.length / 1e6),
      playRouteMBps: mbps(playMs), decryptVerifyOnlyMBps: mbps(decryptMs), ffmpegRemuxOnlyMBps: mbps(remuxMs),
      realtimeFactor: r2((SECONDS * 1000) / playMs), ratioPlayVsRemuxOnly: r2(remuxMs / playMs), ratioPlayVsDecryptOnly: r2(decryptMs / playMs),
    },
    viewEntriesOk: views, expectedViewEntries: PLAYS + 3,
  })}\n`);
} finally {
  await o.close();
}
