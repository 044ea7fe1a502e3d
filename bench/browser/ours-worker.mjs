// Module worker: our wasm module (build-wasm/cnn.js + cnn.wasm), or the kernel micro-benchmarks
// (build-wasm/kernel-bench.js + .wasm) for job.system === 'kernels'.
import { fetchMnist, log, browserEnv, handle } from './common.mjs';
import { benchOurs, benchKernels } from '../lib/ours.mjs';

self.onmessage = ({ data: job }) => handle(async () => {
  if (job.system === 'kernels') {
    // kernel_bench_web (ES module) from bench/kernel_bench.cpp; it finds its .wasm beside itself.
    let name = null;
    for (const f of ['kernel-bench-web.js', 'kernel-bench.js']) {
      if ((await fetch(`/build/${f}`, { method: 'HEAD' })).ok) { name = f; break; }
    }
    if (!name) return { env: browserEnv(), missing: 'build-wasm/kernel-bench.js not built' };
    const mod = await import(`/build/${name}`);
    const create = mod.default ?? Object.values(mod).find((v) => typeof v === 'function');
    return { env: browserEnv(), module: `build-wasm/${name}`, ...(await benchKernels(await create())) };
  }
  const { default: createCnnModule } = await import('/build/cnn.js');
  const M = await createCnnModule();
  return { env: browserEnv(), ...(await benchOurs(M, job.spec, await fetchMnist(), job.dur, log)) };
});
self.postMessage({ type: 'ready' });
