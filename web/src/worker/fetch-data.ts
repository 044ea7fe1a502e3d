// Fetches the site's gzip-compressed MNIST files with progress, keeps them in the Cache API for
// offline use, and gunzips IDX bytes with DecompressionStream. Runs inside the worker; it does
// not parse IDX (the core does that, and says what is wrong with a bad file).

const CACHE_NAME = 'cnn-playground-data-v1';

export const MNIST_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
] as const;

export type Progress = (file: string, loaded: number, total: number, fromCache: boolean) => void;

/** Reads a response body, reporting progress (total from Content-Length, 0 if unknown). */
async function readWithProgress(res: Response, file: string, fromCache: boolean, progress: Progress): Promise<Uint8Array> {
  const total = Number(res.headers.get('content-length') ?? 0);
  if (!res.body) {
    const b = new Uint8Array(await res.arrayBuffer());
    progress(file, b.length, b.length, fromCache);
    return b;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    progress(file, loaded, total, fromCache);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  progress(file, loaded, loaded, fromCache);
  return out;
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(CACHE_NAME);
  } catch {
    return null; // e.g. an opaque origin or storage disabled: work without the cache
  }
}

/** One file of the site's data, from the cache when present. */
export async function fetchCached(url: string, file: string, progress: Progress): Promise<Uint8Array> {
  const cache = await openCache();
  const cached = cache ? await cache.match(url) : undefined;
  if (cached) return readWithProgress(cached, file, true, progress);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not download ${file} (HTTP ${res.status})`);
  if (cache) {
    try {
      await cache.put(url, res.clone());
    } catch {
      // quota or private mode: the data still loads, only not offline
    }
  }
  return readWithProgress(res, file, false, progress);
}

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Gunzips with the browser's DecompressionStream; raw bytes pass through. */
export async function gunzip(b: Uint8Array, name: string): Promise<Uint8Array> {
  if (!isGzip(b)) return b;
  if (typeof DecompressionStream === 'undefined') return b; // the core inflates .gz itself
  try {
    const stream = new Blob([b as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    throw new Error(`${name} is not a valid gzip file (the compressed data is damaged or cut short)`);
  }
}
