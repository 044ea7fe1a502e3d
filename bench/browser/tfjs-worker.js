// Classic worker: TensorFlow.js 4.22 from its UMD bundles (self.tf), the cpu backend or the wasm
// backend with SIMD on one thread (the page is not cross-origin isolated, so there is no
// SharedArrayBuffer and the backend cannot thread; setThreadsCount(1) as well). The benchmark code
// itself is an ES module, loaded with a dynamic import().
importScripts('/tfjs/core/tf-core.min.js', '/tfjs/cpu/tf-backend-cpu.min.js', '/tfjs/layers/tf-layers.min.js',
  '/tfjs/wasm/tf-backend-wasm.min.js');

self.onmessage = async ({ data: job }) => {
  const { fetchMnist, log, browserEnv, handle } = await import('/bench/browser/common.mjs');
  await handle(async () => {
    const m = await import('/bench/tfjs-models.mjs');
    const tf = self.tf;
    const out = { env: browserEnv() };
    if (job.system === 'tfjs-wasm') {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      tf.wasm.setThreadsCount(1);
      tf.wasm.setWasmPaths('/tfjs/wasm/');
      out.filter_gradient_kernel = m.registerWasmFilterGradient(tf);
      if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js wasm backend did not initialize');
      out.filter_gradient_check = await m.checkWasmFilterGradient(tf);
      await tf.setBackend('wasm');
    } else if (!(await tf.setBackend('cpu'))) throw new Error('the TF.js cpu backend did not initialize');
    out.tfjs = await m.tfjsInfo(tf, tf.wasm);
    Object.assign(out, await m.benchTfjs(tf, job.spec, await fetchMnist(), job.dur, log));
    return out;
  });
};
self.postMessage({ type: 'ready' });
