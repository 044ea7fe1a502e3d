// Vite config for the embeddable library (tools/build.sh lib, `npm run build:lib`): web/src/lib.ts
// -> build-lib/cnn-playground.js, an ES module with its worker chunk and cnn.wasm beside it, plus
// web/public (data/mnist/*.gz, models/pretrained.safetensors) copied in, so the folder works on
// any static host. Not `build.lib`: library mode inlines every asset as base64 (the 550 kB wasm in
// the worker), while this plain build with a script entry keeps them files, referenced relative
// to the module (new URL(..., import.meta.url)).
import { defineConfig, type Plugin } from 'vite';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const outDir = fileURLToPath(new URL('../build-lib', import.meta.url));

/**
 * The playground page's own files in web/public stay out of the library: its web app manifest and
 * icons (the page is the installable app, not the pages that embed the elements).
 */
function withoutPageFiles(): Plugin {
  return {
    name: 'cnn-lib-without-page-files',
    apply: 'build',
    closeBundle() {
      for (const f of ['manifest.webmanifest', 'icons'])
        rmSync(`${outDir}/${f}`, { recursive: true, force: true });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: '',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      input: { 'cnn-playground': fileURLToPath(new URL('src/lib.ts', import.meta.url)) },
      preserveEntrySignatures: 'strict',
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: '[name]-[hash].js',
        assetFileNames: '[name]-[hash][extname]',
      },
    },
  },
  plugins: [withoutPageFiles()],
  worker: {
    format: 'es',
    rolldownOptions: {
      output: {
        entryFileNames: 'cnn-worker-[hash].js',
        chunkFileNames: 'cnn-worker-[name]-[hash].js',
        assetFileNames: '[name]-[hash][extname]',
      },
    },
  },
});
