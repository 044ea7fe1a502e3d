// Draws one grayscale digit into a canvas at its natural size: test-set bytes as dark ink on
// light paper (drawDigit), or the model's [0, 1] input as bright ink on black (drawGray). Plain
// functions, not components: on-screen size is the caller's CSS (image-rendering: pixelated),
// and alt text is the caller's job too.

/** Fills a rows x cols canvas with gray(i) in 0..255 for pixel i. */
function paintGray(
  canvas: HTMLCanvasElement,
  rows: number,
  cols: number,
  gray: (i: number) => number,
): void {
  if (canvas.width !== cols) canvas.width = cols;
  if (canvas.height !== rows) canvas.height = rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = ctx.createImageData(cols, rows);
  const out = image.data;
  for (let i = 0, n = rows * cols; i < n; i++) {
    const g = gray(i);
    out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = g;
    out[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** Image `offset` of a set of rows x cols byte images, byte v drawn as gray 255 - v. */
export function drawDigit(
  canvas: HTMLCanvasElement,
  pixels: Uint8Array,
  rows: number,
  cols: number,
  offset = 0,
): void {
  const start = offset * rows * cols;
  paintGray(canvas, rows, cols, (i) => 255 - (pixels[start + i] ?? 0));
}

/** rows x cols floats in [0, 1] as bright ink on black (the MNIST look); null draws black. */
export function drawGray(
  canvas: HTMLCanvasElement,
  values: Float32Array | null,
  rows: number,
  cols: number,
): void {
  paintGray(canvas, rows, cols, (i) => {
    const v = values ? (values[i] ?? 0) : 0;
    return Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
  });
}
