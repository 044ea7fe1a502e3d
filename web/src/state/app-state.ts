// One AppState for the whole page, round-tripping through the URL hash (the TensorFlow
// Playground's way): a link restores the preset, the edited spec and every hyper-parameter.
// Hyper-parameters get short readable keys; a spec whose layers differ from its preset travels
// as base64url JSON.
import { readHparams, writeHparams, type Hparams, type ModelSpec } from './spec';

export interface AppState {
  preset: string;
  spec: ModelSpec;
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

/** The spec with the hyper-parameters of `base`, so only structural differences remain. */
function structure(spec: ModelSpec, base: ModelSpec): string {
  return JSON.stringify(writeHparams(spec, readHparams(base)));
}

export function encodeState(state: AppState, presets: Record<string, ModelSpec>): string {
  const base = presets[state.preset];
  const p = new URLSearchParams();
  p.set('preset', state.preset);
  const h = readHparams(state.spec);
  const hb = base ? readHparams(base) : null;
  for (const [key, field] of HPARAM_KEYS) {
    const v = h[field];
    if (v === null || (hb && hb[field] === v)) continue;
    p.set(key, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  if (!base || structure(state.spec, base) !== JSON.stringify(base)) p.set('spec', toBase64Url(JSON.stringify(state.spec)));
  return p.toString();
}

/** Reads a hash; unknown or malformed parts fall back to the default preset's values. */
export function decodeState(hash: string, presets: Record<string, ModelSpec>, fallback: string): { state: AppState; problem?: string } {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  let problem: string | undefined;
  let preset = p.get('preset') ?? fallback;
  if (!presets[preset]) {
    problem = `the link names an unknown preset "${preset}"; showing ${fallback}`;
    preset = fallback;
  }
  let spec: ModelSpec = structuredClone(presets[preset]);
  const encoded = p.get('spec');
  if (encoded) {
    try {
      const parsed = JSON.parse(fromBase64Url(encoded)) as ModelSpec;
      if (!Array.isArray(parsed.layers)) throw new Error('no layers');
      spec = parsed;
    } catch {
      problem = 'the model in the link could not be read; showing the preset instead';
    }
  }
  const changes: Partial<Hparams> = {};
  for (const [key, field] of HPARAM_KEYS) {
    const raw = p.get(key);
    if (raw === null) continue;
    const v = HPARAM_KEYS.find((k) => k[0] === key)![2](raw);
    if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) continue;
    (changes as Record<string, unknown>)[field] = v;
  }
  return { state: { preset, spec: writeHparams(spec, changes) }, problem };
}
