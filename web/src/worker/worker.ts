// The training worker: owns the wasm module (loaded once), one Trainer and the data. It trains in
// chunks of a few batches (about 40 ms each) and yields between them, so pause, step and
// hyper-parameter changes land between chunks. It does no math itself: everything numeric is
// the core's, through the Embind Trainer.
import createCnnModule from '../wasm/cnn.js';
import type { CnnModule, Result, WasmEvalResult, WasmLayerStats, WasmStepResult, WasmTensorStats, WasmTrainer } from '../wasm/cnn.js';
import { buildReport, type TestSet } from './eval-report';
import { gunzip, keptOffline, resetKeptOffline, type Progress } from './fetch-data';
import { DownloadMeter, fetchManifest, fetchShard, forgetShard, joinIdx, type Shard, type ShardData } from './mnist-shards';
import {
  MAX_IDX_FILE_BYTES,
  PROTOCOL_VERSION,
  protocolMismatch,
  tooLargeMessage,
  type DataInfo,
  type ErrorCode,
  type FeatureMap,
  type FilterTensor,
  type FromWorker,
  type LayerStats,
  type RequestOf,
  type RequestType,
  type ResultOf,
  type ThreadInfo,
  type ToWorker,
  type TrainState,
} from './protocol';

const CHUNK_TARGET_MS = 40;
const QUICK_EVAL_COUNT = 1000;
const QUICK_EVALS_PER_EPOCH = 8;

// The engine: the bundled single-threaded module, or the threaded one when init asks for it and
// the page is cross-origin isolated. Loaded by the first request (init, normally).
let modulePromise: Promise<CnnModule> | null = null;
let threadNote = 'page not cross-origin isolated';
let cnn: CnnModule | null = null;
let trainer: WasmTrainer | null = null;
let pretrained: WasmTrainer | null = null; // the shipped model, for the digit pad until training starts
let testSet: TestSet | null = null; // the raw IDX files, for galleries
let dataInfo: DataInfo | null = null;
// Every data load takes the next number; a shard stream from an older load stops appending.
let dataGeneration = 0;
// The MNIST shards still to come, while they stream in behind training.
// Resolves when init has made the trainer: the MNIST download starts before that, beside the engine's.
let initialized: () => void = () => {};
const trainerMade = new Promise<void>((resolve) => (initialized = resolve));
let stream: { baseUrl: string; shards: Shard[]; imageBytes: number; generation: number; running: boolean; progress: Progress } | null = null;

let state: TrainState = 'idle';
let msPerStep = 0; // running estimate, sizes the chunks
let stepsPerEpoch = 0;
let epochs = 1;
let batchSize = 1;
let trainMs = 0; // training time since the last reset
let examplesTrained = 0; // examples trained since the last reset
let lastExamplesSeen: number | null = null; // the core's counter at the previous chunk
let wallStart = 0; // performance.now() when the current run started
let wallBefore = 0; // wall time of earlier runs since the last reset
let nextQuickEval = 0; // fractional epoch of the next sampled test evaluation

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(msg, transfer);
}

/** An error with a sentence for the user and the code the page decides by. */
class UserError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode = 'invalid',
    readonly layer?: number,
  ) {
    super(message);
  }
}

function codeOf(e: unknown): ErrorCode {
  return e instanceof UserError ? e.code : 'internal';
}

// 'debug/crash' with `during`: the request type that makes this worker throw instead of replying.
let crashDuring: RequestType | null = null;

function engine(): Promise<CnnModule> {
  return (modulePromise ??= createCnnModule());
}

