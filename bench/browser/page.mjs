// The page side: window.runJob(job) starts a dedicated Web Worker for the job's system, waits until
// it is ready, sends the job, forwards its progress to the console and resolves with its result.
// job.concurrent = n (ours only): the machine's ceiling for n threads. One training alone, then n
// independent 1-thread trainings at once (n workers, no shared work, their timing started together
// once every one is warm); the result's ceiling is their summed examples/s over the one alone.
// job.interleaved = {lo, hi, turns, ms} (ours only): our hi-thread / lo-thread scaling, its sides
// measured in alternating turns of ms each (see runInterleaved).
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

// A worker that trains in turns (ours-worker.mjs, job.turns): `armed` resolves after its warm-up,
// turn(threads, ms) with the turn's result, finish() with the job's result.
function turnWorker(job) {
  const w = WORKERS.ours;
  const worker = new Worker(w.url, { type: w.type });
  let waiting = null;
  const next = () =>
    new Promise((resolve, reject) => {
      waiting = { resolve, reject };
    });
  const armed = next();
  worker.onerror = (e) => waiting?.reject(new Error(`worker error: ${e.message ?? e}`));
  worker.onmessage = ({ data }) => {
    if (data.type === 'ready') worker.postMessage(job);
    else if (data.type === 'log') console.log(data.message);
    else if (['armed', 'turn-done', 'result'].includes(data.type)) waiting?.resolve(data.result);
    else if (data.type === 'error') waiting?.reject(new Error(data.message));
  };
  return {
    armed,
    turn(threads, ms) {
      const p = next();
      worker.postMessage({ type: 'turn', threads, ms });
      return p;
    },
    finish() {
      const p = next();
      worker.postMessage({ type: 'finish' });
      return p;
    },
    terminate: () => worker.terminate(),
  };
}

/** Our hi-thread / lo-thread training scaling, its sides measured in turns that alternate every
 *  `ms`: the 1-thread build (when lo is 1) and the threaded build on lo and on hi threads, in a
 *  rotating order, `turns` turns each, one at a time. Jobs run minutes apart see this machine's
 *  speed drift (a core's throughput changes by a quarter over seconds); turns this short see
 *  the same drift on both sides. The result's scaling: the hi-thread mean over the better
 *  lo-thread mean of the two builds. */
async function runInterleaved(job) {
  const { interleaved: il, concurrent: _, threads: __, ...base } = job;
  const workers = [];
  try {
    const mt = turnWorker({ ...base, turns: true, threads: il.hi });
    workers.push(mt);
    const arms = [
      { key: `threaded_${il.lo}`, w: mt, threads: il.lo },
      { key: `threaded_${il.hi}`, w: mt, threads: il.hi },
    ];
    if (il.lo === 1) {
      const st = turnWorker({ ...base, turns: true });
      workers.push(st);
      arms.unshift({ key: 'one_thread_build', w: st, threads: 1 });
    }
    await Promise.all(workers.map((w) => w.armed));
    const eps = Object.fromEntries(arms.map((a) => [a.key, []]));
    for (let r = 0; r < il.turns; r++)
      for (let i = 0; i < arms.length; i++) {
        const a = arms[(i + r) % arms.length];
        const res = await a.w.turn(a.threads, il.ms);
        if (res.threads !== a.threads)
          throw new Error(`a ${a.threads}-thread turn ran on ${res.threads} threads`);
        eps[a.key].push(res.examplesPerS);
      }
    const done = await Promise.all(workers.map((w) => w.finish()));
    const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
    const out = { env: done[0].env, module: done[0].module, turns: il.turns, turn_ms: il.ms };
    for (const a of arms) {
      out[`${a.key}_train_examples_per_s`] = mean(eps[a.key]);
      out[`${a.key}_turns`] = eps[a.key];
    }
    const hi = mean(eps[`threaded_${il.hi}`]);
    const lo = Math.max(...arms.filter((a) => a.threads === il.lo).map((a) => mean(eps[a.key])));
    return { ...out, train_examples_per_s: hi, scaling: hi / lo };
  } finally {
    workers.forEach((w) => w.terminate());
  }
}

window.runJob = (job) =>
  job.interleaved ? runInterleaved(job) : job.concurrent ? runConcurrent(job) : runWorker(job);
window.benchPageReady = true;
