// The playground's service worker (built to sw.js by web/vite-plugin-offline.mts, which puts the
// build's precache list in front of this code): it keeps the app shell of one build in one cache,
// so the page opens and trains offline. It does not touch MNIST: the page's worker keeps the shards
// in a cache of its own (web/src/worker/fetch-data.ts), and requests for them pass through here.
//
// - install: every file of the list, checked against its SHA-256 (subresource integrity), into
//   cnn-playground-shell-<version>; a file that differs (the server already has another build)
//   fails the install, so a cache never mixes two builds.
// - activate: deletes the shell caches of other versions (never the MNIST cache), claims the page.
//   A new version waits until no page of the old one is open (no skipWaiting): an open page of the
//   old build may still start a worker or the threaded engine, and must get its own files.
// - the page (navigations to the scope or index.html): network first, so an online learner always
//   gets the current build, with the cached page when the network fails or stalls. When the
//   network's page is not the one this version holds (a new build is out), that page and its
//   workers get their files from the network too, never this version's cached ones, and the
//   browser is asked to fetch the new service worker.
// - the other files of the list: from the cache, for pages of this version.
// Responses from the cache are the server's own, headers included: COOP/COEP (cross-origin
// isolation, for the threaded engine) and the Content-Security-Policy stay as the host sent them.

interface PrecacheEntry {
  /** Path relative to this script ('./' is the page, 'assets/index-[hash].js', ...). */
  url: string;
  /** 'sha256-<base64>' of the file, as in subresource integrity. */
  integrity: string;
}

interface Precache {
  /** Short hash of every path and its integrity: the build. */
  version: string;
  files: PrecacheEntry[];
}

declare const PRECACHE: Precache;

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE_PREFIX = 'cnn-playground-shell-';
const CACHE = CACHE_PREFIX + PRECACHE.version;
/** How long the page waits for a slow network before it gets the cached page. */
const NETWORK_TIMEOUT_MS = 4000;

const resolve = (path: string) => new URL(path, sw.location.href).href;
const entries = new Map(PRECACHE.files.map((f) => [resolve(f.url), f]));
const PAGE = resolve('./');
const pageEntry = entries.get(PAGE);
if (!pageEntry) throw new Error('the precache list has no page');
const pagePaths = new Set([new URL(PAGE).pathname, new URL(resolve('index.html')).pathname]);

/**
 * Whether each client (a page, or a worker it started) is of this version: its page came from
 * this cache or is byte for byte the page it holds. Lost when the browser stops this script; then
 * clients count as of the version of the last page served (lastPageOurs).
 */
const clientOurs = new Map<string, boolean>();
let lastPageOurs = true;

function oursFor(clientId: string): boolean {
  return clientOurs.get(clientId) ?? lastPageOurs;
}

async function sri(body: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  let bin = '';
  for (const b of digest) bin += String.fromCharCode(b);
  return 'sha256-' + btoa(bin);
}

/** A copy of a response with its headers; the body already decoded, so no encoding or length. */
function rebuilt(res: Response, body: BodyInit | null): Response {
  const headers = new Headers(res.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

async function precache(): Promise<void> {
  const cache = await caches.open(CACHE);
  const queue = [...entries.entries()];
  // A few at a time: the wasm and the model are large, and the page is loading MNIST meanwhile.
  const next = async (): Promise<void> => {
    for (let e = queue.shift(); e; e = queue.shift()) {
      const [url, entry] = e;
      if (await cache.match(url)) continue; // an earlier install of this version got this far
      // no-cache: revalidated with the server, never a stale copy from the HTTP cache.
      const res = await fetch(new Request(url, { cache: 'no-cache', integrity: entry.integrity }));
      if (!res.ok) throw new Error(`${entry.url}: HTTP ${res.status}`);
      // The browser refuses a redirected response for a page: keep the body and headers only.
      await cache.put(url, res.redirected ? rebuilt(res, await res.arrayBuffer()) : res);
    }
  };
  await Promise.all([next(), next(), next()]);
}

sw.addEventListener('install', (event) => event.waitUntil(precache()));

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE).map((n) => caches.delete(n)),
      );
      await sw.clients.claim();
    })(),
  );
});

/** The page: the network's when it answers in time, else the cached one. */
async function page(event: FetchEvent): Promise<Response> {
  const cached = await caches.match(PAGE, { cacheName: CACHE });
  if (!cached) return fetch(event.request);
  const settle = (ours: boolean, res: Response): Response => {
    lastPageOurs = ours;
    if (event.resultingClientId) clientOurs.set(event.resultingClientId, ours);
    return res;
  };
  const network = (async () => {
    const res = await fetch(event.request);
    // A redirect the browser follows itself (say /index.html to /): the next request is the page.
    if (res.type === 'opaqueredirect') return { ours: true, res };
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = await res.arrayBuffer();
    const ours = (await sri(body)) === pageEntry!.integrity;
    // Another build is out: fetch its service worker now (the browser would check later too).
    if (!ours) void sw.registration.update().catch(() => undefined);
    return { ours, res: rebuilt(res, body) };
  })();
  const late = new Promise<null>((done) => setTimeout(() => done(null), NETWORK_TIMEOUT_MS));
  try {
    const won = await Promise.race([network, late]);
    if (won) return settle(won.ours, won.res);
  } catch {
    // offline, or the server failed: the cached page below
  }
  network.catch(() => undefined);
  return settle(true, cached);
}

/** A file of the list: this version's copy for this version's pages, else the network's. */
async function file(event: FetchEvent, url: string): Promise<Response> {
  if (oursFor(event.clientId)) {
    const hit = await caches.match(url, { cacheName: CACHE });
    if (hit) return hit;
    return fetch(event.request);
  }
  try {
    return await fetch(event.request);
  } catch (e) {
    // Offline after all: better this version's file than none.
    const hit = await caches.match(url, { cacheName: CACHE });
    if (hit) return hit;
    throw e;
  }
}

sw.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== sw.location.origin) return;
  if (req.mode === 'navigate') {
    if (pagePaths.has(url.pathname)) event.respondWith(page(event));
    return; // other pages of the site (/examples/, /lib/) as the server sends them
  }
  url.hash = '';
  const key = url.href;
  // A worker started by a page is of that page's build.
  if (event.resultingClientId) clientOurs.set(event.resultingClientId, oursFor(event.clientId));
  if (entries.has(key)) event.respondWith(file(event, key));
  // Anything else (MNIST's shards, the library, this script) goes to the network untouched.
});

// A module to the type checker (its names stay its own); the build drops this line.
export {};
