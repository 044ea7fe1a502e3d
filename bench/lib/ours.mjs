// Our WebAssembly module (Embind API of wasm/bindings.cpp), measured the same way in Node and in a
// Web Worker. `M` is the instantiated module; `files` holds the raw IDX bytes.
import { throughput, latency, gflops, now, MODEL_MACS } from './measure.mjs';
import { idxSubset, toArrays, TRAIN_SUBSET, INFER_SUBSET } from './mnist.mjs';

function check(r, what) {
  if (r && r.error) throw new Error(`${what}: ${r.error}`);
  return r;
}

/** A Trainer of `spec` on the bench's MNIST subsets, with its summary (the model's MACs checked). */
function makeTrainer(M, spec, files) {
  const t = new M.Trainer();
  try {
    const summary = check(t.configure(JSON.stringify(spec)), 'configure');
    if (MODEL_MACS[spec.name] && summary.macs !== MODEL_MACS[spec.name])
      throw new Error(`${spec.name}: MACs ${summary.macs}, expected ${MODEL_MACS[spec.name]}`);
    check(
      t.setData(
        idxSubset(files.trainImages, TRAIN_SUBSET),
        idxSubset(files.trainLabels, TRAIN_SUBSET),
        idxSubset(files.testImages, INFER_SUBSET),
        idxSubset(files.testLabels, INFER_SUBSET),
      ),
      'setData',
    );
    return { t, summary };
  } catch (e) {
    t.delete();
    throw e;
  }
}

/** opts.threads: for the threaded module, setThreads(n) before the model is built; the result
 *  records the threads the engine reports (threads(), hardwareThreads()), 1 for the other module.
 *  opts.trainOnly: measure training only; opts.beforeTiming: awaited after its warm-up (to start
 *  several trainings' timing together). */
export async function benchOurs(
  M,
  spec,
  files,
  dur,
  log = () => {},
  { threads, trainOnly = false, beforeTiming } = {},
) {
  const threaded = typeof M.setThreads === 'function' && M.hardwareThreads() > 1;
  if (threads && !threaded && threads > 1)
    throw new Error(`${threads} threads asked, but this module runs one thread`);
  if (threads && threaded) M.setThreads(threads);
  const used = threaded ? M.threads() : 1;
  if (threads && used !== threads)
    throw new Error(`setThreads(${threads}) left the engine on ${used} threads`);
  const { t, summary } = makeTrainer(M, spec, files);
  try {
    const batch = spec.batch_size;
    let last = null;
    log(`ours ${spec.name}: training`);
    const train = await throughput(
      () => {
        last = check(t.trainSteps(1), 'trainSteps');
      },
      batch,
      { warmup: 3, warmupSeconds: dur.warmup, seconds: dur.train, minCalls: 3, beforeTiming },
    );
    const training = {
      train_examples_per_s: train.examplesPerS,
      train_gflops: gflops(train.examplesPerS, summary.macs, true),
      train_steps_timed: train.calls,
    };
    if (trainOnly) return { threads: used, ...training, train_seconds: train.seconds };
    const variants = [];
    for (let i = 0; i < summary.layers.length; i++) variants.push(t.kernelVariant(i));
    log(`ours ${spec.name}: inference`);
    const infer = await throughput(
      () => check(t.evaluate(INFER_SUBSET), 'evaluate'),
      INFER_SUBSET,
      { warmup: 1, seconds: dur.infer, minCalls: 2 },
    );
    const test = toArrays(files.testImages, files.testLabels, 64);
    let k = 0;
    log(`ours ${spec.name}: latency`);
    const lat = await latency(
      () => {
        const r = check(
          t.predict(test.images.subarray((k % 64) * 784, ((k % 64) + 1) * 784)),
          'predict',
        );
        k++;
        return r;
      },
      { seconds: dur.latency },
    );
    return {
      threads: used,
      hardware_threads: typeof M.hardwareThreads === 'function' ? M.hardwareThreads() : 1,
      params: summary.params,
      macs: summary.macs,
      batch,
      kernel_variants: [...new Set(variants.filter(Boolean))],
      ...training,
      final_batch_loss: last.loss,
      infer_examples_per_s: infer.examplesPerS,
      infer_gflops: gflops(infer.examplesPerS, summary.macs, false),
      infer_batch: 256,
      latency_ms: lat.ms,
      latency_p10_ms: lat.p10,
      latency_p90_ms: lat.p90,
      latency_samples: lat.samples,
      latency_group: lat.groupSize,
    };
  } finally {
    t.delete();
  }
}

