// Vite config for the playground page. The wasm module (web/src/wasm/cnn.js + cnn.wasm) is copied
// from build-wasm/ by tools/build.sh web; MNIST is gzipped into web/public/data/ by
// tools/prepare_web_data.mjs. Output goes to build-web/, with the service worker that keeps the
// page offline (sw.js, web/vite-plugin-offline.mts).
import { defineConfig, type Plugin } from 'vite';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { offlineShell } from './vite-plugin-offline.mts';

/**
 * The Content Security Policy of index.html's <meta>, sent as a header by `vite preview` to every
 * file it serves: the worker script gets it only this way (a <meta> does not reach workers).
 */
function contentSecurityPolicy(): string {
  const html = readFileSync(new URL('./index.html', import.meta.url), 'utf8');
  const m = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
  if (!m) throw new Error('web/index.html has no Content-Security-Policy <meta>');
  return m[1];
}

/**
 * COOP + COEP on everything `vite preview` serves except /examples/, so the playground is
 * cross-origin isolated and its worker may use the threaded engine (SharedArrayBuffer). The
 * tutorial pages stand for a teacher's site, which sends no such headers: the playground in their
 * iframe is not isolated and runs the single-threaded engine. require-corp rather than
 * credentialless: every file the playground loads is its own (same origin), and require-corp is
 * what every browser with SharedArrayBuffer supports.
 */
function isolation(): Plugin {
  return {
    name: 'cnn-cross-origin-isolation',
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!(req.url ?? '/').startsWith('/examples/')) {
          res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
          res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
        }
        next();
      });
    },
  };
}

/**
 * MNIST's shards (data/mnist/*.gz) as the files they are: application/gzip, unpacked by the
 * worker's DecompressionStream. `vite preview` (sirv) would send any .gz file with
 * Content-Encoding: gzip, and Chromium then hands the worker the unpacked bytes, 4.9 times as
 * many: reading a 6,000-image shard took it 460 ms that way and 50 ms as gzip (plus 80 ms to
 * unpack), and the Cache API kept 4.9 times the bytes, taking as much longer to write them.
 */
function gzipAsIs(): Plugin {
  return {
    name: 'cnn-gzip-as-is',
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        if (/\.gz$/.test(new URL(req.url ?? '/', 'http://x').pathname)) {
          const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => typeof res;
          res.writeHead = ((code: number, ...rest: unknown[]) => {
            for (const h of rest)
              if (h && typeof h === 'object' && !Array.isArray(h)) {
                const headers = h as Record<string, unknown>;
                delete headers['Content-Encoding'];
                headers['Content-Type'] = 'application/gzip';
              }
            res.removeHeader('Content-Encoding');
            return writeHead(code, ...rest);
          }) as typeof res.writeHead;
        }
        next();
      });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../build-web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
  plugins: [isolation(), gzipAsIs(), offlineShell()],
  preview: { host: '127.0.0.1', headers: { 'Content-Security-Policy': contentSecurityPolicy() } },
});
