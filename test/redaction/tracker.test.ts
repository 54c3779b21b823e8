// Face tracks from sparse detections: linking, interpolation, hold, pad, clipping (logic only).
import test from 'ava';
import { buildTracks, clampBox, iou, trackBoxAt, TRACK_DEFAULTS } from '../../central-store/redaction/tracker.js';

const face = (x: number, y: number, w = 40, score = 0.9) => ({ x, y, w, h: w, score });
const o = { ...TRACK_DEFAULTS, pad: 0, holdFrames: 4, maxGapFrames: 6 };

test('iou: identical boxes 1, disjoint 0, half-shifted 1/3', (t) => {
  t.is(iou({ x: 0, y: 0, w: 10, h: 10 }, { x: 0, y: 0, w: 10, h: 10 }), 1);
  t.is(iou({ x: 0, y: 0, w: 10, h: 10 }, { x: 20, y: 0, w: 10, h: 10 }), 0);
  t.is(iou({ x: 0, y: 0, w: 10, h: 10 }, { x: 5, y: 0, w: 10, h: 10 }), 50 / 150);
});

test('detections that overlap from frame to frame form one track each; a far one starts a new track', (t) => {
  const tracks = buildTracks([
    { frame: 0, faces: [face(10, 10), face(200, 10)] },
    { frame: 2, faces: [face(205, 12), face(14, 10)] },
    { frame: 4, faces: [face(18, 10), face(210, 14), face(400, 300)] },
  ], o);
  t.deepEqual(tracks.map((x) => [x.id, x.keys.map((k) => k[1])]), [['t1', [10, 14, 18]], ['t2', [200, 205, 210]], ['t3', [400]]]);
  t.deepEqual(tracks[0]!.keys[0], [0, 10, 10, 40, 40, 90]);
});

test('a track resumes after a short gap but not after a long one', (t) => {
  const short = buildTracks([{ frame: 0, faces: [face(10, 10)] }, { frame: 6, faces: [face(12, 10)] }], o);
  t.is(short.length, 1);
  const long = buildTracks([{ frame: 0, faces: [face(10, 10)] }, { frame: 7, faces: [face(12, 10)] }], o);
  t.is(long.length, 2);
});

test('boxes are interpolated between detections (centre; the larger size) and held before the first and after the last', (t) => {
  const [tr] = buildTracks([{ frame: 10, faces: [face(0, 0)] }, { frame: 14, faces: [face(8, 4, 48)] }], o);
  // Centres (20,20) and (32,28): halfway (26,24); size the larger of the two, 48.
  t.deepEqual(trackBoxAt(tr!, 12, o), { x: 2, y: 0, w: 48, h: 48 });
  t.deepEqual(trackBoxAt(tr!, 10, o), { x: -4, y: -4, w: 48, h: 48 }, 'at a detection: as large as its neighbour');
  t.deepEqual(trackBoxAt(tr!, 6, o), { x: 0, y: 0, w: 40, h: 40 }, 'held 4 frames before');
  t.is(trackBoxAt(tr!, 5, o), null);
  t.deepEqual(trackBoxAt(tr!, 18, o), { x: 8, y: 4, w: 48, h: 48 }, 'held 4 frames after');
  t.is(trackBoxAt(tr!, 19, o), null);
  // One small detection between two large ones does not shrink the box around it.
  const [dip] = buildTracks([{ frame: 0, faces: [face(0, 0, 60)] }, { frame: 3, faces: [face(10, 10, 30)] }, { frame: 6, faces: [face(6, 0, 60)] }], o);
  for (const f of [1, 2, 3, 4, 5]) t.is(trackBoxAt(dip!, f, o)!.w, 60, `frame ${f}`);
  t.deepEqual(trackBoxAt(dip!, 3, o), { x: -5, y: -5, w: 60, h: 60 }, 'centred on the small detection');
});

test('pad adds a margin on every side', (t) => {
  const [tr] = buildTracks([{ frame: 0, faces: [face(100, 100, 50)] }], o);
  t.deepEqual(trackBoxAt(tr!, 0, { ...o, pad: 0.2 }), { x: 90, y: 90, w: 70, h: 70 });
});

test('clampBox clips to the picture and rounds outwards; nothing left gives null', (t) => {
  t.deepEqual(clampBox({ x: -5.5, y: 10.2, w: 20, h: 10.1 }, 100, 100), { x: 0, y: 10, w: 15, h: 11 });
  t.deepEqual(clampBox({ x: 90, y: 95, w: 20, h: 20 }, 100, 100), { x: 90, y: 95, w: 10, h: 5 });
  t.is(clampBox({ x: 100, y: 0, w: 5, h: 5 }, 100, 100), null);
});
