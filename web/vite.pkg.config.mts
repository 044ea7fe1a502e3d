// Vite config for the npm package's code (tools/build.sh lib, after the script-tag library): two
// builds into build-lib/pkg/dist/, chosen by --mode:
//   elements  src/elements.ts -> elements.js and src/package-setup.ts -> setup.js, their shared
//             modules in chunks beside them; lit left as an import (a dependency of the package)
//   worker    src/worker/worker.ts -> cnn-worker.js with cnn.wasm beside it
// None is the package's entry: tools/pack_lib.mjs writes index.js and setup.js, which starts
// cnn-worker.js with new Worker(new URL('./dist/cnn-worker.js', import.meta.url), ...). That form, and
// the worker's own new URL('cnn.wasm', import.meta.url), are what the app's bundler follows to
// bundle the worker and emit the wasm, so both files keep fixed names and nothing is minified
// away (the app's build minifies).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const src = (path: string) => fileURLToPath(new URL(`src/${path}`, import.meta.url));

export default defineConfig(({ mode }) => {
  if (mode !== 'elements' && mode !== 'worker')
    throw new Error(`vite.pkg.config: --mode elements|worker, not ${mode}`);
  const worker = mode === 'worker';
  return {
    root: fileURLToPath(new URL('.', import.meta.url)),
    base: './',
    publicDir: false,
    build: {
      outDir: fileURLToPath(new URL('../build-lib/pkg/dist', import.meta.url)),
      // The elements build comes second and must keep the worker's files.
      emptyOutDir: worker,
      target: 'es2022',
      assetsDir: '',
      assetsInlineLimit: 0,
      minify: false,
      chunkSizeWarningLimit: 1024,
      rolldownOptions: {
        input: worker
          ? { 'cnn-worker': src('worker/worker.ts') }
          : { elements: src('elements.ts'), setup: src('package-setup.ts') },
        preserveEntrySignatures: worker ? false : 'strict',
        external: worker ? [] : [/^lit(\/|$)/, /^@lit\//],
        output: {
          entryFileNames: '[name].js',
          chunkFileNames: 'shared-[name].js',
          assetFileNames: '[name][extname]',
          // The worker is one file; the elements and the setters share their modules.
          codeSplitting: !worker,
        },
      },
    },
  };
});