async function loadEngine(threadedModule?: string): Promise<CnnModule> {
  if (modulePromise) return modulePromise;
  const isolated = (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = navigator.hardwareConcurrency ?? 1;
  if (!threadedModule) threadNote = 'this page offers no threaded engine';
  else if (!isolated) threadNote = 'page not cross-origin isolated';
  else if (cores < 2) threadNote = 'one core';
  else {
    modulePromise = (async () => {
      // Served as it was built (Vite would break its pthread workers), so imported by URL.
      const mod = (await import(/* @vite-ignore */ threadedModule)) as { default: typeof createCnnModule };
      const m = await mod.default();
      threadNote = '';
      m.setThreads(m.hardwareThreads());
      return m;
    })().catch((e: unknown) => {
      threadNote = `the threaded engine failed to load (${e instanceof Error ? e.message : String(e)})`;
      return createCnnModule();
    });
  }
  return engine();
}

function threadInfo(m: CnnModule): ThreadInfo {
  return { threads: m.threads(), max: m.hardwareThreads(), why: m.hardwareThreads() > 1 ? '' : threadNote };
}

function unwrap<T>(r: Result<T>): T {
  if (r && typeof r === 'object' && 'error' in r) {
    const e = r as { error: string; code?: ErrorCode; layer?: number };
    throw new UserError(e.error, e.code ?? 'internal', e.layer);
  }
  return r as T;
}

function need(): WasmTrainer {
  if (!trainer) throw new UserError('the model is not ready yet', 'state');
  return trainer;
}

function readSpecCounts(): void {
  const spec = JSON.parse(need().specJson() || '{}') as { epochs?: number; batch_size?: number };
  epochs = spec.epochs ?? 1;
  batchSize = spec.batch_size ?? 1;
}

function setState(s: TrainState, message?: string): void {
  state = s;
  const t = trainer;
  post({ type: 'train/state', state: s, step: t ? t.step() : 0, epochs, message });
}

function resetCounters(): void {
  msPerStep = 0;
  trainMs = 0;
  examplesTrained = 0;
  lastExamplesSeen = null;
  wallBefore = 0;
  nextQuickEval = 1 / QUICK_EVALS_PER_EPOCH;
}

// Yields to the event loop through a MessageChannel (setTimeout(0) is clamped to 4 ms).
const channel = new MessageChannel();
const waiting: Array<() => void> = [];
channel.port1.onmessage = () => waiting.shift()?.();
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}

function wallNow(): number {
  return wallBefore + (state === 'running' ? performance.now() - wallStart : 0);
}

function postStep(r: WasmStepResult): void {
  stepsPerEpoch = r.stepsPerEpoch;
  trainMs += r.ms;
  // Exact counts from the core (the last batch of an epoch may be short).
  examplesTrained += lastExamplesSeen === null ? r.steps * batchSize : r.examplesSeen - lastExamplesSeen;
  lastExamplesSeen = r.examplesSeen;
  const eps = trainMs > 0 ? (examplesTrained / trainMs) * 1000 : 0;
  post({
    type: 'metrics/step',
    step: r.step,
    epoch: r.epoch + r.epochProgress,
    loss: r.loss,
    accuracy: r.batchAccuracy,
    lr: r.lr,
    examplesPerSec: eps,
    trainMs,
    wallMs: wallNow(),
    stepsPerEpoch: r.stepsPerEpoch,
    totalSteps: epochs * r.stepsPerEpoch,
  });
}

function evaluate(limit: number, epoch: number): WasmEvalResult {
  const t = need();
  const e = unwrap(t.evaluate(limit));
  const total = Math.max(dataInfo?.testTotal ?? 0, e.count);
  post({ type: 'metrics/eval', step: t.step(), epoch, accuracy: e.accuracy, loss: e.loss, count: e.count, total });
  return e;
}

function fullEvaluation(epoch: number): void {
  const e = evaluate(0, epoch);
  const report = buildReport(e, need().step(), epoch, testSet!, dataInfo!);
  post({ type: 'eval/report', report }, [report.images.pixels.buffer]);
}

/** One chunk of training; returns false when the run should stop. */
function trainChunk(): boolean {
  const t = need();
  const before = t.step();
  let n = msPerStep > 0 ? Math.round(CHUNK_TARGET_MS / msPerStep) : 1;
  n = Math.max(1, Math.min(n, 256));
  if (stepsPerEpoch > 0) {
    const inEpoch = before % stepsPerEpoch; // exact while the batch size is unchanged
    n = Math.min(n, stepsPerEpoch - inEpoch);
  }
  const r = unwrap(t.trainSteps(n));
  const per = r.ms / r.steps;
  msPerStep = msPerStep > 0 ? 0.7 * msPerStep + 0.3 * per : per;
  postStep(r);
  const epochEnd = r.epochProgress >= 1 - 1e-9;
  const at = r.epoch + r.epochProgress;
  if (epochEnd) {
    fullEvaluation(at);
    nextQuickEval = r.epoch + 1 + 1 / QUICK_EVALS_PER_EPOCH;
    if (r.epoch + 1 >= epochs) return false;
  } else if (at >= nextQuickEval) {
    evaluate(Math.min(QUICK_EVAL_COUNT, dataInfo!.testCount), at);
    nextQuickEval = Math.floor(at * QUICK_EVALS_PER_EPOCH + 1) / QUICK_EVALS_PER_EPOCH;
  }
  return true;
}

