// The page side: window.runJob(job) starts a dedicated Web Worker for the job's system, waits until
// it is ready, sends the job, forwards its progress to the console and resolves with its result.
// job.concurrent = n (ours only): the machine's ceiling for n threads. One training alone, then n
// independent 1-thread trainings at once (n workers, no shared work, their timing started together
// once every one is warm); the result's ceiling is their summed examples/s over the one alone.
const WORKERS = {
  ours: { url: '/bench/browser/ours-worker.mjs', type: 'module' },
  kernels: { url: '/bench/browser/ours-worker.mjs', type: 'module' },
  'tfjs-wasm': { url: '/bench/browser/tfjs-worker.js', type: 'classic' },
  'tfjs-cpu': { url: '/bench/browser/tfjs-worker.js', type: 'classic' },
};

// `started` receives the worker, so that a group can end the others when one fails.
const runWorker = (job, onArmed = () => {}, started = () => {}) =>
  new Promise((resolve, reject) => {
    const w = WORKERS[job.system];
    if (!w) return reject(new Error(`unknown system ${job.system}`));
    const worker = new Worker(w.url, { type: w.type });
    started(worker);
    const done = (f, v) => {
      worker.terminate();
      f(v);
    };
    worker.onerror = (e) => done(reject, new Error(`worker error: ${e.message ?? e}`));
    worker.onmessage = ({ data }) => {
      if (data.type === 'ready') worker.postMessage(job);
      else if (data.type === 'armed') onArmed(() => worker.postMessage({ type: 'go' }));
      else if (data.type === 'log') console.log(data.message);
      else if (data.type === 'result') done(resolve, data.result);
      else if (data.type === 'error') done(reject, new Error(data.message));
    };
  });

/** n gated 1-thread trainings at once; each starts timing when all n are warm. If one fails,
 *  the others (which would wait for it at the gate forever) are ended. */
async function runGroup(job, n) {
  const gos = [],
    workers = [];
  const armed = (go) => {
    gos.push(go);
    if (gos.length === n) gos.forEach((g) => g());
  };
  const { concurrent: _, threads: __, ...one } = job;
  try {
    return await Promise.all(
      Array.from({ length: n }, () =>
        runWorker({ ...one, gated: true }, armed, (w) => workers.push(w)),
      ),
    );
  } catch (e) {
    workers.forEach((w) => w.terminate());
    throw e;
  }
}

async function runConcurrent(job) {
  const [alone] = await runGroup(job, 1);
  const group = await runGroup(job, job.concurrent);
  const sum = group.reduce((s, r) => s + r.train_examples_per_s, 0);
  return {
    env: alone.env,
    module: alone.module,
    concurrent: job.concurrent,
    alone_train_examples_per_s: alone.train_examples_per_s,
    each_train_examples_per_s: group.map((r) => r.train_examples_per_s),
    train_examples_per_s: sum,
    ceiling: sum / alone.train_examples_per_s,
  };
}

window.runJob = (job) => (job.concurrent ? runConcurrent(job) : runWorker(job));
window.benchPageReady = true;
