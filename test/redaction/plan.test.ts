// The redaction plan: schema, checks against its own video, canonical form and hash (logic only).
import test from 'ava';
import { createHash } from 'node:crypto';
import { boxesAt, canonicalJson, checkPlan, planHash } from '../../central-store/redaction/plan.js';
import { muteFilter } from '../../central-store/redaction/render.js';

const base = () => ({
  v: 1, clipId: 'clip-1', sourceSha256: 'ab'.repeat(32), video: { width: 640, height: 360, fps: '25/1', frames: 50 },
  detector: { model: 'blazeface', every: 2, minScore: 0.3 }, track: { maxGapFrames: 12, holdFrames: 2, pad: 0, minIou: 0.15 },
  tracks: [{ id: 't1', keys: [[10, 100, 100, 50, 50, 90], [20, 120, 100, 50, 50, 80]] }, { id: 't2', keys: [[0, 600, 300, 80, 80, 70]] }],
  keep: ['t1'], boxes: [{ id: 'b1', from: 5, to: 6, x: 0, y: 0, w: 10, h: 10 }], mutes: [{ from: 0.5, to: 1 }], muteAll: false, reason: 'bystanders',
});

test('canonical form: keys sorted at every level, no spaces; the hash is SHA-256 of it', (t) => {
  t.is(canonicalJson({ b: 1, a: [{ d: 'x', c: null }] }), '{"a":[{"c":null,"d":"x"}],"b":1}');
  const p = checkPlan(base());
  const reordered = checkPlan(Object.fromEntries(Object.entries(base()).reverse()));
  t.is(planHash(p), planHash(reordered));
  t.is(planHash(p), createHash('sha256').update(canonicalJson(p)).digest('hex'));
  t.not(planHash(p), planHash(checkPlan({ ...base(), boxes: [{ id: 'b1', from: 5, to: 6, x: 1, y: 0, w: 10, h: 10 }] })), 'one pixel of one box changes the hash');
  t.not(planHash(p), planHash(checkPlan({ ...base(), reason: 'bystanders.' })));
});

test('boxes at a frame: tracks not kept, manual boxes in range, clipped to the picture', (t) => {
  const p = checkPlan(base());
  t.deepEqual(boxesAt(p, 0), [{ x: 600, y: 300, w: 40, h: 60 }], 't2 clipped at the right and bottom edge; t1 kept');
  t.deepEqual(boxesAt(p, 5), [{ x: 0, y: 0, w: 10, h: 10 }], 'b1; t2 held 2 frames only');
  t.deepEqual(boxesAt(checkPlan({ ...base(), keep: [] }), 15), [{ x: 110, y: 100, w: 50, h: 50 }], 't1 interpolated');
  // 4:2:0 colour samples cover 2×2 pixels: odd edges widen outwards to even ones, within the picture.
  const odd = checkPlan({ ...base(), video: { ...base().video, width: 641, height: 361 }, boxes: [{ id: 'b1', from: 5, to: 6, x: 3, y: 5, w: 10, h: 7 }, { id: 'b2', from: 5, to: 5, x: 631, y: 351, w: 10, h: 10 }] });
  t.deepEqual(boxesAt(odd, 5), [{ x: 2, y: 4, w: 12, h: 8 }, { x: 630, y: 350, w: 11, h: 11 }]);
});

test('refusals name the field and the reason', (t) => {
  const bad = (over: object) => t.throws(() => checkPlan({ ...base(), ...over }))!.message;
  t.is(bad({ boxes: [{ id: 'b1', from: 40, to: 50, x: 0, y: 0, w: 5, h: 5 }] }), 'plan.boxes b1: frames 40-50 out of range (the clip has frames 0-49)');
  t.is(bad({ boxes: [{ id: 'b1', from: 4, to: 3, x: 0, y: 0, w: 5, h: 5 }] }), 'plan.boxes.0.to: to: must not be before from');
  t.is(bad({ keep: ['t3'] }), 'plan.keep: no track t3');
  t.is(bad({ tracks: [{ id: 't1', keys: [[50, 0, 0, 5, 5, 50]] }], keep: [] }), 'plan.tracks t1: frame 50 out of range (the clip has frames 0-49)');
  t.is(bad({ mutes: [{ from: 2, to: 3 }] }), 'plan.mutes: 2-3 s starts after the clip ends (2.00 s)');
  t.regex(bad({ extra: 1 }), /^plan: .*extra/);
});

test('mute filter: enable ranges, or the whole track', (t) => {
  t.is(muteFilter(checkPlan(base())), "volume=0:enable='between(t,0.5,1)'");
  t.is(muteFilter(checkPlan({ ...base(), mutes: [], muteAll: true })), 'volume=0');
  t.is(muteFilter(checkPlan({ ...base(), mutes: [] })), null);
});
