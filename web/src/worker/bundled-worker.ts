// The training worker as this project's own Vite builds bundle it (a chunk beside the code), for
// the site and the script-tag library. Not the npm package's: its entry starts the worker with a
// literal new Worker(new URL(...)) that the app's bundler follows (tools/pack_lib.mjs).
import { setWorkerFactory } from './client';
import workerUrl from './worker.ts?worker&url';

/**
 * A module worker running the bundled worker script. Browsers start workers only from their
 * page's origin: when this code itself came from another origin (the library on a CDN), the
 * worker starts from a same-origin blob: module that imports the script, which then needs that
 * host to send CORS headers (so does everything the worker fetches from there).
 */
function spawnWorker(): Worker {
  const url = new URL(workerUrl, import.meta.url);
  const options: WorkerOptions = { type: 'module', name: 'cnn-trainer' };
  if (url.origin === location.origin) return new Worker(url, options);
  const shim = new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' });
  return new Worker(URL.createObjectURL(shim), options);
}

setWorkerFactory(spawnWorker);
