// A diverging, colour-blind-safe colour map (ColorBrewer PuOr: purple for negative, near white
// for zero, orange for positive) and a tile painter that draws many small maps into one
// ImageData, so a layer with 64 channels costs one canvas, not 64.

// PuOr, 11 classes, reversed so that negative is purple and positive is orange.
const STOPS: Array<[number, number, number]> = [
  [45, 0, 75],
  [84, 39, 136],
  [128, 115, 172],
  [178, 171, 210],
  [216, 218, 235],
  [247, 247, 247],
  [254, 224, 182],
  [253, 184, 99],
  [224, 130, 20],
  [179, 88, 6],
  [127, 59, 8],
];

const LUT = new Uint8ClampedArray(256 * 3);
for (let i = 0; i < 256; i++) {
  const t = (i / 255) * (STOPS.length - 1);
  const k = Math.min(STOPS.length - 2, Math.floor(t));
  const f = t - k;
  for (let c = 0; c < 3; c++)
    LUT[i * 3 + c] = Math.round(STOPS[k][c] * (1 - f) + STOPS[k + 1][c] * f);
}

/** CSS colour for v in [-1, 1]. */
export function divergingCss(v: number): string {
  const i = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
  return `rgb(${LUT[i * 3]}, ${LUT[i * 3 + 1]}, ${LUT[i * 3 + 2]})`;
}

/** RGB of v in [-1, 1] (clamped) on the same scale, for painters that blend it with an image. */
export function divergingRgb(v: number): [number, number, number] {
  const i = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
  return [LUT[i * 3], LUT[i * 3 + 1], LUT[i * 3 + 2]];
}

/** The largest |value|, ignoring NaN/Inf (0 for an empty or all-zero tensor). */
export function absMax(data: Float32Array): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]);
    if (a > m && Number.isFinite(a)) m = a;
  }
  return m;
}

export function valueRange(data: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

export interface TileLayout {
  tiles: number;
  tileH: number;
  tileW: number;
  cols: number;
  gap: number;
}

/** Canvas size of a tile grid (in map pixels; CSS scales it). */
export function gridSize(l: TileLayout): { width: number; height: number } {
  const rows = Math.ceil(l.tiles / l.cols);
  return { width: l.cols * (l.tileW + l.gap) - l.gap, height: rows * (l.tileH + l.gap) - l.gap };
}

/**
 * Paints tiles into a canvas: value(tile, y, x) in [-scale, scale] maps to the diverging colours.
 * NaN/Inf pixels are drawn pure black so they stand out.
 */
export function paintTiles(
  canvas: HTMLCanvasElement,
  l: TileLayout,
  scale: number,
  value: (tile: number, y: number, x: number) => number,
): void {
  const { width, height } = gridSize(l);
  // Resizing reallocates the canvas; a refresh of the same layout only repaints it.
  if (canvas.width !== Math.max(1, width)) canvas.width = Math.max(1, width);
  if (canvas.height !== Math.max(1, height)) canvas.height = Math.max(1, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(canvas.width, canvas.height);
  const px = img.data;
  px.fill(255); // gaps are white
  const inv = scale > 0 ? 1 / scale : 0;
  for (let t = 0; t < l.tiles; t++) {
    const oy = Math.floor(t / l.cols) * (l.tileH + l.gap);
    const ox = (t % l.cols) * (l.tileW + l.gap);
    for (let y = 0; y < l.tileH; y++) {
      for (let x = 0; x < l.tileW; x++) {
        const v = value(t, y, x);
        const o = ((oy + y) * canvas.width + ox + x) * 4;
        if (!Number.isFinite(v)) {
          px[o] = px[o + 1] = px[o + 2] = 0;
          continue;
        }
        const i = Math.max(0, Math.min(255, Math.round((v * inv + 1) * 127.5)));
        px[o] = LUT[i * 3];
        px[o + 1] = LUT[i * 3 + 1];
        px[o + 2] = LUT[i * 3 + 2];
      }
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** Columns for n tiles of a given size so the grid is roughly as wide as `maxWidth`. */
export function columnsFor(n: number, tileW: number, gap: number, maxWidth: number): number {
  return Math.max(1, Math.min(n, Math.floor((maxWidth + gap) / (tileW + gap))));
}
