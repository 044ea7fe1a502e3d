// The one contract between the page and the training worker: typed request and event unions.
// Nothing else is shared between web/src/ui and web/src/worker. Requests carry an `id` that the
// reply echoes; training progress arrives as a stream of small events; bulk data (IDX files,
// model bytes, digit images) travels as transferable buffers.

// 2: MNIST in shards ('data/grown', 'data/retry', DataInfo's totals and bytes, eval totals).
// 3: every request carries `protocol`; errors carry an ErrorCode; DataInfo.keptOffline;
//    'debug/crash' can wait for a request.
// 4: 'inspect/layer-conv' answers with the pads the layer really uses (padTop, padLeft, padBottom,
//    padRight); 'data/load-mnist' may name each file's URL.
export const PROTOCOL_VERSION = 4;

// The engine's own types are declared once, in ../wasm/cnn.d.ts (the bindings' contract); the
// protocol re-exports those that cross to the page unchanged and derives the rest from them.
import type {
  WasmError,
  WasmExplanation,
  WasmFilterPlacement,
  WasmHyperparameters,
  WasmLayerStats,
  WasmLayerSummary,
  WasmPadding,
  WasmSummary,
  WasmTensorStats,
} from '../wasm/cnn';

/**
 * What a failed request or an 'error' event is about. The page decides by code (where to show the
 * sentence, whether to fall back); the sentence itself is only shown, never matched.
 * The first eight are the core's (core/tensor/error.h, through the bindings); the rest are the
 * worker's and the page's own.
 */
export type ErrorCode =
  | WasmError['code'] // the core's: invalid, spec, data, model-file, no-spec, memory, diverged, state, internal
  | 'download' // the site's data or model did not arrive
  | 'too-large' // a file larger than the page takes
  | 'protocol' // the page and the worker speak different protocol versions
  | 'crashed'; // the worker stopped (a new one is started)

/** The sentence for a page and a worker of different versions (a stale copy of one of them). */
export function protocolMismatch(page: unknown, worker: unknown): string {
  const v = (x: unknown) => (typeof x === 'number' ? String(x) : 'unknown');
  return `The page and its training worker are from different versions (the page speaks protocol ${v(page)}, the worker ${v(worker)}), most likely an old copy in the browser's cache: reload the page.`;
}

/**
 * The largest IDX file the page takes, before or after gunzip (MNIST's training images are 47 MB);
 * larger files are refused before they are read, so they cannot exhaust the engine's memory.
 */
export const MAX_IDX_FILE_BYTES = 200 * 1024 * 1024;

export function tooLargeMessage(name: string, bytes: number): string {
  const mb = (b: number) => `${Math.round(b / (1024 * 1024)).toLocaleString('en-US')} MB`;
  return `${name} is ${mb(bytes)}, more than the ${mb(MAX_IDX_FILE_BYTES)} an IDX file may have here (MNIST's largest is 45 MB)`;
}

/** One row of the model's summary, as the core computes it. */
export type LayerSummary = WasmLayerSummary;
/** The model's summary (layers, parameters, MACs, the memory of a training step). */
export type ModelSummary = WasmSummary;

export interface DataInfo {
  /** Images loaded so far. */
  trainCount: number;
  testCount: number;
  rows: number;
  cols: number;
  /** What the data is, for the page: "MNIST" or the names of the user's files. */
  source: string;
  /** The sizes of the whole sets: more than the counts while MNIST is still arriving. */
  trainTotal: number;
  testTotal: number;
  /** Examples an epoch counts: trainTotal, also before all of it has arrived. */
  epochSize: number;
  /** Compressed bytes of the site's data arrived and in all (0 for the user's files). */
  bytesLoaded: number;
  bytesTotal: number;
  /** More shards are on their way (false once complete, or stopped by an error). */
  arriving: boolean;
  /** Why the rest stopped arriving (a shard failed to download); 'data/retry' goes on. */
  streamError?: string;
  /**
   * The site's data is in the browser's cache for the next visit (false: no Cache API, private
   * window or storage full; it is downloaded again next time). True for the user's own files.
   */
  keptOffline: boolean;
}

export type Hyperparameters = WasmHyperparameters;

/** The four IDX files of a data set, raw or gzip-compressed. */
export interface IdxFiles {
  trainImages: ArrayBuffer;
  trainLabels: ArrayBuffer;
  testImages: ArrayBuffer;
  testLabels: ArrayBuffer;
}

