// TensorFlow.js side of the benchmark: our preset specs (presets/*.json) built as tf.sequential
// models, the Conv2DBackpropFilter kernel that @tensorflow/tfjs-backend-wasm lacks, and the
// measurement of one backend. Takes the `tf` namespace as an argument, so the same file runs under
// Node (npm packages) and in a classic Web Worker (UMD bundles on self.tf).
import { throughput, latency, gflops, MODEL_MACS } from './lib/measure.mjs';
import { toArrays, oneHot, TRAIN_SUBSET, INFER_SUBSET } from './lib/mnist.mjs';

const INIT = {
  glorot_uniform: 'glorotUniform',
  glorot_normal: 'glorotNormal',
  he_normal: 'heNormal',
  he_uniform: 'heUniform',
  zeros: 'zeros',
};
const ACT = {
  relu: 'relu',
  softmax: 'softmax',
  linear: 'linear',
  none: 'linear',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
};

function initOf(v) {
  const name = typeof v === 'string' ? v : v?.type;
  return name ? (INIT[name] ?? 'glorotUniform') : undefined;
}
const pair = (v, dflt) => (v == null ? dflt : Array.isArray(v) ? v : [v, v]);
function padding(v) {
  if (v == null) return 'valid';
  if (v === 'same' || v === 'valid') return v;
  throw new Error(`padding ${JSON.stringify(v)} is not supported by the TF.js translation`);
}

/** The spec's network as a tf.sequential model (NHWC), compiled with the spec's optimizer and loss. */
export function buildTfModel(tf, spec) {
  const model = tf.sequential();
  let first = true,
    flat = false;
  const add = (layer) => {
    model.add(layer);
    first = false;
  };
  const input = () => (first ? { inputShape: spec.input } : {});
  for (const L of spec.layers) {
    switch (L.type) {
      case 'conv2d':
        add(
          tf.layers.conv2d({
            ...input(),
            filters: L.filters,
            kernelSize: pair(L.kernel),
            strides: pair(L.stride, [1, 1]),
            padding: padding(L.padding),
            activation: ACT[L.activation ?? 'linear'],
            useBias: L.use_bias ?? true,
            kernelInitializer: initOf(L.init) ?? 'glorotUniform',
          }),
        );
        break;
      case 'maxpool2d':
        add(
          tf.layers.maxPooling2d({
            ...input(),
            poolSize: pair(L.size),
            strides: pair(L.stride, pair(L.size)),
            padding: padding(L.padding),
          }),
        );
        break;
      case 'flatten':
        add(tf.layers.flatten(input()));
        flat = true;
        break;
      case 'dense':
        if (!flat) {
          add(tf.layers.flatten(input()));
          flat = true;
        }
        add(
          tf.layers.dense({
            units: L.units,
            activation: ACT[L.activation ?? 'linear'],
            useBias: L.use_bias ?? true,
            kernelInitializer: initOf(L.init) ?? 'glorotUniform',
          }),
        );
        break;
      default:
        throw new Error(`layer type ${L.type} is not supported by the TF.js translation`);
    }
  }
  const o = spec.optimizer;
  let optimizer;
  if (o.type === 'rmsprop') optimizer = tf.train.rmsprop(o.lr, o.rho ?? 0.9, 0, o.epsilon ?? 1e-7);
  else if (o.type === 'adam')
    optimizer = tf.train.adam(o.lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.epsilon ?? 1e-7);
  else if (o.type === 'sgd')
    optimizer = o.momentum ? tf.train.momentum(o.lr, o.momentum) : tf.train.sgd(o.lr);
  else throw new Error(`optimizer ${o.type} is not supported by the TF.js translation`);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return model;
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter for the wasm backend, in JavaScript.
//
// dW[fy][fx][ci][co] = sum over (b, oy, ox) of x[b][oy*sh+fy-top][ox*sw+fx-left][ci] * dy[b][oy][ox][co]
// (NHWC input, HWIO filter). Computed as the product of the im2col patch matrix (transposed) and dy:
// for each group of 4 output positions, and each patch element (fy, fx, ci), one pass over the
// contiguous output-channel row of dW accumulates 4 rank-1 updates (4 patch values times 4 dy rows).
// x and dy are read in place from the wasm heap; dW is written into an output tensor allocated by
// the wasm backend (allocate first: allocation may grow the heap and detach older views).
export const FILTER_GRADIENT_NOTE =
  'tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel (CNN training throws there); the bench ' +
  'registers a JavaScript kernel for the wasm backend (im2col-style loop over Float32Array views of ' +
  'the wasm heap, 4 rank-1 updates per pass over a contiguous dW row), checked once against the cpu ' +
  "backend's kernel. Everything else in TF.js-wasm training runs in TF.js's own wasm SIMD kernels.";

export function conv2dBackpropFilterJs(tf, backend, x, dy, attrs) {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const fmt = tf.backend_util.convertConv2DDataFormat(dataFormat ?? 'NHWC');
  if (fmt !== 'channelsLast')
    throw new Error('Conv2DBackpropFilter (JS): only NHWC is implemented');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    fmt,
  );
  const {
    batchSize: B,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: OH,
    outWidth: OW,
    outChannels: CO,
    filterHeight: FH,
    filterWidth: FW,
    strideHeight: SH,
    strideWidth: SW,
  } = info;
  const top = info.padInfo.top,
    left = info.padInfo.left;
  const out = backend.makeOutput(filterShape, 'float32');
  const dw = backend.typedArrayFromHeap(out);
  const xs = backend.typedArrayFromHeap(x);
  const ds = backend.typedArrayFromHeap(dy);
  dw.fill(0);
  const rowX = W * C,
    imgX = H * rowX;
  const P = B * OH * OW; // output positions
  const pos = new Int32Array(4),
    dOff = new Int32Array(4);
  const b = new Int32Array(4),
    iy = new Int32Array(4),
    ix = new Int32Array(4),
    xb = new Int32Array(4);
  for (let p0 = 0; p0 < P; p0 += 4) {
    const np = Math.min(4, P - p0);
    for (let k = 0; k < 4; k++) {
      const p = p0 + (k < np ? k : 0);
      pos[k] = p;
      dOff[k] = p * CO;
    }
    const d0 = dOff[0],
      d1 = dOff[1],
      d2 = dOff[2],
      d3 = dOff[3];
    // Positions -> (b, oy, ox) -> input origins.
    for (let k = 0; k < 4; k++) {
      const p = pos[k];
      b[k] = (p / (OH * OW)) | 0;
      const r = p - b[k] * OH * OW;
      iy[k] = ((r / OW) | 0) * SH - top;
      ix[k] = (r % OW) * SW - left;
    }
    for (let fy = 0; fy < FH; fy++) {
      for (let fx = 0; fx < FW; fx++) {
        // Base index of x for each position at this filter tap, or -1 when in the padding.
        xb.fill(-1);
        for (let k = 0; k < np; k++) {
          const y = iy[k] + fy,
            xx = ix[k] + fx;
          if (y >= 0 && y < H && xx >= 0 && xx < W) xb[k] = b[k] * imgX + y * rowX + xx * C;
        }
        const xb0 = xb[0],
          xb1 = xb[1],
          xb2 = xb[2],
          xb3 = xb[3];
        for (let ci = 0; ci < C; ci++) {
          const a0 = xb0 >= 0 ? xs[xb0 + ci] : 0;
          const a1 = xb1 >= 0 ? xs[xb1 + ci] : 0;
          const a2 = xb2 >= 0 ? xs[xb2 + ci] : 0;
          const a3 = xb3 >= 0 ? xs[xb3 + ci] : 0;
          const base = ((fy * FW + fx) * C + ci) * CO;
          for (let co = 0; co < CO; co++) {
            dw[base + co] +=
              a0 * ds[d0 + co] + a1 * ds[d1 + co] + a2 * ds[d2 + co] + a3 * ds[d3 + co];
          }
        }
      }
    }
  }
  return out;
}

