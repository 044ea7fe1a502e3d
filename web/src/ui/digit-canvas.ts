// Draws one grayscale digit (rows x cols bytes) into a canvas at its natural size, as dark ink
// on light paper (byte v -> gray 255 - v). A plain function, not a component: sizing on screen
// is the caller's CSS (use image-rendering: pixelated), and alt text is the caller's job too.

export function drawDigit(
  canvas: HTMLCanvasElement,
  pixels: Uint8Array,
  rows: number,
  cols: number,
  offset = 0,
): void {
  if (canvas.width !== cols) canvas.width = cols;
  if (canvas.height !== rows) canvas.height = rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const n = rows * cols;
  const start = offset * n;
  const image = ctx.createImageData(cols, rows);
  const out = image.data;
  for (let i = 0; i < n; i++) {
    const v = pixels[start + i] ?? 0;
    const g = 255 - v;
    const o = i * 4;
    out[o] = g;
    out[o + 1] = g;
    out[o + 2] = g;
    out[o + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}
