// What the Runs panel says about runs: a run's automatic name, its settings as rows of text, the
// rows in which selected runs differ, and one colour per run. Text only; the panel draws it.
import { isPresetNetwork, type RunSetup } from './app-state';
import { MAX_RUNS, type RunRecord } from './run-store';
import { readHparams, type LayerSpec, type ModelSpec } from './spec';

const OPTIMIZERS: Record<string, string> = { sgd: 'SGD', adam: 'Adam', rmsprop: 'RMSprop' };

/** Distinct colours, a run keeping its own by its number. */
const PALETTE = [
  '#2563eb',
  '#d97706',
  '#059669',
  '#dc2626',
  '#7c3aed',
  '#0891b2',
  '#be185d',
  '#4d7c0f',
];

export function runColor(run: RunRecord): string {
  return PALETTE[(run.number - 1 + PALETTE.length) % PALETTE.length];
}

/** The model's name for a run: its preset, "(edited)" when its layers are not the preset's. */
export function modelName(preset: string, presetNetwork: boolean): string {
  if (!preset) return 'loaded model';
  return presetNetwork ? preset : `${preset} (edited)`;
}

/** "Run 3 · tiny · Adam lr 0.001". */
export function autoName(number: number, preset: string, presetNetwork: boolean, spec: ModelSpec) {
  const h = readHparams(spec);
  return `Run ${number} · ${modelName(preset, presetNetwork)} · ${OPTIMIZERS[h.optimizer] ?? h.optimizer} lr ${h.lr}`;
}

const pair = (v: unknown) => (Array.isArray(v) ? v.join('×') : `${String(v)}×${String(v)}`);

/** One layer in a few words: "conv8 5×5 same relu", "maxpool 2", "dense10 softmax". */
export function layerText(l: LayerSpec): string {
  const act =
    typeof l.activation === 'string' && l.activation !== 'linear' ? ` ${l.activation}` : '';
  switch (l.type) {
    case 'conv2d': {
      const stride = l.stride !== undefined && l.stride !== 1 ? ` /${pair(l.stride)}` : '';
      return `conv${String(l.filters)} ${pair(l.kernel ?? 3)} ${String(l.padding ?? 'valid')}${stride}${act}`;
    }
    case 'maxpool2d':
    case 'avgpool2d':
      return `${l.type.slice(0, 3)}pool ${String(l.size ?? 2)}`;
    case 'dense':
      return `dense${String(l.units)}${act}`;
    case 'dropout':
      return `dropout ${String(l.rate ?? 0.5)}`;
    case 'activation':
      return String(l.activation ?? l.function ?? 'activation');
    default:
      return l.type;
  }
}

/** The settings the difference table can show, as [label, text] in a fixed order. */
export function runSettings(run: RunRecord): Array<[string, string]> {
  const h = readHparams(run.spec);
  const rows: Array<[string, string]> = [
    ['Model', modelName(run.preset, run.presetNetwork)],
    ['Layers', run.spec.layers.map(layerText).join(' · ')],
    ['Layer details', JSON.stringify(run.spec.layers)],
    ['Input', JSON.stringify(run.spec.input ?? null)],
    ['Optimizer', OPTIMIZERS[h.optimizer] ?? h.optimizer],
    ['Learning rate', String(h.lr)],
    ['Momentum', h.optimizer === 'sgd' ? String(h.momentum) : '–'],
    ['Batch size', String(h.batchSize)],
    ['Epochs', String(h.epochs)],
    ['Seed', String(h.seed)],
    ['L2', String(h.l2)],
    ['Dropout', h.dropout === null ? 'none' : String(h.dropout)],
    ['Augmentation', h.augment ? 'on' : 'off'],
    ['Threads', String(run.threads)],
  ];
  return rows;
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

export function finalText(run: RunRecord): string {
  const f = run.final;
  if (!f) return '–';
  const pct = `${(100 * f.accuracy).toFixed(2)}%`;
  return f.count < f.total ? `${pct} (on ${f.count.toLocaleString('en-US')} images)` : pct;
}

/** The results every comparison shows, differing or not. */
export function runResults(run: RunRecord): Array<[string, string]> {
  return [
    ['Steps', run.step.toLocaleString('en-US')],
    ['Epochs trained', run.epoch.toFixed(2)],
    ['Final test accuracy', finalText(run)],
    ['Time', formatSeconds(run.seconds)],
  ];
}

/**
 * The rows of the difference table: the settings whose text differs between the runs (the raw
 * layer JSON only when the one-line summaries do not already show the difference), then the
 * results. `same` counts the settings left out.
 */
export function differences(runs: RunRecord[]): {
  rows: Array<{ label: string; values: string[]; result: boolean }>;
  same: number;
} {
  if (!runs.length) return { rows: [], same: 0 };
  const settings = runs.map(runSettings);
  const rows: Array<{ label: string; values: string[]; result: boolean }> = [];
  let same = 0;
  const differs = (i: number) => new Set(settings.map((s) => s[i][1])).size > 1;
  settings[0].forEach(([label], i) => {
    if (!differs(i)) {
      if (label !== 'Layer details') same++;
      return;
    }
    if (label === 'Layer details' && differs(i - 1)) return; // the summaries differ already
    rows.push({ label, values: settings.map((s) => s[i][1]), result: false });
  });
  const results = runs.map(runResults);
  results[0].forEach(([label], i) =>
    rows.push({ label, values: results.map((r) => r[i][1]), result: true }),
  );
  return { rows, same };
}

/** A run that has not trained yet: the setup, named and numbered, with no steps or results. */
export function emptyRun(
  s: RunSetup,
  id: string,
  number: number,
  presets: Record<string, RunSetup['spec']>,
  fields: { threads: number; startedAt: number },
): RunRecord {
  const presetNetwork = isPresetNetwork({ ...s, hide: [] }, presets);
  return {
    id,
    number,
    name: autoName(number, s.preset, presetNetwork, s.spec),
    preset: s.preset,
    presetNetwork,
    spec: s.spec,
    threads: fields.threads,
    startedAt: fields.startedAt,
    updatedAt: fields.startedAt,
    seconds: 0,
    step: 0,
    epoch: 0,
    steps: [],
    evals: [],
    final: null,
    changes: [],
  };
}

/** A queued setup as a run without steps (numbered from 1), to name and compare it. */
export function setupAsRun(
  s: RunSetup,
  i: number,
  presets: Record<string, RunSetup['spec']>,
): RunRecord {
  return emptyRun(s, `setup-${i}`, i + 1, presets, { threads: 0, startedAt: 0 });
}

/** Where the runs are kept, in one sentence (embedded: never; kept false: storage refused). */
export function storageNote(embedded: boolean, kept: boolean | null): string {
  if (embedded) return 'Runs are not kept in an embedded playground: export them to keep them.';
  if (kept === false)
    return 'This browser does not let the page keep runs (private window, storage full or blocked): they are lost on reload unless you export them.';
  return `Runs are kept in this browser (the last ${MAX_RUNS}).`;
}

/** What an import did, in one sentence. */
export function importMessage(
  fileName: string,
  r: { added: number; skipped: number; dropped: number },
): string {
  const plural = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
  return (
    `Imported ${plural(r.added)} from ${fileName}` +
    (r.skipped ? `; ${plural(r.skipped)} already in the list` : '') +
    (r.dropped ? `; the oldest ${plural(r.dropped)} made way (the list keeps ${MAX_RUNS})` : '') +
    '.'
  );
}
