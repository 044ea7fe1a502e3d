// The model spec as the page edits it (the same JSON the core and the CLI read), and the
// hyper-parameters the controls show, read from and written into it. The core validates; this
// file only moves fields around.
import type { Hyperparameters } from '../worker/protocol';

export interface LayerSpec {
  type: string;
  [key: string]: unknown;
}

export interface ModelSpec {
  name?: string;
  description?: string;
  input?: number[];
  layers: LayerSpec[];
  loss?: string;
  optimizer?: { type: string; lr?: number; momentum?: number; [key: string]: unknown };
  batch_size?: number;
  epochs?: number;
  seed?: number;
  augment?: boolean | { enabled?: boolean; [key: string]: unknown };
  [key: string]: unknown;
}

/** Every hyper-parameter the controls show, with its value in the spec. */
export interface Hparams {
  optimizer: 'sgd' | 'adam' | 'rmsprop';
  lr: number;
  momentum: number;
  batchSize: number;
  epochs: number;
  seed: number;
  l2: number;
  /** null when the model has no dropout layer. */
  dropout: number | null;
  augment: boolean;
}

const hasWeights = (l: LayerSpec) => l.type === 'conv2d' || l.type === 'dense';

export function readHparams(spec: ModelSpec): Hparams {
  const opt = spec.optimizer ?? { type: 'sgd' };
  const weighted = spec.layers.find(hasWeights);
  const drop = spec.layers.find((l) => l.type === 'dropout');
  const aug = spec.augment;
  return {
    optimizer: (opt.type as Hparams['optimizer']) ?? 'sgd',
    lr: opt.lr ?? 0.01,
    momentum: opt.momentum ?? 0,
    batchSize: spec.batch_size ?? 32,
    epochs: spec.epochs ?? 1,
    seed: spec.seed ?? 1,
    l2: Number(weighted?.l2 ?? 0),
    dropout: drop ? Number(drop.rate ?? 0.5) : null,
    augment: typeof aug === 'object' ? aug.enabled !== false : Boolean(aug),
  };
}

/** A copy of `spec` with some hyper-parameters changed. */
export function writeHparams(spec: ModelSpec, h: Partial<Hparams>): ModelSpec {
  const s: ModelSpec = structuredClone(spec);
  if (h.optimizer !== undefined && h.optimizer !== s.optimizer?.type) {
    // Switching optimiser starts from its defaults, as the core does.
    s.optimizer = { type: h.optimizer, lr: s.optimizer?.lr ?? 0.01 };
  }
  s.optimizer ??= { type: 'sgd' };
  if (h.lr !== undefined) s.optimizer.lr = h.lr;
  if (h.momentum !== undefined && s.optimizer.type === 'sgd') s.optimizer.momentum = h.momentum;
  if (h.batchSize !== undefined) s.batch_size = h.batchSize;
  if (h.epochs !== undefined) s.epochs = h.epochs;
  if (h.seed !== undefined) s.seed = h.seed;
  if (h.l2 !== undefined) for (const l of s.layers) if (hasWeights(l)) l.l2 = h.l2;
  if (h.dropout !== undefined && h.dropout !== null)
    for (const l of s.layers) if (l.type === 'dropout') l.rate = h.dropout;
  if (h.augment !== undefined) {
    if (typeof s.augment === 'object') s.augment = { ...s.augment, enabled: h.augment };
    else s.augment = h.augment;
  }
  return s;
}

/** The changes as the worker's setHyperparameters takes them (seed applies at the next reset). */
export function toWorkerHparams(h: Partial<Hparams>): Hyperparameters {
  const out: Hyperparameters = {};
  if (h.optimizer !== undefined) out.optimizer = h.optimizer;
  if (h.lr !== undefined) out.lr = h.lr;
  if (h.momentum !== undefined) out.momentum = h.momentum;
  if (h.batchSize !== undefined) out.batchSize = h.batchSize;
  if (h.epochs !== undefined) out.epochs = h.epochs;
  if (h.l2 !== undefined) out.l2 = h.l2;
  if (h.dropout !== undefined && h.dropout !== null) out.dropout = h.dropout;
  if (h.augment !== undefined) out.augment = h.augment;
  return out;
}

export function formatSpec(spec: ModelSpec): string {
  // One line per layer reads best in the JSON editor.
  const { layers, ...rest } = spec;
  const head = JSON.stringify(rest, null, 2).replace(/\n}$/, '');
  const body = layers.map((l) => '    ' + JSON.stringify(l)).join(',\n');
  return `${head},\n  "layers": [\n${body}\n  ]\n}`;
}
