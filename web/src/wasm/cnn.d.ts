// Types for the Embind module built from wasm/bindings.cpp (Emscripten 3.1.6 cannot emit them).
// Every call that can fail returns {error, code} instead of throwing.
export interface WasmError {
  error: string;
  /** The core's ErrorCode by name (core/tensor/error.h), or 'internal'. */
  code:
    | 'invalid'
    | 'spec'
    | 'data'
    | 'model-file'
    | 'no-spec'
    | 'memory'
    | 'diverged'
    | 'state'
    | 'internal';
  /** The spec's layer the error is about, when there is one. */
  layer?: number;
}
export type Result<T> = T | WasmError;

export interface WasmLayerSummary {
  index: number;
  name: string;
  type: string;
  detail: string;
  output: number[];
  params: number;
  macs: number;
}
export interface WasmSummary {
  name: string;
  input: number[];
  layers: WasmLayerSummary[];
  params: number;
  macs: number;
  classes: number;
  /** Estimated bytes of a training step: stepBytesFixed + stepBytesPerExample * batch. */
  stepBytesPerExample: number;
  stepBytesFixed: number;
}
export interface WasmDataInfo {
  trainCount: number;
  testCount: number;
  rows: number;
  cols: number;
  /** Examples per epoch: trainCount, or the full size the training set is still growing to. */
  epochSize: number;
}
export interface WasmStepResult {
  step: number;
  epoch: number;
  epochProgress: number;
  examplesSeen: number;
  loss: number;
  batchAccuracy: number;
  ms: number;
  steps: number;
  stepsPerEpoch: number;
  lr: number;
}
export interface WasmEvalResult {
  count: number;
  classes: number;
  loss: number;
  accuracy: number;
  perClass: Float64Array;
  classCount: Int32Array;
  confusion: Int32Array;
  misclassified: Int32Array;
  predicted: Uint8Array;
  probs: Float32Array;
}
export interface WasmNamedValues {
  name: string;
  shape: number[];
  data: Float32Array;
}
/** Statistics of one population of values; NaN/Inf are counted and left out of the rest. */
export interface WasmTensorStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  /** Exact zeros / finite values (dead ReLUs in activations). */
  zeroFraction: number;
  nanCount: number;
  infCount: number;
  /** 20 equal bins over [histMin, histMax]; they sum to count - nanCount - infCount. */
  histogram: Int32Array;
  histMin: number;
  histMax: number;
}
export interface WasmLayerStats {
  layer: number;
  name: string;
  type: string;
  hasParams: boolean;
  /** ||w_after - w_before|| / ||w_before|| of the last optimizer step; 0 before any step. */
  updateRatio: number;
  /** Kernel and bias together. */
  weights: WasmTensorStats;
  gradients: WasmTensorStats;
  /** The layer's whole output of the last forward pass; count 0 before any. */
  activations: WasmTensorStats;
}
/** A conv2d or pooling layer's window as built: the spec's numbers and the padding it really uses. */
export interface WasmLayerWindow {
  layer: number;
  name: string;
  type: string;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  /** As the spec writes it: "same", "valid" or the number of pixels ("2"). */
  padding: string;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  outputH: number;
  outputW: number;
  activation: string;
}
/** Where setConvFilter put the kernel: the layer's kernel size and the kernel's top-left corner in it. */
export interface WasmFilterPlacement {
  layer: number;
  name: string;
  layerKh: number;
  layerKw: number;
  /** Top-left corner of the hand-made kernel inside the layer's (0, 0 when the sizes match). */
  offsetY: number;
  offsetX: number;
}
/**
 * Why the network reads an image as it does (Trainer::explain): three maps per class, each
 * [classes, height, width] flat, at the input image's size.
 */
export interface WasmExplanation {
  probabilities: Float32Array;
  classes: number;
  height: number;
  width: number;
  /** d logit_c / d pixel (the score before the softmax); signed. */
  saliency: Float32Array;
  /** Grad-CAM of the last conv2d layer, upsampled; empty when gradCamLayer is -1 (no conv layer). */
  gradCam: Float32Array;
  gradCamLayer: number;
  /** The conv layer's output size the Grad-CAM map was computed at (0 without one). */
  gradCamHeight: number;
  gradCamWidth: number;
  /** p_c(image) - p_c(image with a patch x patch square set to occlusionFill), averaged per pixel. */
  occlusion: Float32Array;
  occlusionPatch: number;
  occlusionStride: number;
  occlusionFill: number;
}
export interface WasmHyperparameters {
  lr?: number;
  momentum?: number;
  l2?: number;
  dropout?: number;
  batchSize?: number;
  epochs?: number;
  augment?: boolean;
  optimizer?: 'sgd' | 'adam' | 'rmsprop';
}

