// MNIST IDX files (raw, uncompressed) for the benchmarks: parsing, subsets, float conversion.
// Environment-neutral (Node and Web Workers).

/** Parses an IDX file's header: {magic, count, dims, offset}. Throws on a malformed file. */
export function idxHeader(bytes) {
  if (bytes.length < 8) throw new Error('IDX file too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(0);
  const ndim = magic & 0xff;
  if (magic >>> 8 !== 0x08 || ndim < 1 || ndim > 3)
    throw new Error(`not an unsigned-byte IDX file (magic 0x${magic.toString(16)})`);
  const dims = [];
  for (let i = 0; i < ndim; i++) dims.push(dv.getUint32(4 + 4 * i));
  return { magic, count: dims[0], dims, offset: 4 + 4 * ndim };
}

/** The same IDX file cut to its first n items (header rewritten), as a new Uint8Array. */
export function idxSubset(bytes, n) {
  const h = idxHeader(bytes);
  n = Math.min(n, h.count);
  const itemSize = h.dims.slice(1).reduce((a, b) => a * b, 1);
  const out = new Uint8Array(h.offset + n * itemSize);
  out.set(bytes.subarray(0, h.offset));
  new DataView(out.buffer).setUint32(4, n);
  out.set(bytes.subarray(h.offset, h.offset + n * itemSize), h.offset);
  return out;
}

/** Images as Float32Array in [0,1] (n*784, NHWC with C=1) and labels as Uint8Array. */
export function toArrays(imageBytes, labelBytes, n) {
  const hi = idxHeader(imageBytes),
    hl = idxHeader(labelBytes);
  n = Math.min(n ?? hi.count, hi.count, hl.count);
  const size = hi.dims[1] * hi.dims[2];
  const images = new Float32Array(n * size);
  const src = imageBytes.subarray(hi.offset, hi.offset + n * size);
  for (let i = 0; i < src.length; i++) images[i] = src[i] / 255;
  const labels = labelBytes.slice(hl.offset, hl.offset + n);
  return { n, rows: hi.dims[1], cols: hi.dims[2], images, labels };
}

/** One-hot Float32Array (n*classes) for labels[start .. start+n). */
export function oneHot(labels, start, n, classes = 10) {
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) y[i * classes + labels[start + i]] = 1;
  return y;
}

/** Number of training images every system uses (the first N of train-images-idx3-ubyte). */
export const TRAIN_SUBSET = 16384;
/** Number of test images the inference measurement cycles through (batches of 256). */
export const INFER_SUBSET = 2560;
