// Writes the web app's icons, web/public/icons/icon-192.png and icon-512.png: a 3x3 convolution
// kernel (the edge detector, its centre brightest) in white on the page's accent blue, full bleed
// with the kernel inside the central safe zone, so one file serves as an ordinary and a maskable
// icon. Deterministic; plain RGB PNG written with node:zlib, no image library.
//
//   node tools/make_icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'public', 'icons');
const BLUE = [0x25, 0x63, 0xeb]; // --accent in web/src/page.css
const WHITE = [0xff, 0xff, 0xff];
// Opacity of each kernel cell: the edge detector [[-1,-1,-1],[-1,8,-1],[-1,-1,-1]].
const CELLS = [0.45, 0.45, 0.45, 0.45, 1, 0.45, 0.45, 0.45, 0.45];

/** Coverage-weighted colour of pixel (x, y) of a size x size icon, from 4x4 samples. */
function pixel(x, y, size) {
  const grid = 0.56 * size; // the kernel: 56% of the side, well inside the 80% maskable zone
  const gap = grid * 0.04;
  const cell = (grid - 2 * gap) / 3;
  const x0 = (size - grid) / 2;
  let r = 0,
    g = 0,
    b = 0;
  for (let sy = 0; sy < 4; sy++)
    for (let sx = 0; sx < 4; sx++) {
      const px = x + (sx + 0.5) / 4 - x0,
        py = y + (sy + 0.5) / 4 - x0;
      const cx = Math.floor(px / (cell + gap)),
        cy = Math.floor(py / (cell + gap));
      const inCell =
        cx >= 0 &&
        cx < 3 &&
        cy >= 0 &&
        cy < 3 &&
        px - cx * (cell + gap) < cell &&
        py - cy * (cell + gap) < cell;
      const a = inCell ? CELLS[cy * 3 + cx] : 0;
      r += BLUE[0] + (WHITE[0] - BLUE[0]) * a;
      g += BLUE[1] + (WHITE[1] - BLUE[1]) * a;
      b += BLUE[2] + (WHITE[2] - BLUE[2]) * a;
    }
  return [r / 16, g / 16, b / 16].map(Math.round);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function png(size) {
  const rows = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const at = y * (1 + size * 3); // filter byte 0, then RGB
    for (let x = 0; x < size; x++) Buffer.from(pixel(x, y, size)).copy(rows, at + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, no filter method, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

mkdirSync(OUT, { recursive: true });
for (const size of [192, 512]) {
  writeFileSync(join(OUT, `icon-${size}.png`), png(size));
  console.log(`web/public/icons/icon-${size}.png`);
}
