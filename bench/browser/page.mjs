// The page side: window.runJob(job) starts a dedicated Web Worker for the job's system, waits until
// it is ready, sends the job, forwards its progress to the console and resolves with its result.
const WORKERS = {
  ours: { url: '/bench/browser/ours-worker.mjs', type: 'module' },
  kernels: { url: '/bench/browser/ours-worker.mjs', type: 'module' },
  'tfjs-wasm': { url: '/bench/browser/tfjs-worker.js', type: 'classic' },
  'tfjs-cpu': { url: '/bench/browser/tfjs-worker.js', type: 'classic' },
};

window.runJob = (job) =>
  new Promise((resolve, reject) => {
    const w = WORKERS[job.system];
    if (!w) return reject(new Error(`unknown system ${job.system}`));
    const worker = new Worker(w.url, { type: w.type });
    const done = (f, v) => {
      worker.terminate();
      f(v);
    };
    worker.onerror = (e) => done(reject, new Error(`worker error: ${e.message ?? e}`));
    worker.onmessage = ({ data }) => {
      if (data.type === 'ready') worker.postMessage(job);
      else if (data.type === 'log') console.log(data.message);
      else if (data.type === 'result') done(resolve, data.result);
      else if (data.type === 'error') done(reject, new Error(data.message));
    };
  });
window.benchPageReady = true;
