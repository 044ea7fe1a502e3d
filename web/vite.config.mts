// Vite config for the playground page. The wasm module (web/src/wasm/cnn.js + cnn.wasm) is copied
// from build-wasm/ by tools/build.sh web; MNIST is gzipped into web/public/data/ by
// tools/prepare_web_data.mjs. Output goes to build-web/.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

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
  preview: { host: '127.0.0.1' },
});