export interface WasmTrainer {
  configure(spec: string): Result<WasmSummary>;
  summary(): Result<WasmSummary>;
  specJson(): string;
  /**
   * Unpacked IDX bytes (the core has no gzip decoder: the worker unpacks .gz with
   * DecompressionStream, Node with node:zlib; gzip bytes are refused with a sentence).
   * names: the four files' names, for the messages ("x.gz (training images): ...").
   */
  setData(
    trainImages: Uint8Array,
    trainLabels: Uint8Array,
    testImages: Uint8Array,
    testLabels: Uint8Array,
    names?: string[],
  ): Result<WasmDataInfo>;
  /** Appends a shard (unpacked IDX images and labels) to the training or the test set. */
  appendTrain(images: Uint8Array, labels: Uint8Array): Result<WasmDataInfo>;
  appendTest(images: Uint8Array, labels: Uint8Array): Result<WasmDataInfo>;
  /** The size the training set will reach; epochs count that many examples until then (0: as it is). */
  setFullTrainCount(n: number): Result<WasmDataInfo>;
  trainSteps(n: number): Result<WasmStepResult>;
  evaluate(limit: number): Result<WasmEvalResult>;
  predict(image: Float32Array): Result<{ probabilities: Float32Array }>;
  /** Saliency, Grad-CAM and occlusion maps for every class; changes nothing training sees. */
  explain(image: Float32Array): Result<WasmExplanation>;
  testImage(index: number): Result<{ image: Float32Array; label: number }>;
  activation(layer: number): Result<WasmNamedValues>;
  weights(layer: number): Result<WasmNamedValues[]>;
  gradients(layer: number): Result<WasmNamedValues[]>;
  layerStats(layer: number): Result<WasmLayerStats>;
  /** The window of a conv2d or pooling layer; an error for any other layer. */
  layerWindow(layer: number): Result<WasmLayerWindow>;
  setHyperparameters(h: WasmHyperparameters): Result<object>;
  reset(seed: number): Result<object>;
  save(): Result<{ bytes: Uint8Array }>;
  /** The model file without the optimizer's state (smaller; training from it restarts that state). */
  saveWeights(): Result<{ bytes: Uint8Array }>;
  load(bytes: Uint8Array, name: string): Result<WasmSummary>;
  importWeights(bytes: Uint8Array, name: string): Result<object>;
  /** The inference graph as an ONNX model (opset 13): input "input" [N, H, W, C], output "probabilities". */
  exportOnnx(): Result<{ bytes: Uint8Array }>;
  /**
   * Copies a kh x kw kernel (row-major, used as weights as given) into filter `filter` of conv layer
   * `layer` (one input channel); a smaller odd kernel is centred with zeros around. Bias unchanged.
   */
  setConvFilter(
    layer: number,
    filter: number,
    kernel: Float32Array,
    kh: number,
    kw: number,
  ): Result<WasmFilterPlacement>;
  step(): number;
  kernelVariant(layer: number): string;
  delete(): void;
}

/** Read by the core's padding parser as String(padding): "same", "valid" or a number of pixels 0-1024. */
export type WasmPadding = 'same' | 'valid' | number | `${number}`;
export interface WasmConvRequest {
  inputShape: number[];
  input: Float32Array;
  kernelShape: number[];
  kernel: Float32Array;
  bias?: Float32Array;
  strideH: number;
  strideW: number;
  padding: WasmPadding;
  relu: boolean;
  clampMax?: number;
}
export interface WasmPoolRequest {
  inputShape: number[];
  input: Float32Array;
  poolH: number;
  poolW: number;
  strideH: number;
  strideW: number;
  padding: WasmPadding;
  op: 'max' | 'avg';
}
/** Output [OH, OW, K] and the padding actually used on each side. */
export interface WasmConvResult {
  outputShape: number[];
  output: Float32Array;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

export interface CnnModule {
  Trainer: new () => WasmTrainer;
  presetNames(): string[];
  preset(name: string): Result<{ json: string }>;
  preprocessDigit(
    gray: Float32Array,
    height: number,
    width: number,
  ): Result<{ image: Float32Array }>;
  /**
   * A photographed or scanned digit (grey levels, 1 = white) to 28x28 like MNIST; errors start
   * with `name` (the file's), e.g. "snap.jpg: the photo looks blank (...)".
   */
  preprocessPhoto(
    gray: Float32Array,
    height: number,
    width: number,
    name: string,
  ): Result<{ image: Float32Array }>;
  preferKernels(variant: string): void;
  /** Threads the kernels use (1 in the single-threaded module); returns the count in force. */
  setThreads(n: number): number;
  threads(): number;
  /** Threads this module can run: 1 single-threaded, the CPU count in the threaded module. */
  hardwareThreads(): number;
  /** The WebAssembly heap now and the most it may grow to, in bytes. */
  heapBytes(): { bytes: number; max: number };
  /** Trainer::conv2d: one convolution on explicit numbers (ReLU and clamp optional). */
  conv2d(request: WasmConvRequest): Result<WasmConvResult>;
  /** Trainer::pool2d: max or average pooling on explicit numbers. */
  pool2d(request: WasmPoolRequest): Result<WasmConvResult>;
}

declare const createCnnModule: (options?: object) => Promise<CnnModule>;
export default createCnnModule;
