// Classic worker: TensorFlow.js 4.22 from its UMD bundles (self.tf), the cpu backend or the wasm
// backend. job.threads absent: the wasm backend's SIMD binary on one thread (multithreading turned
// off, as on a page that is not cross-origin isolated). job.threads = n: its threaded SIMD binary
// (tfjs-backend-wasm-threaded-simd.wasm, XNNPACK's thread pool) with setThreadsCount(n) before the
// backend initialises; needs the cross-origin-isolated page. The benchmark code itself is an ES
// module, loaded with a dynamic import().
importScripts(
  '/tfjs/core/tf-core.min.js',
  '/tfjs/cpu/tf-backend-cpu.min.js',
  '/tfjs/layers/tf-layers.min.js',
  '/tfjs/wasm/tf-backend-wasm.min.js',
);

self.onmessage = async ({ data: job }) => {
  const { fetchMnist, log, browserEnv, handle } = await import('/bench/browser/common.mjs');
  await handle(async () => {
    const m = await import('/bench/tfjs-models.mjs');
    const tf = self.tf;
    const out = { env: browserEnv() };
    if (job.system === 'tfjs-wasm') {
      if (job.threads) {
        if (!self.crossOriginIsolated)
          throw new Error('the bench page is not cross-origin isolated: no threaded TF.js binary');
        if (!(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')))
          throw new Error('TF.js reports no wasm multithread support');
        // TF.js caps XNNPACK's pool at navigator.hardwareConcurrency / 2 (its backend.cc assumes two
        // hyperthreads per core), so on a 2-vCPU machine it runs one thread whatever setThreadsCount
        // asks. This worker shows TF.js twice the real count, so that the count asked is the count
        // used (up to the real count; checked against getThreadsCount() below).
        const cores = navigator.hardwareConcurrency;
        if (job.threads > Math.floor(cores / 2)) {
          Object.defineProperty(navigator, 'hardwareConcurrency', {
            value: 2 * cores,
            configurable: true,
          });
          out.hardware_concurrency_shown_to_tfjs = 2 * cores;
        }
        tf.wasm.setThreadsCount(job.threads);
      } else {
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        tf.wasm.setThreadsCount(1);
      }
      tf.wasm.setWasmPaths('/tfjs/wasm/');
      out.filter_gradient_kernel = m.registerWasmFilterGradient(tf);
      if (!(await tf.setBackend('wasm')))
        throw new Error('the TF.js wasm backend did not initialize');
      out.filter_gradient_check = await m.checkWasmFilterGradient(tf);
      await tf.setBackend('wasm');
    } else if (!(await tf.setBackend('cpu')))
      throw new Error('the TF.js cpu backend did not initialize');
    out.tfjs = await m.tfjsInfo(tf, tf.wasm);
    if (job.threads && out.tfjs.threads !== job.threads)
      throw new Error(`setThreadsCount(${job.threads}) gave ${out.tfjs.threads} threads`);
    Object.assign(out, await m.benchTfjs(tf, job.spec, await fetchMnist(), job.dur, log));
    out.threads = out.tfjs.threads ?? 1;
    return out;
  });
};
self.postMessage({ type: 'ready' });