/** Training in turns, for the scaling ratio measured interleaved (bench/browser/page.mjs,
 *  job.interleaved). After the warm-up (dur.warmup seconds, on `threads` threads for the threaded
 *  module), `nextTurn(result)` is awaited for the next turn, {threads, ms}, or null to end. Each
 *  turn trains for `ms` on that many threads, and its result, {threads, steps, seconds,
 *  examplesPerS}, goes to the next call (undefined in the first). The threaded module switches
 *  with setThreads and then runs untimed steps for at least 100 ms, so that its threads are up
 *  before the timing. */
export async function oursTurns(M, spec, files, dur, nextTurn, { threads } = {}) {
  const threaded = typeof M.setThreads === 'function' && M.hardwareThreads() > 1;
  if (threaded && threads) M.setThreads(threads);
  const { t, summary } = makeTrainer(M, spec, files);
  try {
    const step = () => check(t.trainSteps(1), 'trainSteps');
    const warm = (ms, steps) => {
      const w0 = now();
      for (let i = 0; i < steps || now() - w0 < ms; i++) step();
    };
    warm(1000 * dur.warmup, 3);
    let result;
    let turns = 0;
    for (let turn; (turn = await nextTurn(result)); turns++) {
      if (turn.threads > 1 && !threaded)
        throw new Error(`${turn.threads} threads asked, but this module runs one thread`);
      if (threaded && M.threads() !== turn.threads) {
        M.setThreads(turn.threads);
        if (M.threads() !== turn.threads)
          throw new Error(`setThreads(${turn.threads}) left the engine on ${M.threads()} threads`);
        warm(100, 3);
      }
      // The turn is timed as every figure of the bench is, without its warm-up (done above).
      const timed = await throughput(step, spec.batch_size, {
        warmup: 0,
        seconds: turn.ms / 1000,
        minCalls: 2,
      });
      result = {
        threads: threaded ? M.threads() : 1,
        steps: timed.calls,
        seconds: timed.seconds,
        examplesPerS: timed.examplesPerS,
      };
    }
    return { params: summary.params, macs: summary.macs, batch: spec.batch_size, turns };
  } finally {
    t.delete();
  }
}

/** The kernel micro-benchmarks (build-wasm/kernel-bench.*): practical SIMD128 peak and our conv GEMM
 *  at keras-book's conv2 shape (M = 64*121 output pixels, K = 288, N = 64). */
export async function benchKernels(K, ms = 1500) {
  const fn = (name) => K[name] ?? K['_' + name];
  const peak = fn('peakGflops'),
    gemm = fn('gemmGflops');
  if (typeof peak !== 'function') throw new Error('kernel-bench module has no peakGflops');
  peak(200); // warm-up (JIT tiers)
  const peakGflops = peak(ms);
  const shape = { M: 64 * 121, N: 64, K: 288 };
  let gemmGflops = null;
  if (typeof gemm === 'function') {
    // gemmGflops(M, N, K, ms[, variant]): our SIMD128 GEMM ('wasmsimd') when the variant is selectable.
    const call = (t) => {
      try {
        return gemm(shape.M, shape.N, shape.K, t, 'wasmsimd');
      } catch (e) {
        if (!/expected 4 arg/.test(String(e?.message ?? e))) throw e;
        return gemm(shape.M, shape.N, shape.K, t);
      }
    };
    call(200);
    gemmGflops = call(ms);
  }
  return {
    peak_gflops: peakGflops,
    conv_gemm: {
      ...shape,
      variant: 'wasmsimd',
      gflops: gemmGflops,
      fraction_of_peak: gemmGflops == null ? null : gemmGflops / peakGflops,
    },
  };
}