async function runLoop(): Promise<void> {
  wallStart = performance.now();
  while (state === 'running') {
    try {
      if (!trainChunk()) {
        wallBefore += performance.now() - wallStart;
        setState('done');
        return;
      }
    } catch (e) {
      wallBefore += performance.now() - wallStart;
      state = 'paused';
      const message = e instanceof Error ? e.message : String(e);
      post({ type: 'error', message, code: codeOf(e) });
      setState('paused', message);
      return;
    }
    await yieldToEvents();
  }
  wallBefore += performance.now() - wallStart;
}

function finishedAllEpochs(): boolean {
  const t = need();
  return stepsPerEpoch > 0 && t.step() >= epochs * stepsPerEpoch;
}

// ---- request handlers ----------------------------------------------------------------------

type Handler<T extends RequestType> = (req: RequestOf<T>) => Promise<ResultOf<T>> | ResultOf<T>;

const handlers: { [T in RequestType]: Handler<T> } = {
  async init(req) {
    cnn = await loadEngine(req.threadedModule);
    trainer ??= new cnn.Trainer();
    initialized();
    const presets: Record<string, string> = {};
    for (const name of cnn.presetNames()) presets[name] = unwrap(cnn.preset(name)).json;
    return { version: PROTOCOL_VERSION, presets, variant: 'wasmsimd', threads: threadInfo(cnn) };
  },

  async 'engine/threads'(req) {
    cnn = await engine();
    const max = cnn.hardwareThreads();
    if (!Number.isInteger(req.threads) || req.threads < 1 || req.threads > max)
      throw new UserError(max > 1 ? `threads must be a whole number from 1 to ${max}` : `this engine runs on one thread (${threadNote})`);
    cnn.setThreads(req.threads);
    return threadInfo(cnn);
  },

  async 'engine/memory'() {
    cnn = await engine();
    return cnn.heapBytes();
  },

  async 'data/load-mnist'(req) {
    // Downloads at once, while the engine may still be loading; the trainer is needed only to add
    // the data. Without an init before this request, the default engine loads as for any request.
    const engineReady = modulePromise ? trainerMade : engine();
    const generation = ++dataGeneration;
    stream = null;
    resetKeptOffline();
    const progress = byteCounter(generation);
    const manifest = await fetchManifest(req.baseUrl, progress.report);
    progress.setManifest(manifest);
    const imageBytes = manifest.rows * manifest.cols;
    if (req.testOnly) {
      // Test only: the whole test set in both places (this worker never trains).
      const parts = await Promise.all(manifest.shards.filter((s) => s.set === 'test').map((s) => fetchShard(req.baseUrl, s, imageBytes, progress.report)));
      parts.sort((a, b) => a.shard.start - b.shard.start);
      const images = parts.map((p) => p.images).reduce(joinIdx);
      const labels = parts.map((p) => p.labels).reduce(joinIdx);
      const names = ['MNIST test images', 'MNIST test labels'];
      await engineReady;
      return setData([images, labels, images, labels], 'the MNIST test set', [...names, ...names], { bytesTotal: manifest.bytes, keptOffline: keptOffline() });
    }
    // The first training and test shards together, then training can start; the rest streams.
    const first = (set: 'train' | 'test') => manifest.shards.find((s) => s.set === set && s.start === 0)!;
    const [train, test] = await Promise.all([first('train'), first('test')].map((s) => fetchShard(req.baseUrl, s, imageBytes, progress.report)));
    await engineReady;
    if (generation !== dataGeneration) throw new UserError('another data set was chosen meanwhile', 'state');
    const names = [train.shard.images.file, train.shard.labels.file, test.shard.images.file, test.shard.labels.file];
    setData([train.images, train.labels, test.images, test.labels], 'MNIST', names, {
      trainTotal: manifest.train,
      testTotal: manifest.test,
      bytesTotal: manifest.bytes,
      keptOffline: keptOffline(),
    });
    unwrap(need().setFullTrainCount(manifest.train));
    const rest = manifest.shards.filter((s) => s.start !== 0);
    stream = { baseUrl: req.baseUrl, shards: rest, imageBytes, generation, running: false, progress: progress.report };
    const arrived = [train, test].reduce((a, d) => a + d.shard.images.bytes + d.shard.labels.bytes, 0);
    dataInfo = { ...dataInfo!, epochSize: manifest.train, bytesLoaded: arrived, arriving: rest.length > 0 };
    void streamShards();
    return dataInfo;
  },

  'data/retry'() {
    if (!dataInfo) throw new UserError('load a data set first', 'state');
    if (stream && !stream.running && stream.shards.length) {
      dataInfo = { ...dataInfo, arriving: true, streamError: undefined };
      void streamShards();
    }
    return dataInfo;
  },

  async 'data/load-files'(req) {
    ++dataGeneration;
    stream = null;
    const f = req.files;
    const buffers = [f.trainImages, f.trainLabels, f.testImages, f.testLabels];
    // The page refuses such files before reading them; this guards the engine's memory as well.
    buffers.forEach((b, i) => {
      if (b.byteLength > MAX_IDX_FILE_BYTES) throw new UserError(tooLargeMessage(req.names[i], b.byteLength), 'too-large');
    });
    const raw = await Promise.all(
      buffers.map((b, i) =>
        gunzip(new Uint8Array(b), req.names[i], MAX_IDX_FILE_BYTES).catch((e: Error) => {
          throw new UserError(e.message, e.name === 'RangeError' ? 'too-large' : 'data');
        }),
      ),
    );
    return setData(raw, req.names.join(', '), req.names);
  },

  'model/configure'(req) {
    const t = need();
    if (state === 'running') state = 'paused';
    const summary = unwrap(t.configure(req.spec));
    readSpecCounts();
    stepsPerEpoch = 0;
    resetCounters();
    setState('idle');
    return { summary, spec: t.specJson() };
  },

  'model/reset'(req) {
    const t = need();
    if (state === 'running') state = 'paused';
    unwrap(t.reset(req.seed ?? -1));
    resetCounters();
    setState('idle');
    return { summary: unwrap(t.summary()) };
  },

  'model/save'(req) {
    const t = need();
    const bytes = unwrap(req.weightsOnly ? t.saveWeights() : t.save()).bytes;
    return { bytes: bytes.buffer as ArrayBuffer, step: t.step() };
  },

  'model/export-onnx'() {
    const t = need();
    const bytes = unwrap(t.exportOnnx()).bytes;
    return { bytes: bytes.buffer as ArrayBuffer, step: t.step() };
  },

  'model/set-filter'(req) {
    const t = need();
    const layers = unwrap(t.summary()).layers;
    const L = req.layer < 0 ? (layers.find((l) => l.type === 'conv2d')?.index ?? -1) : req.layer;
    if (L < 0) throw new UserError('the current model has no conv2d layer');
    const p = unwrap(t.setConvFilter(L, req.filter, req.kernel, req.kh, req.kw));
    return { layer: p.layer, layerName: layers[L].name, filter: req.filter, layerKh: p.layerKh, layerKw: p.layerKw, offsetY: p.offsetY, offsetX: p.offsetX };
  },

  'model/load'(req) {
    const t = need();
    const bytes = new Uint8Array(req.bytes);
    let summary;
    let weightsOnly = false;
    try {
      summary = unwrap(t.load(bytes, req.name));
    } catch (e) {
      // A file without our spec (weights from elsewhere) goes into the current model if it fits.
      if (codeOf(e) !== 'no-spec') throw e;
      unwrap(t.importWeights(bytes, req.name));
      summary = unwrap(t.summary());
      weightsOnly = true;
    }
    if (state === 'running') state = 'paused';
    readSpecCounts();
    resetCounters();
    stepsPerEpoch = 0;
    setState(t.step() > 0 || weightsOnly ? 'paused' : 'idle');
    return { summary, spec: t.specJson(), step: t.step(), weightsOnly };
  },

  async 'pretrained/load'(req) {
    const res = await fetch(req.url);
    if (!res.ok) throw new UserError(`the pretrained model could not be downloaded (HTTP ${res.status})`, 'download');
    const bytes = new Uint8Array(await res.arrayBuffer());
    const p = new cnn!.Trainer();
    try {
      const summary = unwrap(p.load(bytes, 'the pretrained model'));
      pretrained?.delete();
      pretrained = p;
      return { summary };
    } catch (e) {
      p.delete();
      throw e;
    }
  },

  'inspect/activations'(req) {
    const t = req.model === 'pretrained' && pretrained ? pretrained : need();
    let image: Float32Array;
    let label: number | null = null;
    if (req.input.kind === 'test') {
      const r = unwrap(need().testImage(req.input.index));
      image = r.image;
      label = r.label;
    } else {
      image = req.input.image;
    }
    const probabilities = Array.from(unwrap(t.predict(image)).probabilities);
    return { layers: featureMaps(t), probabilities, label, model: t === pretrained ? 'pretrained' : 'current' };
  },

  'inspect/filters'() {
    const t = need();
    const summary = unwrap(t.summary());
    const layers: FilterTensor[] = [];
    const lastDense = summary.layers.map((l) => l.type).lastIndexOf('dense');
    for (const l of summary.layers) {
      if (l.type !== 'conv2d' && !(l.type === 'dense' && l.index === lastDense)) continue;
      const kernel = unwrap(t.weights(l.index)).find((w) => w.shape.length === (l.type === 'conv2d' ? 4 : 2));
      if (!kernel) continue;
      const prev = l.index > 0 ? summary.layers[l.index - 1].output : summary.input;
      layers.push({
        index: l.index,
        name: kernel.name,
        type: l.type,
        shape: kernel.shape,
        data: kernel.data,
        inputShape: l.type === 'dense' && prev.length === 3 ? prev : null,
      });
    }
    return { layers };
  },

  'inspect/stats'() {
    const t = need();
    const n = unwrap(t.summary()).layers.length;
    const layers = [];
    for (let i = 0; i < n; i++) layers.push(unwrap(t.layerStats(i)));
    return { layers: layers.map(toLayerStats) };
  },

  'inspect/layer-conv'(req) {
    const t = need();
    const summary = unwrap(t.summary());
    const convLayers = summary.layers.filter((l) => l.type === 'conv2d').map((l) => ({ index: l.index, name: l.name }));
    if (!convLayers.length) throw new UserError('the current model has no conv2d layer');
    const L = req.layer < 0 ? convLayers[0].index : req.layer;
    if (!convLayers.some((l) => l.index === L)) throw new UserError(`layer ${L} is not a conv2d layer`);
    let image: Float32Array;
    let label: number | null = null;
    if (req.input.kind === 'test') {
      const r = unwrap(t.testImage(req.input.index));
      image = r.image;
      label = r.label;
    } else {
      image = req.input.image;
    }
    unwrap(t.predict(image));
    const input = unwrap(t.activation(L - 1));
    const output = unwrap(t.activation(L));
    const weights = unwrap(t.weights(L));
    const kernel = weights.find((w) => w.shape.length === 4)!;
    const bias = weights.find((w) => w.shape.length === 1) ?? null;
    const win = unwrap(t.layerWindow(L)); // the strides and the padding the layer really uses
    return {
      layer: L,
      name: summary.layers[L].name,
      inputShape: input.shape,
      input: input.data,
      kernelShape: kernel.shape,
      kernel: kernel.data,
      bias: bias ? bias.data : null,
      strideH: win.strideH,
      strideW: win.strideW,
      padding: win.padding,
      padTop: win.padTop,
      padLeft: win.padLeft,
      padBottom: win.padBottom,
      padRight: win.padRight,
      activation: win.activation,
      outputShape: output.shape,
      output: output.data,
      label,
      convLayers,
    };
  },

  async 'conv/apply'(req) {
    cnn = await engine();
    return unwrap(cnn.conv2d(req)); // the binding reads the named fields only
  },

  async 'conv/pool'(req) {
    cnn = await engine();
    return unwrap(cnn.pool2d(req));
  },

  'data/test-image'(req) {
    if (!dataInfo) throw new UserError('load MNIST first: the test digits come from its test set', 'state');
    return unwrap(need().testImage(req.index));
  },

  'digit/predict'(req) {
    const started = performance.now();
    const image = unwrap(cnn!.preprocessDigit(req.gray, req.height, req.width)).image;
    // The pad reads with the network being trained once it has learnt something.
    const t = trainer && trainer.step() > 0 ? trainer : pretrained ?? need();
    const probabilities = Array.from(unwrap(t.predict(image)).probabilities);
    const layers = req.withMaps ? featureMaps(t) : [];
    return { image, probabilities, model: t === pretrained ? 'pretrained' : 'current', ms: performance.now() - started, layers };
  },

  'hparams/set'(req) {
    const t = need();
    unwrap(t.setHyperparameters(req.hparams));
    if (req.hparams.epochs !== undefined) epochs = req.hparams.epochs;
    if (req.hparams.batchSize !== undefined) {
      batchSize = req.hparams.batchSize;
      stepsPerEpoch = 0; // re-learnt from the next chunk
    }
    return {};
  },

  'train/start'() {
    need();
    if (!dataInfo) throw new UserError('load a data set before training', 'state');
    if (state === 'running') return {};
    if (finishedAllEpochs()) throw new UserError(`all ${epochs} epochs are done: raise Epochs to train further, or Reset`, 'state');
    setState('running');
    void runLoop();
    return {};
  },

  'train/pause'() {
    if (state === 'running') setState('paused');
    return {};
  },

  'train/step'() {
    const t = need();
    if (!dataInfo) throw new UserError('load a data set before training', 'state');
    if (state === 'running') setState('paused');
    const r = unwrap(t.trainSteps(1));
    postStep(r);
    if (state === 'idle') setState('paused');
    else post({ type: 'train/state', state, step: t.step(), epochs });
    return {};
  },

  'eval/run'() {
    const t = need();
    if (!dataInfo) throw new UserError('load a data set before evaluating', 'state');
    fullEvaluation(stepsPerEpoch > 0 ? t.step() / stepsPerEpoch : 0);
    return {};
  },

  'debug/crash'(req) {
    if (req.during) {
      crashDuring = req.during;
      return {};
    }
    crash();
    return {};
  },
};

