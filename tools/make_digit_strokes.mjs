// Writes tests/fixtures/digit-strokes.json: pen paths for the ten digits, as a person would draw
// them on the 280x280 digit pad, for Playwright to replay with page.mouse (down, move through the
// points, up). Each digit is sketched in a unit box (height 1, y down) as Catmull-Rom splines and
// straight segments, then scaled, slanted and placed a little differently, like real handwriting,
// and resampled to a point every ~9 px. Deterministic: no randomness.
//
//   node tools/make_digit_strokes.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SIZE = 280;
const STEP = 9; // pad pixels between replayed points

/** Dense points along a Catmull-Rom spline through pts (passes through every point). */
function spline(pts, per = 24) {
  const out = [];
  for (let i = 0; i < pts.length - 1; i++) {
    const p0 = pts[Math.max(0, i - 1)],
      p1 = pts[i],
      p2 = pts[i + 1],
      p3 = pts[Math.min(pts.length - 1, i + 2)];
    for (let k = 0; k < per; k++) {
      const t = k / per,
        t2 = t * t,
        t3 = t2 * t;
      const f = (a, b, c, d) =>
        0.5 *
        (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3);
      out.push([f(p0[0], p1[0], p2[0], p3[0]), f(p0[1], p1[1], p2[1], p3[1])]);
    }
  }
  out.push(pts[pts.length - 1]);
  return out;
}

/** Dense points along an ellipse from angle a0 to a1 (degrees, screen coordinates). */
function arc(cx, cy, rx, ry, a0, a1, per = 90) {
  const out = [];
  const n = Math.max(2, Math.ceil((Math.abs(a1 - a0) / 360) * per));
  for (let k = 0; k <= n; k++) {
    const a = ((a0 + ((a1 - a0) * k) / n) * Math.PI) / 180;
    out.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return out;
}

const line = (a, b) => [a, b];

/** Joins pieces of one stroke (a corner where they meet). */
const join_ = (...parts) => parts.flat();

// Unit-box sketches: y from 0 (top) to 1 (bottom), x roughly 0..0.65.
const SKETCH = {
  0: [arc(0.32, 0.5, 0.32, 0.5, -80, -80 - 375)],
  1: [
    spline([
      [0.36, 0.0],
      [0.33, 0.3],
      [0.3, 0.65],
      [0.28, 1.0],
    ]),
  ],
  2: [
    join_(
      spline([
        [0.04, 0.26],
        [0.12, 0.08],
        [0.3, 0.0],
        [0.5, 0.06],
        [0.57, 0.24],
        [0.5, 0.44],
        [0.32, 0.64],
        [0.14, 0.83],
        [0.02, 0.99],
      ]),
      line([0.02, 0.99], [0.64, 0.96]),
    ),
  ],
  3: [
    join_(
      spline([
        [0.04, 0.13],
        [0.22, 0.01],
        [0.45, 0.04],
        [0.54, 0.2],
        [0.45, 0.36],
        [0.24, 0.46],
      ]),
      spline([
        [0.24, 0.46],
        [0.48, 0.52],
        [0.6, 0.72],
        [0.5, 0.92],
        [0.26, 1.0],
        [0.02, 0.9],
      ]),
    ),
  ],
  4: [
    join_(line([0.12, 0.0], [0.04, 0.58]), line([0.04, 0.58], [0.66, 0.55])),
    line([0.5, 0.05], [0.46, 1.0]),
  ],
  5: [
    join_(
      line([0.1, 0.03], [0.06, 0.44]),
      spline([
        [0.06, 0.44],
        [0.28, 0.36],
        [0.5, 0.43],
        [0.59, 0.65],
        [0.5, 0.88],
        [0.28, 0.99],
        [0.03, 0.91],
      ]),
    ),
    line([0.1, 0.03], [0.6, 0.0]),
  ],
  6: [
    spline([
      [0.52, 0.0],
      [0.3, 0.14],
      [0.12, 0.38],
      [0.05, 0.64],
      [0.12, 0.88],
      [0.3, 1.0],
      [0.5, 0.92],
      [0.58, 0.73],
      [0.46, 0.56],
      [0.26, 0.54],
      [0.08, 0.68],
    ]),
  ],
  7: [
    join_(
      line([0.02, 0.04], [0.62, 0.02]),
      spline([
        [0.62, 0.02],
        [0.5, 0.3],
        [0.37, 0.62],
        [0.27, 1.0],
      ]),
    ),
  ],
  8: [
    spline([
      [0.52, 0.1],
      [0.32, 0.0],
      [0.1, 0.08],
      [0.1, 0.27],
      [0.3, 0.44],
      [0.52, 0.6],
      [0.57, 0.82],
      [0.42, 0.99],
      [0.2, 0.98],
      [0.06, 0.82],
      [0.12, 0.62],
      [0.32, 0.47],
      [0.5, 0.3],
      [0.53, 0.14],
      [0.42, 0.02],
    ]),
  ],
  9: [
    join_(
      spline([
        [0.54, 0.16],
        [0.38, 0.01],
        [0.15, 0.03],
        [0.05, 0.2],
        [0.13, 0.38],
        [0.36, 0.42],
        [0.52, 0.3],
        [0.56, 0.12],
      ]),
      spline([
        [0.56, 0.12],
        [0.55, 0.45],
        [0.52, 0.75],
        [0.48, 1.0],
      ]),
    ),
  ],
};

// Placement per digit: height in pad px, centre of the box, slant (top moves right by slant * h).
const PLACE = {
  0: { h: 178, cx: 136, cy: 142, slant: 0.08 },
  1: { h: 186, cx: 146, cy: 138, slant: 0.06 },
  2: { h: 168, cx: 132, cy: 146, slant: 0.0 },
  3: { h: 182, cx: 142, cy: 136, slant: 0.05 },
  4: { h: 176, cx: 128, cy: 140, slant: 0.04 },
  5: { h: 160, cx: 140, cy: 148, slant: 0.07 },
  6: { h: 190, cx: 134, cy: 138, slant: 0.03 },
  7: { h: 172, cx: 144, cy: 142, slant: 0.0 },
  8: { h: 184, cx: 138, cy: 140, slant: 0.06 },
  9: { h: 158, cx: 130, cy: 144, slant: 0.1 },
};

function place(points, { h, cx, cy, slant }) {
  let minX = Infinity,
    maxX = -Infinity;
  for (const [x] of points.flat()) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
  }
  const midX = (minX + maxX) / 2;
  return points.map((stroke) =>
    stroke.map(([x, y]) => [cx + (x - midX) * h + slant * h * (0.5 - y), cy + (y - 0.5) * h]),
  );
}

