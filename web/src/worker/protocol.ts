// The one contract between the page and the training worker: typed request and event unions.
// Nothing else is shared between web/src/ui and web/src/worker. Requests carry an `id` that the
// reply echoes; training progress arrives as a stream of small events; bulk data (IDX files,
// model bytes, digit images) travels as transferable buffers.

export const PROTOCOL_VERSION = 1;

export interface LayerSummary {
  index: number;
  name: string;
  type: string;
  detail: string;
  output: number[];
  params: number;
  macs: number;
}

export interface ModelSummary {
  name: string;
  input: number[];
  layers: LayerSummary[];
  params: number;
  macs: number;
  classes: number;
}

export interface DataInfo {
  trainCount: number;
  testCount: number;
  rows: number;
  cols: number;
  /** What the data is, for the page: "MNIST" or the names of the user's files. */
  source: string;
}

export interface Hyperparameters {
  lr?: number;
  momentum?: number;
  l2?: number;
  dropout?: number;
  batchSize?: number;
  epochs?: number;
  augment?: boolean;
  optimizer?: 'sgd' | 'adam' | 'rmsprop';
}

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

export interface TensorStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  zeroFraction: number;
  nanCount: number;
  infCount: number;
  histogram: number[];
  histMin: number;
  histMax: number;
}

export interface LayerStats {
  layer: number;
  name: string;
  type: string;
  hasParams: boolean;
  updateRatio: number;
  weights: TensorStats;
  gradients: TensorStats;
  activations: TensorStats;
}

/** Which network answered a digit: the one being trained, or the pretrained one that ships. */
export type PadModel = 'current' | 'pretrained';

// ---- requests (page -> worker) -------------------------------------------------------------

interface RequestTypes {
  init: { req: {}; res: { version: number; presets: Record<string, string>; variant: string } };
  'data/load-mnist': { req: { baseUrl: string }; res: DataInfo };
  'data/load-files': { req: { files: IdxFiles; names: string[] }; res: DataInfo };
  'model/configure': { req: { spec: string }; res: { summary: ModelSummary; spec: string } };
  'model/reset': { req: { seed?: number }; res: { summary: ModelSummary } };
  'model/save': { req: { weightsOnly?: boolean }; res: { bytes: ArrayBuffer; step: number } };
  /** Loads the pretrained model that ships with the site (a second network, for the digit pad). */
  'pretrained/load': { req: { url: string }; res: { summary: ModelSummary } };
  'inspect/activations': {
    req: { input: InspectInput; model?: PadModel };
    res: { layers: FeatureMap[]; probabilities: number[]; label: number | null; model: PadModel };
  };
  'inspect/filters': { req: {}; res: { layers: FilterTensor[] } };
  'inspect/stats': { req: {}; res: { layers: LayerStats[] } };
  /** Preprocesses a drawing like MNIST and classifies it (the pretrained model until training starts). */
  'digit/predict': {
    req: { gray: Float32Array; height: number; width: number; withMaps: boolean };
    res: { image: Float32Array; probabilities: number[]; model: PadModel; ms: number; layers: FeatureMap[] };
  };
  /** A model file: with a spec it brings its own model; weights alone must fit the current spec. */
  'model/load': { req: { bytes: ArrayBuffer; name: string }; res: { summary: ModelSummary; spec: string; step: number; weightsOnly: boolean } };
  'hparams/set': { req: { hparams: Hyperparameters }; res: {} };
  'train/start': { req: {}; res: {} };
  'train/pause': { req: {}; res: {} };
  'train/step': { req: {}; res: {} };
  'eval/run': { req: {}; res: {} };
  /** Throws inside the worker, to exercise crash recovery. */
  'debug/crash': { req: {}; res: {} };
}

export type RequestType = keyof RequestTypes;
export type RequestOf<T extends RequestType> = { type: T; id: number } & RequestTypes[T]['req'];
export type ResultOf<T extends RequestType> = RequestTypes[T]['res'];
export type ToWorker = { [T in RequestType]: RequestOf<T> }[RequestType];

// ---- replies and events (worker -> page) ---------------------------------------------------

export interface Reply {
  type: 'reply';
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export type TrainState = 'idle' | 'running' | 'paused' | 'done';

export type FromWorker =
  | Reply
  | { type: 'data/progress'; file: string; loaded: number; total: number; fromCache: boolean }
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
  | { type: 'metrics/eval'; step: number; epoch: number; accuracy: number; loss: number; count: number }
  | { type: 'eval/report'; report: EvalReport }
  | { type: 'train/state'; state: TrainState; step: number; epochs: number; message?: string }
  /** Something went wrong outside a request (e.g. divergence while training). */
  | { type: 'error'; message: string };
