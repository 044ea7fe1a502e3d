// One AppState for the whole page, round-tripping through the URL hash (the TensorFlow
// Playground's way): a link restores the preset, the edited spec and every hyper-parameter.
// Hyper-parameters get short readable keys; a spec whose layers differ from its preset travels
// as base64url JSON. A lesson link adds `hide=`, the panels and controls a teacher took away, and
// may add `runs=`, setups queued in the Runs panel to train one after the other and compare, and
// `lesson=`, one of the built-in lessons (web/src/lessons/lessons.ts): alone (`#lesson=tflearn`)
// it opens the lesson's network and settings; beside a preset it only names the lesson shown.
import { findLesson } from '../lessons/lessons';
import { readHparams, writeHparams, type Hparams, type ModelSpec } from './spec';

export interface AppState {
  preset: string;
  spec: ModelSpec;
  /** Panels and controls hidden by a lesson link (keys of HIDEABLE), in HIDEABLE order. */
  hide: string[];
  /** Setups a link queues in the Runs panel to compare (absent: none). */
  compare?: RunSetup[];
  /** The built-in lesson the page is on (an id of LESSONS), if any. */
  lesson?: string;
}

/** A model and its hyper-parameters, as a run starts from it. */
export interface RunSetup {
  preset: string;
  spec: ModelSpec;
}

/** The most setups a link may queue. */
export const MAX_COMPARE = 4;

export type HideGroup = 'Panels' | 'Model controls' | 'Training controls';

/** Everything a lesson link can hide, in the order the share panel lists it. */
export const HIDEABLE: ReadonlyArray<{ key: string; label: string; group: HideGroup }> = [
  { key: 'lessons', label: 'Lessons', group: 'Panels' },
  { key: 'data', label: 'Data', group: 'Panels' },
  { key: 'model', label: 'Model', group: 'Panels' },
  { key: 'pad', label: 'Draw a digit', group: 'Panels' },
  { key: 'train', label: 'Training', group: 'Panels' },
  { key: 'curves', label: 'Learning curves', group: 'Panels' },
  { key: 'runs', label: 'Runs', group: 'Panels' },
  { key: 'inside', label: 'Inside the network', group: 'Panels' },
  { key: 'conv', label: 'Convolution, step by step', group: 'Panels' },
  { key: 'eval', label: 'Evaluation', group: 'Panels' },
  { key: 'share', label: 'Share / lesson link', group: 'Panels' },
  { key: 'preset', label: 'Preset choice', group: 'Model controls' },
  { key: 'editor', label: 'Layer editor and JSON', group: 'Model controls' },
  { key: 'files', label: 'Model files (download, load)', group: 'Model controls' },
  { key: 'opt', label: 'Optimizer and momentum', group: 'Training controls' },
  { key: 'lr', label: 'Learning rate', group: 'Training controls' },
  { key: 'batch', label: 'Batch size', group: 'Training controls' },
  { key: 'l2', label: 'L2', group: 'Training controls' },
  { key: 'dropout', label: 'Dropout rate', group: 'Training controls' },
  { key: 'epochs', label: 'Epochs', group: 'Training controls' },
  { key: 'seed', label: 'Seed', group: 'Training controls' },
  { key: 'augment', label: 'Augmentation', group: 'Training controls' },
];
const HIDE_KEYS = HIDEABLE.map((h) => h.key);

/** The known keys of a comma list, deduplicated, in HIDEABLE order. */
export function normalizeHide(keys: Iterable<string>): string[] {
  const set = new Set(keys);
  return HIDE_KEYS.filter((k) => set.has(k));
}