/** A set of digit images, rows x cols bytes each, back to back. */
export interface DigitImages {
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

/** One test example the page shows in a gallery. */
export interface ExampleRef {
  index: number;
  label: number;
  predicted: number;
  /** The class probabilities. */
  probs: number[];
  /** Offset of its image in EvalReport.images (in images, not bytes). */
  image: number;
}

/** A full evaluation on the test set. */
export interface EvalReport {
  step: number;
  epoch: number; // fractional epochs trained when it was taken
  count: number;
  /** The whole test set's size: more than count when part of it had not arrived yet. */
  total: number;
  classes: number;
  loss: number;
  accuracy: number;
  perClass: number[];
  classCount: number[];
  /** classes x classes counts, row = true class, column = predicted. */
  confusion: number[];
  /** Misclassified examples, at most `perCellLimit` per confusion cell, in test-set order. */
  misclassified: ExampleRef[];
  perCellLimit: number;
  /** The examples whose top probability is lowest. */
  leastSure: ExampleRef[];
  images: DigitImages;
}

/** One layer's output for one input: [H, W, C] for images, [N] for flat layers. */
export interface FeatureMap {
  index: number; // -1 = the input
  name: string;
  type: string;
  shape: number[];
  data: Float32Array;
}

/** What to look inside the network with: a test digit or an image the page made (28x28, [0, 1]). */
export type InspectInput = { kind: 'test'; index: number } | { kind: 'image'; image: Float32Array };

/**
 * Why the network reads an input as it does, for every class (the core's Trainer::explain): the
 * saliency, Grad-CAM and occlusion maps, each [classes, height, width] flat, with the image they
 * explain and what it read.
 */
export type Explanation = Omit<WasmExplanation, 'probabilities'> & {
  probabilities: number[];
  /** The explained image (28x28 in [0, 1]). */
  image: Float32Array;
  label: number | null;
  model: PadModel;
  ms: number;
};

/** A weight tensor to draw: conv kernels [KH, KW, C, K], or the last dense kernel [in, units]. */
export interface FilterTensor {
  index: number;
  name: string;
  type: string;
  shape: number[];
  data: Float32Array;
  /** For a dense kernel: the [H, W, C] shape its inputs come from, when they are an image. */
  inputShape: number[] | null;
}

/** The engine's statistics of one population of values, the histogram as a plain array. */
export type TensorStats = Omit<WasmTensorStats, 'histogram'> & { histogram: number[] };

export type LayerStats = Omit<WasmLayerStats, 'weights' | 'gradients' | 'activations'> & {
  weights: TensorStats;
  gradients: TensorStats;
  activations: TensorStats;
};

/**
 * Padding as the spec writes it: TensorFlow's "same" / "valid", or an explicit number of pixels,
 * also as text ("2"). The core reads String(padding) with its one padding parser.
 */
export type Padding = WasmPadding;

/** One convolution on explicit numbers, done by the core (no model or data needed). */
export interface ConvApply {
  inputShape: number[]; // [H, W, C]
  input: Float32Array;
  kernelShape: number[]; // [KH, KW, C, K]
  kernel: Float32Array;
  bias?: Float32Array;
  strideH: number;
  strideW: number;
  padding: Padding;
  relu: boolean;
  /** min(x, clampMax) after the ReLU. */
  clampMax?: number;
}

/** One max or average pooling pass on explicit numbers, done by the core. */
export interface PoolApply {
  inputShape: number[]; // [H, W, C]
  input: Float32Array;
  poolH: number;
  poolW: number;
  strideH: number;
  strideW: number;
  padding: Padding;
  op: 'max' | 'avg';
}

/** The core's answer to conv/apply and conv/pool, with the padding it actually used. */
export interface ConvOutput {
  outputShape: number[]; // [OH, OW, K]
  output: Float32Array;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

/** A conv layer of the current model with the input it saw, for the explainer to recompute. */
export interface LayerConv {
  layer: number;
  name: string;
  /** The layer's input: activation(layer - 1), or the image for layer 0. */
  inputShape: number[];
  input: Float32Array;
  kernelShape: number[];
  kernel: Float32Array;
  bias: Float32Array | null;
  strideH: number;
  strideW: number;
  /** As the spec writes it: "same", "valid" or the number of pixels ("2"). */
  padding: string;
  /** The padding the layer really uses on each side (the core's window geometry). */
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  activation: string;
  /** The layer's own output as the network computed it (after its activation). */
  outputShape: number[];
  output: Float32Array;
  label: number | null;
  /** Every conv2d layer of the model: index and name. */
  convLayers: Array<{ index: number; name: string }>;
}

/** Where a hand-made kernel went (model/set-filter): the layer, its kernel size, the corner used. */
export type FilterPlacement = Omit<WasmFilterPlacement, 'name'> & {
  /** The layer's name, "conv2d_1". */
  layerName: string;
  filter: number;
};

/** Which network answered a digit: the one being trained, or the pretrained one that ships. */
export type PadModel = 'current' | 'pretrained';

/**
 * How many threads the engine trains with, and why not more: the threaded module needs a
 * cross-origin-isolated page (COOP + COEP) and more than one core.
 */
export interface ThreadInfo {
  threads: number;
  /** The most the loaded module can use (1 for the single-threaded module). */
  max: number;
  /** Why the module is single-threaded, empty when it is threaded. */
  why: string;
}

// ---- requests (page -> worker) -------------------------------------------------------------

interface RequestTypes {
  /**
   * Loads the engine. threadedModule: the URL of the threaded module (mt/cnn.js), which the worker
   * loads instead of the bundled single-threaded one when the page is cross-origin isolated and
   * the machine has more than one core; the page offers it, the library elements do not.
   */
  init: {
    req: { threadedModule?: string };
    res: { version: number; presets: Record<string, string>; variant: string; threads: ThreadInfo };
  };
  /** Threads the kernels use from the next batch on (1 .. max); the results do not depend on it. */
  'engine/threads': { req: { threads: number }; res: ThreadInfo };
  /** The engine's WebAssembly heap now and its maximum, in bytes (for the soak and diagnostics). */
  'engine/memory': { req: Record<string, never>; res: { bytes: number; max: number } };
  /**
   * MNIST from the site, in shards. Replies once the first test and training shards are loaded
   * (training can start); the others follow one at a time, each announced by 'data/grown'.
   * testOnly fetches the test set alone (1.6 MB instead of 11 MB), which then stands in for the
   * training set too: for elements that look at digits and never train.
   */
  /** MNIST from the folder baseUrl, or from each file's own URL in `files` (by name) when given. */
  'data/load-mnist': {
    req: { baseUrl: string; files?: Record<string, string>; testOnly?: boolean };
    res: DataInfo;
  };
  /** Goes on fetching the MNIST shards after one failed (DataInfo.streamError). */
  'data/retry': { req: {}; res: DataInfo };
  'data/load-files': { req: { files: IdxFiles; names: string[] }; res: DataInfo };
  'model/configure': { req: { spec: string }; res: { summary: ModelSummary; spec: string } };
  'model/reset': { req: { seed?: number }; res: { summary: ModelSummary } };
  'model/save': { req: { weightsOnly?: boolean }; res: { bytes: ArrayBuffer; step: number } };
  /** The current model's inference graph as ONNX (opset 13) bytes, to use it elsewhere. */
  'model/export-onnx': { req: {}; res: { bytes: ArrayBuffer; step: number } };
  /**
   * Copies a kh x kw kernel (row-major, the numbers used as weights as they are) into filter `filter`
   * of conv layer `layer` (-1: the first conv layer). A smaller odd kernel is centred with zeros
   * around it; the bias and the other filters stay.
   */
  'model/set-filter': {
    req: { layer: number; filter: number; kernel: Float32Array; kh: number; kw: number };
    res: FilterPlacement;
  };
  /** Loads the pretrained model that ships with the site (a second network, for the digit pad). */
  'pretrained/load': { req: { url: string }; res: { summary: ModelSummary } };
  'inspect/activations': {
    req: { input: InspectInput; model?: PadModel };
    res: { layers: FeatureMap[]; probabilities: number[]; label: number | null; model: PadModel };
  };
  /** Saliency, Grad-CAM and occlusion maps of every class for one input; changes no training state. */
  'inspect/explain': { req: { input: InspectInput; model?: PadModel }; res: Explanation };
  'inspect/filters': { req: {}; res: { layers: FilterTensor[] } };
  'inspect/stats': { req: {}; res: { layers: LayerStats[] } };
  /** A conv layer's input, kernel, bias and spec for one input (layer -1: the first conv layer). */
  'inspect/layer-conv': { req: { layer: number; input: InspectInput }; res: LayerConv };
  /** The core's convolution on explicit numbers; works before any model or data. */
  'conv/apply': { req: ConvApply; res: ConvOutput };
  'conv/pool': { req: PoolApply; res: ConvOutput };
  /** Test example `index` as floats in [0, 1] (28x28) and its label; needs data. */
  'data/test-image': { req: { index: number }; res: { image: Float32Array; label: number } };
  /** Preprocesses a drawing like MNIST and classifies it (the pretrained model until training starts). */
  'digit/predict': {
    req: { gray: Float32Array; height: number; width: number; withMaps: boolean };
    res: {
      image: Float32Array;
      probabilities: number[];
      model: PadModel;
      ms: number;
      layers: FeatureMap[];
    };
  };
  /**
   * Preprocesses a photographed or scanned digit (grey levels in [0, 1], 1 = white, as decoded) with
   * the core's photo path (uneven light, either polarity, specks and page edges dropped) and
   * classifies it with the network the pad uses. A blank photo fails with one sentence.
   */
  'digit/predict-photo': {
    /** name: the file's, which starts the error sentences. */
    req: { gray: Float32Array; height: number; width: number; name: string };
    res: { image: Float32Array; probabilities: number[]; model: PadModel; ms: number };
  };
  /** A model file: with a spec it brings its own model; weights alone must fit the current spec. */
  'model/load': {
    req: { bytes: ArrayBuffer; name: string };
    res: { summary: ModelSummary; spec: string; step: number; weightsOnly: boolean };
  };
  'hparams/set': { req: { hparams: Hyperparameters }; res: {} };
  'train/start': { req: {}; res: {} };
  'train/pause': { req: {}; res: {} };
  'train/step': { req: {}; res: {} };
  'eval/run': { req: {}; res: {} };
  /**
   * Throws inside the worker, to exercise crash recovery: at once, or (`during`) when the next
   * request of that type arrives, which then never replies (a worker killed mid-save).
   */
  'debug/crash': { req: { during?: RequestType }; res: {} };
}

export type RequestType = keyof RequestTypes;
/** protocol: the page's PROTOCOL_VERSION; a worker of another version refuses with code 'protocol'. */
export type RequestOf<T extends RequestType> = {
  type: T;
  id: number;
  protocol: number;
} & RequestTypes[T]['req'];
export type ResultOf<T extends RequestType> = RequestTypes[T]['res'];
export type ToWorker = { [T in RequestType]: RequestOf<T> }[RequestType];

// ---- replies and events (worker -> page) ---------------------------------------------------

export interface Reply {
  type: 'reply';
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
  code?: ErrorCode;
  /** The spec's layer the error is about, when there is one (the editor marks it). */
  layer?: number;
}

export type TrainState = 'idle' | 'running' | 'paused' | 'done';

export type FromWorker =
  | Reply
  /** Bytes of the current data load: loaded so far of total (0 when unknown), file the latest. */
  | { type: 'data/progress'; file: string; loaded: number; total: number; fromCache: boolean }
  /** A shard of MNIST arrived and joined the data, or the rest stopped (info.streamError). */
  | { type: 'data/grown'; info: DataInfo }
  /** One point per training chunk; the charts append it. */
  | {
      type: 'metrics/step';
      step: number;
      epoch: number; // fractional
      loss: number;
      accuracy: number;
      lr: number;
      examplesPerSec: number; // mean since the last reset, training time only
      trainMs: number; // training time so far, without evaluations
      wallMs: number; // wall time of this run so far
      stepsPerEpoch: number;
      totalSteps: number;
    }
  /** Test accuracy on a sample (during an epoch) or the whole test set (at its end). */
  /** count: test images used; total: the whole test set's size (more while MNIST arrives). */
  | {
      type: 'metrics/eval';
      step: number;
      epoch: number;
      accuracy: number;
      loss: number;
      count: number;
      total: number;
    }
  | { type: 'eval/report'; report: EvalReport }
  | { type: 'train/state'; state: TrainState; step: number; epochs: number; message?: string }
  /** Something went wrong outside a request (e.g. divergence while training). */
  | { type: 'error'; message: string; code: ErrorCode };
