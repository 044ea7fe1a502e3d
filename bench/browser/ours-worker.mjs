// Module worker: our wasm module, or the kernel micro-benchmarks (build-wasm/kernel-bench.js + .wasm)
// for job.system === 'kernels'. job.threads absent: the single-threaded module (build-wasm/cnn.js +
// cnn.wasm), as a page that is not cross-origin isolated runs it. job.threads = n: the threaded
// module (build-wasm/mt/cnn.js + cnn.worker.js + cnn.wasm, as the page's worker loads it) with
// setThreads(n); it needs the cross-origin-isolated page (SharedArrayBuffer).
// job.gated (page.mjs's concurrent trainings): training only; after its warm-up the worker posts
// 'armed' and starts timing when the page sends 'go', so that every worker of the group times the
// same seconds.
// job.turns (page.mjs's interleaved scaling): training only, in turns. After its warm-up the
// worker posts 'armed'; then each {type: 'turn', threads, ms} trains for ms on that many threads
// and is answered with 'turn-done', until {type: 'finish'} ends the job with its result.
import { fetchMnist, log, browserEnv, handle } from './common.mjs';
import { benchOurs, benchKernels, oursTurns } from '../lib/ours.mjs';

let go = null;
let turnWaiter = null;
const nextTurn = (result) =>
  new Promise((resolve) => {
    turnWaiter = (m) => resolve(m.type === 'turn' ? m : null);
    self.postMessage(result === undefined ? { type: 'armed' } : { type: 'turn-done', result });
  });
const armed = () =>
  new Promise((resolve) => {
    go = resolve;
    self.postMessage({ type: 'armed' });
  });

self.onmessage = ({ data: job }) => {
  if (job?.type === 'go') return go?.();
  if (job?.type === 'turn' || job?.type === 'finish') return turnWaiter?.(job);
  return handle(async () => {
    if (job.system === 'kernels') {
      // kernel_bench_web (ES module) from bench/kernel_bench.cpp; it finds its .wasm beside itself.
      let name = null;
      for (const f of ['kernel-bench-web.js', 'kernel-bench.js']) {
        if ((await fetch(`/build/${f}`, { method: 'HEAD' })).ok) {
          name = f;
          break;
        }
      }
      if (!name) return { env: browserEnv(), missing: 'build-wasm/kernel-bench.js not built' };
      const mod = await import(`/build/${name}`);
      const create = mod.default ?? Object.values(mod).find((v) => typeof v === 'function');
      return {
        env: browserEnv(),
        module: `build-wasm/${name}`,
        ...(await benchKernels(await create())),
      };
    }
    if (job.threads) {
      if (!self.crossOriginIsolated)
        throw new Error('the bench page is not cross-origin isolated: no threaded module');
      if (!(await fetch('/build/mt/cnn.js', { method: 'HEAD' })).ok)
        throw new Error('build-wasm/mt/cnn.js not built');
    }
    const url = job.threads ? '/build/mt/cnn.js' : '/build/cnn.js';
    const { default: createCnnModule } = await import(url);
    const M = await createCnnModule();
    if (job.turns)
      return {
        env: browserEnv(),
        module: `build-wasm/${url.slice('/build/'.length)}`,
        ...(await oursTurns(M, job.spec, await fetchMnist(), job.dur, nextTurn, {
          threads: job.threads,
        })),
      };
    return {
      env: browserEnv(),
      module: `build-wasm/${url.slice('/build/'.length)}`,
      ...(await benchOurs(M, job.spec, await fetchMnist(), job.dur, log, {
        threads: job.threads,
        trainOnly: !!job.gated,
        beforeTiming: job.gated ? armed : undefined,
      })),
    };
  });
};
self.postMessage({ type: 'ready' });