/** URL key -> hyper-parameter, with how to parse it. */
const HPARAM_KEYS: Array<[string, keyof Hparams, (s: string) => unknown]> = [
  ['opt', 'optimizer', (s) => (['sgd', 'adam', 'rmsprop'].includes(s) ? s : undefined)],
  ['lr', 'lr', Number],
  ['momentum', 'momentum', Number],
  ['batch', 'batchSize', (s) => parseInt(s, 10)],
  ['epochs', 'epochs', (s) => parseInt(s, 10)],
  ['seed', 'seed', (s) => parseInt(s, 10)],
  ['l2', 'l2', Number],
  ['dropout', 'dropout', Number],
  ['augment', 'augment', (s) => s === '1' || s === 'true'],
];

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): string {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/**
 * Whether the spec's network (input, layers, loss) is its preset's, hyper-parameters aside: the
 * Preset select names the preset, or reads "custom". The optimizer and the other settings the
 * training panel shows may differ.
 */
export function isPresetNetwork(state: AppState, presets: Record<string, ModelSpec>): boolean {
  const base = Object.prototype.hasOwnProperty.call(presets, state.preset)
    ? presets[state.preset]
    : undefined;
  if (!base) return false;
  // Both sides through the same writer: it also writes values the preset leaves implicit (l2: 0).
  const h = readHparams(base);
  const network = (s: ModelSpec) => {
    const n = writeHparams(s, h);
    return JSON.stringify([n.input, n.layers, n.loss]);
  };
  return network(state.spec) === network(base);
}

/** A setup as [key, value] pairs: the preset, the hyper-parameters that differ from it, the spec if its layers do. */
function setupPairs(setup: RunSetup, presets: Record<string, ModelSpec>): Array<[string, string]> {
  const base = presets[setup.preset];
  const out: Array<[string, string]> = [['preset', setup.preset]];
  const h = readHparams(setup.spec);
  const hb = base ? readHparams(base) : null;
  for (const [key, field, parse] of HPARAM_KEYS) {
    const v = h[field];
    if (v === null || (hb && hb[field] === v)) continue;
    const text = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    // A value its key cannot carry (an optimizer the page does not know, a batch size of 0.5,
    // from a spec) travels in the spec instead: written as a pair, the link would read back
    // something else.
    if (parse(text) !== v) continue;
    out.push([key, text]);
  }
  if (!base || !sameSetup(setup, out, presets))
    out.push(['spec', toBase64Url(JSON.stringify(setup.spec))]);
  return out;
}

/**
 * Whether the preset and the hyper-parameter pairs give the setup's spec back exactly, read as a
 * link is read. Not when the network was edited, nor when a per-layer value differs from what the
 * controls summarise (L2 on some layers only): then the spec travels whole.
 */
function sameSetup(
  setup: RunSetup,
  pairs: Array<[string, string]>,
  presets: Record<string, ModelSpec>,
): boolean {
  const back = decodeCompare(pairs.map(([k, v]) => `${k}:${v}`).join(','), presets, setup.preset);
  return back !== null && JSON.stringify(back[0].spec) === JSON.stringify(setup.spec);
}

/** The setups as `runs=`: each `key:value` pairs joined by commas, the setups by semicolons. */
export function encodeCompare(setups: RunSetup[], presets: Record<string, ModelSpec>): string {
  return setups
    .map((s) =>
      setupPairs(s, presets)
        .map(([k, v]) => `${k}:${v}`)
        .join(','),
    )
    .join(';');
}

export function encodeState(state: AppState, presets: Record<string, ModelSpec>): string {
  const p = new URLSearchParams();
  if (state.lesson) p.set('lesson', state.lesson);
  for (const [k, v] of setupPairs(state, presets)) p.set(k, v);
  if (state.hide.length) p.set('hide', state.hide.join(','));
  if (state.compare?.length) p.set('runs', encodeCompare(state.compare, presets));
  // Commas, colons and semicolons stay readable in a lesson link; a fragment needs no escaping
  // for them, and URLSearchParams reads them back as they are.
  return p.toString().replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%3B/g, ';');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The shape the page's controls read a spec in (the core checks every value when it configures). */
export function isSpecShape(v: unknown): v is ModelSpec {
  if (!isObject(v) || !Array.isArray(v.layers)) return false;
  if (!v.layers.every((l) => isObject(l) && typeof l.type === 'string')) return false;
  if (v.optimizer !== undefined && !(isObject(v.optimizer) && typeof v.optimizer.type === 'string'))
    return false;
  // The values the training panel shows and the link writes must be numbers where they are given.
  const numberOrAbsent = (x: unknown) =>
    x === undefined || (typeof x === 'number' && Number.isFinite(x));
  const opt = (v.optimizer ?? {}) as Record<string, unknown>;
  if (![v.batch_size, v.epochs, v.seed, opt.lr, opt.momentum].every(numberOrAbsent)) return false;
  return v.augment === undefined || typeof v.augment === 'boolean' || isObject(v.augment);
}

/** The value of a hyper-parameter key, or undefined when it is not one the controls accept. */
function parseHparam(key: string, raw: string): unknown {
  const entry = HPARAM_KEYS.find((k) => k[0] === key);
  if (!entry) return undefined;
  const v = entry[2](raw);
  return typeof v === 'number' && !Number.isFinite(v) ? undefined : v;
}

/**
 * Reads `runs=`. Strict, unlike the rest of the link: one unknown key, repeated key, unknown
 * preset, unreadable spec or value makes the whole list null (refused), since a comparison of
 * something else than the teacher meant would mislead.
 */
export function decodeCompare(
  raw: string,
  presets: Record<string, ModelSpec>,
  fallback: string,
): RunSetup[] | null {
  const items = raw.split(';');
  if (items.length < 1 || items.length > MAX_COMPARE) return null;
  const out: RunSetup[] = [];
  for (const item of items) {
    const pairs = new Map<string, string>();
    for (const part of item.split(',')) {
      const at = part.indexOf(':');
      if (at <= 0) return null;
      const k = part.slice(0, at);
      if (pairs.has(k)) return null;
      pairs.set(k, part.slice(at + 1));
    }
    const preset = pairs.get('preset') ?? fallback;
    if (!Object.prototype.hasOwnProperty.call(presets, preset)) return null;
    let spec: ModelSpec = structuredClone(presets[preset]);
    const encoded = pairs.get('spec');
    if (encoded !== undefined) {
      try {
        const parsed: unknown = JSON.parse(fromBase64Url(encoded));
        if (!isSpecShape(parsed)) return null;
        spec = parsed;
      } catch {
        return null;
      }
    }
    const own = readHparams(spec);
    const changes: Record<string, unknown> = {};
    for (const [k, v] of pairs) {
      if (k === 'preset' || k === 'spec') continue;
      const value = parseHparam(k, v);
      if (value === undefined) return null;
      const field = HPARAM_KEYS.find((e) => e[0] === k)![1];
      if (value !== own[field]) changes[field] = value;
    }
    out.push({ preset, spec: writeHparams(spec, changes as Partial<Hparams>) });
  }
  return out;
}

/** Reads a hash; unknown or malformed parts fall back to the default preset's values. */
export function decodeState(
  hash: string,
  presets: Record<string, ModelSpec>,
  fallback: string,
): { state: AppState; problem?: string } {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  let problem: string | undefined;
  const lessonId = p.get('lesson');
  const lesson = lessonId === null ? undefined : findLesson(lessonId);
  if (lessonId !== null && !lesson)
    problem = `the link names an unknown lesson "${lessonId}"; showing the rest of the link without it`;
  // A lesson alone opens its own network and settings; a link with a preset holds them already.
  const fromLesson = lesson?.network && p.get('preset') === null ? lesson.network : undefined;
  let preset = p.get('preset') ?? fromLesson?.preset ?? fallback;
  if (!Object.prototype.hasOwnProperty.call(presets, preset)) {
    // not "constructor" or "__proto__" either
    problem = `the link names an unknown preset "${preset}"; showing ${fallback}`;
    preset = fallback;
  }
  let spec: ModelSpec =
    fromLesson && preset === fromLesson.preset
      ? writeHparams(presets[preset], fromLesson.hparams)
      : structuredClone(presets[preset]);
  const encoded = p.get('spec');
  if (encoded) {
    try {
      const parsed: unknown = JSON.parse(fromBase64Url(encoded));
      if (!isSpecShape(parsed)) throw new Error('not a model spec');
      spec = parsed;
    } catch {
      problem = 'the model in the link could not be read; showing the preset instead';
    }
  }
  const changes: Partial<Hparams> = {};
  // A spec in the link already holds its hyper-parameters: only a value edited in the link is
  // written, so per-layer values the controls summarise (L2 on some layers only) stay as they are.
  const own = readHparams(spec);
  for (const [key, field] of HPARAM_KEYS) {
    const raw = p.get(key);
    if (raw === null) continue;
    const v = HPARAM_KEYS.find((k) => k[0] === key)![2](raw);
    if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) continue;
    if (v === own[field]) continue;
    (changes as Record<string, unknown>)[field] = v;
  }
  const hideRaw = (p.get('hide') ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const hide = normalizeHide(hideRaw);
  const unknown = hideRaw.filter((k) => !HIDE_KEYS.includes(k));
  if (unknown.length && !problem)
    problem = `the link hides something this page does not have (${unknown.join(', ')}); ignored`;
  const state: AppState = { preset, spec: writeHparams(spec, changes), hide };
  const runs = p.get('runs');
  if (runs) {
    const compare = decodeCompare(runs, presets, preset);
    if (compare) state.compare = compare;
    else problem ??= 'the runs to compare in the link could not be read; they were left out';
  }
  if (lesson) state.lesson = lesson.id;
  return { state, problem };
}