/** A real uncaught error in the worker's event loop, as a wasm trap would give. */
function crash(): void {
  setTimeout(() => {
    throw new Error('simulated worker crash');
  });
}

/** Every layer's output for the last single-image forward pass, the input first. */
function featureMaps(t: WasmTrainer): FeatureMap[] {
  const summary = unwrap(t.summary());
  const out: FeatureMap[] = [];
  for (let i = -1; i < summary.layers.length; i++) {
    const a = unwrap(t.activation(i));
    const l = i >= 0 ? summary.layers[i] : null;
    out.push({ index: i, name: l ? l.name : 'input', type: l ? l.type : 'input', shape: a.shape, data: a.data });
  }
  return out;
}

function toLayerStats(s: WasmLayerStats): LayerStats {
  const t = (x: WasmTensorStats) => ({ ...x, histogram: Array.from(x.histogram) });
  return { ...s, weights: t(s.weights), gradients: t(s.gradients), activations: t(s.activations) };
}

function setData(raw: Uint8Array[], source: string, names: readonly string[], whole: Partial<DataInfo> = {}): DataInfo {
  const t = need();
  // The core names the file and its role: "train.gz (training images): ...".
  const info = unwrap(t.setData(raw[0], raw[1], raw[2], raw[3], [...names]));
  testSet = { images: raw[2], labels: raw[3] };
  dataInfo = {
    ...info,
    source,
    trainTotal: info.trainCount,
    testTotal: info.testCount,
    bytesLoaded: whole.bytesTotal ?? 0,
    bytesTotal: 0,
    arriving: false,
    keptOffline: true,
    ...whole,
  };
  stepsPerEpoch = 0;
  return dataInfo;
}

