// MNIST as the site serves it (tools/prepare_web_data.mjs): a manifest listing shards in fetch
// order, each shard a pair of complete gzip IDX files (images, labels). This module fetches and
// decodes them and joins IDX files; it does not talk to the trainer or the page.
import { fetchCached, forgetCached, gunzip, type Progress } from './fetch-data';

export const MANIFEST_FILE = 'manifest.json';
const FORMAT = 'cnn-playground-mnist/1';

export interface ShardFile {
  file: string;
  bytes: number;
}

export interface Shard {
  set: 'train' | 'test';
  start: number;
  count: number;
  images: ShardFile;
  labels: ShardFile;
}

export interface MnistManifest {
  format: string;
  rows: number;
  cols: number;
  /** Image counts of the whole sets. */
  train: number;
  test: number;
  /** Compressed bytes of all shards. */
  bytes: number;
  shards: Shard[];
}

/** A shard's two IDX files, decompressed. */
export interface ShardData {
  shard: Shard;
  images: Uint8Array;
  labels: Uint8Array;
}

/**
 * Where the files are: a folder, or each file's own URL when a bundler renamed them (the npm
 * package in an app's build); a file missing from `files` is looked for in the folder.
 */
export interface MnistSource {
  baseUrl: string;
  files?: Record<string, string>;
}

function locate(src: MnistSource, file: string): string {
  return src.files?.[file] ?? new URL(file, src.baseUrl).href;
}

export async function fetchManifest(src: MnistSource, progress: Progress): Promise<MnistManifest> {
  const bytes = await fetchCached(locate(src, MANIFEST_FILE), MANIFEST_FILE, progress);
  let m: MnistManifest;
  try {
    m = JSON.parse(new TextDecoder().decode(bytes)) as MnistManifest;
  } catch {
    throw new Error(`${MANIFEST_FILE} is not valid JSON`);
  }
  if (
    m.format !== FORMAT ||
    !Array.isArray(m.shards) ||
    !m.shards.some((s) => s.set === 'train' && s.start === 0) ||
    !m.shards.some((s) => s.set === 'test' && s.start === 0)
  )
    throw new Error(
      `${MANIFEST_FILE} is not a ${FORMAT} manifest with a first training and test shard`,
    );
  return m;
}

/**
 * Both files of a shard, fetched together (from the cache when there) and gunzipped. A file that
 * arrived cut short or damaged (it does not unpack, or not to the size the manifest implies for
 * images of imageBytes pixels) is dropped from the cache, so a retry downloads it again.
 * `downloaded` is called once both files' bytes are in, before they are unpacked.
 */
export async function fetchShard(
  src: MnistSource,
  shard: Shard,
  imageBytes: number,
  progress: Progress,
  downloaded?: () => void,
): Promise<ShardData> {
  const files = [shard.images.file, shard.labels.file];
  const urls = files.map((f) => locate(src, f));
  const raw = await Promise.all(urls.map((u, i) => fetchCached(u, files[i], progress)));
  downloaded?.();
  const sizes = [16 + shard.count * imageBytes, 8 + shard.count];
  try {
    const [images, labels] = await Promise.all(
      raw.map(async (b, i) => {
        // Unpacking stops past the size the manifest implies: a shard cannot grow into a bomb.
        const idx = await gunzip(b, files[i], sizes[i]).catch(() => null);
        // Some browsers end a gzip stream cut short without an error: its length tells.
        if (!idx || idx.length !== sizes[i])
          throw new Error(`${files[i]} was cut short or damaged on the way`);
        return idx;
      }),
    );
    return { shard, images, labels };
  } catch (e) {
    await forgetCached(urls);
    throw e;
  }
}

/** Drops a shard's files from the cache (the core refused what they hold). */
export function forgetShard(src: MnistSource, shard: Shard): Promise<void> {
  return forgetCached([shard.images.file, shard.labels.file].map((f) => locate(src, f)));
}

/**
 * Each shard file's compressed size and its size as IDX (header + items), to turn the bytes a
 * browser read into bytes of the download when the server sent a .gz with Content-Encoding: gzip.
 */
export function shardFileSizes(m: MnistManifest): Map<string, { gz: number; raw: number }> {
  const sizes = new Map<string, { gz: number; raw: number }>();
  for (const s of m.shards) {
    sizes.set(s.images.file, { gz: s.images.bytes, raw: 16 + s.count * m.rows * m.cols });
    sizes.set(s.labels.file, { gz: s.labels.bytes, raw: 8 + s.count });
  }
  return sizes;
}

/**
 * Sums the bytes of one data load's files as bytes of the download, for a progress line: a body
 * the browser decoded (a .gz sent with Content-Encoding: gzip) counts in proportion to its
 * compressed file. `report` is the Progress callback to hand to the fetches.
 */
export class DownloadMeter {
  private files = new Map<string, number>();
  private sizes = new Map<string, { gz: number; raw: number }>();
  private total = 0;
  private fromCache = true;

  constructor(
    private readonly onProgress: (
      file: string,
      loaded: number,
      total: number,
      fromCache: boolean,
    ) => void,
  ) {}

  /** The manifest gives the total and each file's sizes. */
  setManifest(m: MnistManifest): void {
    this.total = m.bytes;
    this.sizes = shardFileSizes(m);
  }

  loaded(): number {
    let sum = 0;
    for (const b of this.files.values()) sum += b;
    return sum;
  }

  readonly report: Progress = (file, bytes, _size, cached, gzipBody) => {
    const size = this.sizes.get(file);
    this.files.set(file, size && !gzipBody ? Math.round((size.gz * bytes) / size.raw) : bytes);
    this.fromCache &&= cached;
    this.onProgress(file, this.loaded(), this.total, this.fromCache);
  };
}

/** Offset of the first item in an IDX file: the 4-byte magic, then 4 bytes per dimension. */
function idxHeaderLength(idx: Uint8Array): number {
  return 4 + 4 * idx[3];
}

/**
 * Two IDX files of the same kind as one: a's header with the summed count, then both payloads.
 * Only for files the core has already accepted (so their headers are known to be sound).
 */
export function joinIdx(a: Uint8Array, b: Uint8Array): Uint8Array {
  const hb = idxHeaderLength(b);
  const out = new Uint8Array(a.length + b.length - hb);
  out.set(a);
  out.set(b.subarray(hb), a.length);
  const view = new DataView(out.buffer);
  view.setUint32(
    4,
    view.getUint32(4) + new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4),
  );
  return out;
}