/** Registers the JS Conv2DBackpropFilter for the wasm backend (once). */
export function registerWasmFilterGradient(tf) {
  const existing = tf.getKernel('Conv2DBackpropFilter', 'wasm');
  if (existing) return existing.kernelFunc === kernelFunc ? 'patched' : 'native';
  function kernelFunc({ inputs, backend, attrs }) {
    return conv2dBackpropFilterJs(tf, backend, inputs.x, inputs.dy, attrs);
  }
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc });
  return 'patched';
}

/** Compares the wasm backend's (patched) Conv2DBackpropFilter with the cpu backend's on small
 *  random cases; throws when they differ. Restores the previous backend. */
export async function checkWasmFilterGradient(tf) {
  const before = tf.getBackend();
  const cases = [
    { x: [2, 7, 6, 3], f: [3, 3, 3, 5], strides: 1, pad: 'same' },
    { x: [3, 9, 8, 2], f: [3, 2, 2, 7], strides: 2, pad: 'valid' },
    { x: [1, 5, 5, 1], f: [5, 5, 1, 4], strides: 1, pad: 'same' },
  ];
  let maxErr = 0;
  for (const c of cases) {
    const n = (s) => s.reduce((a, b) => a * b, 1);
    let seed = 12345;
    const rnd = (len) =>
      Float32Array.from(
        { length: len },
        () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1,
      );
    const xv = rnd(n(c.x));
    const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, 1, c.pad);
    const dyShape = [c.x[0], info.outHeight, info.outWidth, c.f[3]];
    const dyv = rnd(n(dyShape));
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f };
    const results = {};
    for (const be of ['cpu', 'wasm']) {
      await tf.setBackend(be);
      const x = tf.tensor4d(xv, c.x),
        dy = tf.tensor4d(dyv, dyShape);
      const r = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs);
      results[be] = await r.data();
      tf.dispose([x, dy, r]);
    }
    for (let i = 0; i < results.cpu.length; i++) {
      const e = Math.abs(results.cpu[i] - results.wasm[i]) / Math.max(1, Math.abs(results.cpu[i]));
      if (!(e <= 1e-4))
        throw new Error(
          `Conv2DBackpropFilter (JS, wasm) differs from the cpu backend: case ${JSON.stringify(c)} index ${i}: ${results.wasm[i]} vs ${results.cpu[i]}`,
        );
      maxErr = Math.max(maxErr, e);
    }
  }
  if (before) await tf.setBackend(before);
  return { cases: cases.length, max_rel_error: maxErr, passed: true };
}