/** 'data/progress' for one data load, silent once another load has started. */
function byteCounter(generation: number): DownloadMeter {
  return new DownloadMeter((file, loaded, total, fromCache) => {
    if (generation === dataGeneration) post({ type: 'data/progress', file, loaded, total, fromCache });
  });
}

/**
 * Fetches the remaining MNIST shards one at a time (so each gets the whole bandwidth) and appends
 * each to the trainer's data between training chunks. A failed shard stops the stream with one
 * sentence in DataInfo.streamError; training goes on with what arrived, and 'data/retry' resumes.
 */
async function streamShards(): Promise<void> {
  const s = stream;
  if (!s || s.running) return;
  s.running = true;
  const current = () => s.generation === dataGeneration && stream === s;
  try {
    while (s.shards.length) {
      const shard = s.shards[0];
      let data: ShardData;
      try {
        data = await fetchShard(s.baseUrl, shard, s.imageBytes, s.progress);
        if (!current()) return;
        try {
          appendShard(data);
        } catch (e) {
          await forgetShard(s.baseUrl, shard); // the core refused it: download it afresh on Retry
          throw e;
        }
      } catch (e) {
        if (!current()) return;
        const n = (x: number) => x.toLocaleString('en-US');
        const set = shard.set === 'train' ? 'training' : 'test';
        const have = shard.set === 'train' ? dataInfo!.trainCount : dataInfo!.testCount;
        const message = `MNIST ${set} images ${n(shard.start + 1)}–${n(shard.start + shard.count)} did not arrive: ${(e as Error).message}; the page goes on with the ${n(have)} ${set} images that did.`;
        dataInfo = { ...dataInfo!, arriving: false, streamError: message };
        post({ type: 'data/grown', info: dataInfo });
        return;
      }
      s.shards.shift();
      dataInfo = { ...dataInfo!, arriving: s.shards.length > 0, streamError: undefined, keptOffline: keptOffline() };
      post({ type: 'data/grown', info: dataInfo });
    }
  } finally {
    s.running = false;
  }
}

