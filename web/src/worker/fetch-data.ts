// Fetches the site's data files (the MNIST manifest and its gzip IDX shards) with progress, keeps
// them in the Cache API for offline use, and gunzips IDX bytes with DecompressionStream (the wasm
// core reads unpacked IDX only). Runs inside the worker; it does not parse IDX (the core does
// that, and says what is wrong with a bad file).

// v2: MNIST in shards with a manifest (v1 held the four whole files, deleted on first use).
const CACHE_NAME = 'cnn-playground-data-v2';
const OLD_CACHES = ['cnn-playground-data-v1'];

/**
 * Bytes of `file` read so far. gzipBody: the body is the gzip file itself; false when it is not
 * gzip, or when the server sent a .gz file with Content-Encoding: gzip and the browser decoded it.
 */
export type Progress = (
  file: string,
  loaded: number,
  total: number,
  fromCache: boolean,
  gzipBody: boolean,
) => void;

/** Reads a response body, reporting progress (total from Content-Length, 0 if unknown). */
async function readWithProgress(
  res: Response,
  file: string,
  fromCache: boolean,
  progress: Progress,
): Promise<Uint8Array> {
  const total = Number(res.headers.get('content-length') ?? 0);
  if (!res.body) {
    const b = new Uint8Array(await res.arrayBuffer());
    progress(file, b.length, b.length, fromCache, isGzip(b));
    return b;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let gzipBody = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded === 0) gzipBody = isGzip(value);
    chunks.push(value);
    loaded += value.length;
    progress(file, loaded, total, fromCache, gzipBody);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  progress(file, loaded, loaded, fromCache, gzipBody);
  return out;
}

let oldCachesDeleted = false;
// False once a file of the current data load could not be kept in the cache.
let keptAll = true;

/** Starts counting, for a new data load, whether every file it fetches is kept offline. */
export function resetKeptOffline(): void {
  keptAll = true;
}

/** Every file fetched since resetKeptOffline is in the cache (false: no Cache API, or it refused). */
export function keptOffline(): boolean {
  return keptAll;
}

async function openCache(): Promise<Cache | null> {
  try {
    if (typeof caches === 'undefined') return null;
    if (!oldCachesDeleted) {
      oldCachesDeleted = true;
      for (const name of OLD_CACHES) void caches.delete(name).catch(() => false);
    }
    return await caches.open(CACHE_NAME);
  } catch {
    return null; // e.g. an opaque origin or storage disabled: work without the cache
  }
}

/**
 * Cache writes still under way, by URL. fetchCached hands back a file's bytes without waiting for
 * its copy to be written: Chromium took 150-600 ms to commit a shard's put here, and the next
 * shard's download need not wait for it.
 */
const pendingStores = new Map<string, Promise<void>>();

/** Resolves once every cache write begun so far has ended (kept or refused). */
export async function storesSettled(): Promise<void> {
  while (pendingStores.size) await Promise.all(pendingStores.values());
}

/** Drops files from the cache (a shard that arrived damaged must not come back from there). */
export async function forgetCached(urls: string[]): Promise<void> {
  const cache = await openCache();
  // A write still under way would put the file back after the delete.
  await Promise.all(urls.map((u) => pendingStores.get(u)));
  if (cache) await Promise.all(urls.map((u) => cache.delete(u).catch(() => false)));
}

/** One file of the site's data, from the cache when present. */
export async function fetchCached(
  url: string,
  file: string,
  progress: Progress,
): Promise<Uint8Array> {
  // A data: URL (a small file a bundler inlined into the page's code) is in the page already; the
  // Cache API takes only http(s).
  const inline = !/^https?:/.test(url);
  const cache = inline ? null : await openCache();
  if (!cache && !inline) keptAll = false;
  const cached = cache ? await cache.match(url) : undefined;
  if (cached) return readWithProgress(cached, file, true, progress);
  let res: Response;
  try {
    res = await fetch(url);
  } catch {
    throw new Error(`could not download ${file} (the network request failed)`);
  }
  if (!res.ok) throw new Error(`could not download ${file} (HTTP ${res.status})`);
  let bytes: Uint8Array;
  try {
    bytes = await readWithProgress(res, file, false, progress);
  } catch {
    throw new Error(`could not download ${file} (the connection broke off)`);
  }
  // The cache gets a copy of the bytes read (only their type kept from the server's headers),
  // written while the next file downloads. Quota or private mode only costs the offline copy;
  // callers that report keptOffline() wait for storesSettled() first.
  if (cache) {
    const copy = new Response(bytes as BlobPart, {
      headers: { 'Content-Type': res.headers.get('content-type') || 'application/octet-stream' },
    });
    const stored = cache
      .put(url, copy)
      .catch(() => {
        keptAll = false;
      })
      .finally(() => {
        if (pendingStores.get(url) === stored) pendingStores.delete(url);
      });
    pendingStores.set(url, stored);
  }
  return bytes;
}

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Gunzips with the browser's DecompressionStream; raw bytes pass through. Stops with a RangeError
 * once the output passes maxBytes (a small file that unpacks to gigabytes), counting the bytes as
 * they come, before holding it all. The wasm core has no decompressor of its own, so a browser
 * without DecompressionStream gets a sentence rather than gzip bytes the core would refuse.
 */
export async function gunzip(
  b: Uint8Array,
  name: string,
  maxBytes = Infinity,
): Promise<Uint8Array> {
  if (!isGzip(b)) return b;
  if (typeof DecompressionStream === 'undefined')
    throw new Error(
      `${name} is gzip-compressed and this browser cannot unpack it (it has no DecompressionStream); unpack it first, or use a current browser`,
    );
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    const reader = new Blob([b as BlobPart])
      .stream()
      .pipeThrough(new DecompressionStream('gzip'))
      .getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        void reader.cancel();
        break;
      }
      chunks.push(value);
    }
  } catch {
    throw new Error(
      `${name} is not a valid gzip file (the compressed data is damaged or cut short)`,
    );
  }
  if (size > maxBytes)
    throw new RangeError(
      `${name} unpacks to more than ${Math.round(maxBytes / (1024 * 1024))} MB, more than an IDX file may have here`,
    );
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