/** Resamples a dense polyline to points about `step` apart, keeping both ends and sharp corners. */
function resample(dense, step) {
  const out = [dense[0]];
  let acc = 0;
  for (let i = 1; i < dense.length; i++) {
    const [x0, y0] = dense[i - 1];
    const [x1, y1] = dense[i];
    acc += Math.hypot(x1 - x0, y1 - y0);
    const corner = i + 1 < dense.length && turn(dense[i - 1], dense[i], dense[i + 1]) > 50;
    if (acc >= step || corner || i === dense.length - 1) {
      out.push(dense[i]);
      acc = 0;
    }
  }
  return out;
}

/** Turning angle at b, in degrees. */
function turn(a, b, c) {
  const u = [b[0] - a[0], b[1] - a[1]],
    v = [c[0] - b[0], c[1] - b[1]];
  const lu = Math.hypot(...u),
    lv = Math.hypot(...v);
  if (lu < 1e-9 || lv < 1e-9) return 0;
  const cos = (u[0] * v[0] + u[1] * v[1]) / (lu * lv);
  return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
}

/** Line segments of two points are densified first so that resampling spaces them too. */
function densify(stroke) {
  const out = [stroke[0]];
  for (let i = 1; i < stroke.length; i++) {
    const [x0, y0] = stroke[i - 1];
    const [x1, y1] = stroke[i];
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (len < 1e-6) continue;
    const n = Math.max(1, Math.ceil(len));
    for (let k = 1; k <= n; k++) out.push([x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n]);
  }
  return out;
}

const round = (v) => Math.round(Math.min(SIZE - 2, Math.max(2, v)) * 10) / 10;

const digits = [];
for (let d = 0; d <= 9; d++) {
  const placed = place(SKETCH[d], PLACE[d]);
  const strokes = placed.map((s) =>
    resample(densify(s), STEP).map(([x, y]) => [round(x), round(y)]),
  );
  digits.push({ label: d, strokes });
}

const here = dirname(fileURLToPath(import.meta.url));
const file = join(here, '..', 'tests', 'fixtures', 'digit-strokes.json');
mkdirSync(dirname(file), { recursive: true });
// One stroke per line keeps the file readable and diffs small.
const body = digits
  .map(
    (g) =>
      `    {"label": ${g.label}, "strokes": [\n${g.strokes.map((s) => '      ' + JSON.stringify(s)).join(',\n')}\n    ]}`,
  )
  .join(',\n');
writeFileSync(file, `{"size": ${SIZE}, "digits": [\n${body}\n]}\n`);
console.log(
  `wrote ${file}: ${digits.map((g) => `${g.label}:${g.strokes.map((s) => s.length).join('+')}`).join(' ')}`,
);