function appendShard(d: ShardData): void {
  const t = need();
  const train = d.shard.set === 'train';
  const info = unwrap(train ? t.appendTrain(d.images, d.labels) : t.appendTest(d.images, d.labels));
  if (!train) testSet = { images: joinIdx(testSet!.images, d.images), labels: joinIdx(testSet!.labels, d.labels) };
  const bytes = d.shard.images.bytes + d.shard.labels.bytes;
  dataInfo = { ...dataInfo!, trainCount: info.trainCount, testCount: info.testCount, bytesLoaded: Math.min(dataInfo!.bytesLoaded + bytes, dataInfo!.bytesTotal) };
}

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const req = ev.data;
  try {
    // A page and a worker of different versions (a stale copy of either in the browser's cache)
    // would misread each other's messages: refuse everything, with the one sentence that helps.
    if (req.protocol !== PROTOCOL_VERSION) throw new UserError(protocolMismatch(req.protocol, PROTOCOL_VERSION), 'protocol');
    if (crashDuring === req.type) {
      crashDuring = null;
      crash();
      return;
    }
    const handler = handlers[req.type] as Handler<RequestType>;
    if (!handler) throw new UserError(`unknown request "${(req as { type: string }).type}"`, 'protocol');
    if (req.type !== 'init' && req.type !== 'data/load-mnist') await engine();
    const result = await handler(req as RequestOf<RequestType>);
    const transfer: Transferable[] = [];
    if (req.type === 'model/save' || req.type === 'model/export-onnx') transfer.push((result as ResultOf<'model/save'>).bytes);
    if (req.type === 'inspect/activations' || req.type === 'digit/predict')
      for (const m of (result as { layers: FeatureMap[] }).layers) transfer.push(m.data.buffer);
    if (req.type === 'inspect/filters') for (const f of (result as ResultOf<'inspect/filters'>).layers) transfer.push(f.data.buffer);
    post({ type: 'reply', id: req.id, ok: true, result }, transfer);
  } catch (e) {
    const layer = e instanceof UserError ? e.layer : undefined;
    post({ type: 'reply', id: req.id, ok: false, error: e instanceof Error ? e.message : String(e), code: codeOf(e), layer });
  }
};