// ---------------------------------------------------------------------------------------------
/** Training, inference and latency of `spec` on the current TF.js backend. */
export async function benchTfjs(tf, spec, files, dur, log = () => {}) {
  const backend = tf.getBackend();
  const train = toArrays(files.trainImages, files.trainLabels, TRAIN_SUBSET);
  const test = toArrays(files.testImages, files.testLabels, INFER_SUBSET);
  const model = buildTfModel(tf, spec);
  const params = model.countParams();
  const batch = spec.batch_size;
  const [h, w, c] = spec.input;
  const size = h * w * c;
  // The cpu backend takes seconds per training step (its Conv2DBackpropFilter is a scalar loop
  // through TensorBuffer accessors): warm it up with one small batch, then time whole steps.
  const slow = backend === 'cpu';
  let cursor = 0,
    lastLoss = NaN;
  const step = async (bs = batch) => {
    if (cursor + bs > train.n) cursor = 0;
    const x = tf.tensor4d(train.images.subarray(cursor * size, (cursor + bs) * size), [
      bs,
      h,
      w,
      c,
    ]);
    const y = tf.tensor2d(oneHot(train.labels, cursor, bs), [bs, 10]);
    try {
      lastLoss = await model.trainOnBatch(x, y);
    } finally {
      tf.dispose([x, y]);
    }
    cursor += bs;
  };
  log(`tfjs-${backend} ${spec.name}: training`);
  if (slow) await step(4);
  const tr = await throughput(() => step(), batch, {
    warmup: slow ? 0 : 3,
    warmupSeconds: slow ? 0 : dur.warmup,
    seconds: dur.train,
    minCalls: slow ? 1 : 3,
  });
  log(`tfjs-${backend} ${spec.name}: inference`);
  const IB = 256;
  const xs = [];
  for (let i = 0; i + IB <= test.n; i += IB)
    xs.push(tf.tensor4d(test.images.subarray(i * size, (i + IB) * size), [IB, h, w, c]));
  let bi = 0;
  const inf = await throughput(
    async () => {
      const y = model.predict(xs[bi++ % xs.length]);
      await y.data();
      y.dispose();
    },
    IB,
    { warmup: 1, seconds: dur.infer, minCalls: slow ? 1 : 2 },
  );
  tf.dispose(xs);
  log(`tfjs-${backend} ${spec.name}: latency`);
  const singles = [];
  for (let i = 0; i < 64; i++)
    singles.push(tf.tensor4d(test.images.subarray(i * size, (i + 1) * size), [1, h, w, c]));
  let k = 0;
  const lat = await latency(
    async () => {
      const y = model.predict(singles[k++ % 64]);
      await y.data();
      y.dispose();
    },
    { seconds: dur.latency },
  );
  tf.dispose(singles);
  model.dispose();
  const macs = MODEL_MACS[spec.name];
  return {
    params,
    macs,
    batch,
    train_examples_per_s: tr.examplesPerS,
    train_gflops: macs ? gflops(tr.examplesPerS, macs, true) : null,
    train_steps_timed: tr.calls,
    final_batch_loss: Number(lastLoss),
    infer_examples_per_s: inf.examplesPerS,
    infer_gflops: macs ? gflops(inf.examplesPerS, macs, false) : null,
    infer_batch: IB,
    latency_ms: lat.ms,
    latency_p10_ms: lat.p10,
    latency_p90_ms: lat.p90,
    latency_samples: lat.samples,
    latency_group: lat.groupSize,
  };
}

/** Facts about the active TF.js backend for the report. */
export async function tfjsInfo(tf, wasmNs) {
  const backend = tf.getBackend();
  const info = { version: tf.version_core ?? tf.version?.['tfjs-core'], backend };
  if (backend === 'wasm') {
    info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.multithread_support = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    info.threads = wasmNs?.getThreadsCount ? wasmNs.getThreadsCount() : null;
    // The binary the backend picks from these two flags (backend_wasm.js, getPathToWasmBinary).
    info.binary =
      info.simd && info.multithread_support
        ? 'tfjs-backend-wasm-threaded-simd.wasm'
        : info.simd
          ? 'tfjs-backend-wasm-simd.wasm'
          : 'tfjs-backend-wasm.wasm';
    info.filter_gradient = FILTER_GRADIENT_NOTE;
  }
  return info;
}
