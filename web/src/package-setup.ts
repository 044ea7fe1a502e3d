// The npm package's setters (`npm run build:lib` -> build-lib/pkg/dist/setup.js), a second entry
// beside dist/elements.js sharing their modules. The package's setup.js (written by
// tools/pack_lib.mjs) calls them before dist/elements.js runs, since an element in the page starts
// its worker as soon as it is defined: it names the worker and each asset in the literal
// new URL('...', import.meta.url) form that an app's bundler follows.
export { setAssetFiles } from './assets';
export { setWorkerFactory } from './worker/client';
