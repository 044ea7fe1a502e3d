// A fuzzer for the page's URL-hash state decoder (web/src/state/app-state.ts), under Node: lesson
// links are input from anyone. It bundles the module with rolldown, then feeds decodeState hashes
// made from random valid states (which must round-trip exactly) and mutations of them: characters
// inserted, deleted or swapped, values replaced, the base64 spec swapped for random JSON, the
// `runs=` list of setups to compare garbled. For every input decodeState must return (never throw)
// a state the page can use: a known preset, a spec whose layers are objects with a string type,
// known hide keys in order, the same for every queued setup, and a built-in lesson or none
// (`lesson=` alone opens the lesson's network, so some hashes lose their preset); and encoding
// that state and decoding it again must give it back unchanged. Seeded, so a failure reproduces.
//   node tests/fuzz/hash.fuzz.mjs [--seconds 20] [--seed 1]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'rolldown';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const seconds = opt('seconds', 20);
let seed = opt('seed', 1) >>> 0;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-hash-fuzz-'));
const entry = path.join(dir, 'entry.ts');
fs.writeFileSync(
  entry,
  ['app-state', 'spec']
    .map((m) => `export * from ${JSON.stringify(path.join(root, 'web/src/state', m + '.ts'))};`)
    .concat(`export * from ${JSON.stringify(path.join(root, 'web/src/lessons/lessons.ts'))};`)
    .join('\n'),
);
await build({
  input: entry,
  output: { file: path.join(dir, 'state.mjs'), format: 'esm' },
  logLevel: 'silent',
});
const { decodeState, encodeState, HIDEABLE, LESSONS, MAX_COMPARE, readHparams, writeHparams } =
  await import(pathToFileURL(path.join(dir, 'state.mjs')).href);
fs.rmSync(dir, { recursive: true, force: true });

const presets = Object.fromEntries(
  fs
    .readdirSync(path.join(root, 'presets'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => [
      f.slice(0, -5),
      JSON.parse(fs.readFileSync(path.join(root, 'presets', f), 'utf8')),
    ]),
);
const names = Object.keys(presets);
const FALLBACK = 'keras-book';
const hideKeys = HIDEABLE.map((h) => h.key);
const lessonIds = LESSONS.map((l) => l.id);

// mulberry32: small, seedable, good enough to drive mutations.
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const below = (n) => Math.floor(rand() * n);
const pick = (a) => a[below(a.length)];

function randomJson(depth = 0) {
  switch (below(depth > 2 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return pick([0, -1, 1e308, 0.5, 3, NaN, 2 ** 53]);
    case 3:
      return pick(['', 'conv2d', 'dense', 'sgd', '__proto__', 'x'.repeat(below(40))]);
    case 4:
      return pick([{}, []]);
    case 5:
      return Array.from({ length: below(4) }, () => randomJson(depth + 1));
    default: {
      const o = {};
      for (let i = below(4); i > 0; i--)
        o[
          pick([
            'type',
            'layers',
            'optimizer',
            'lr',
            'rate',
            'l2',
            'augment',
            'enabled',
            'batch_size',
            'name',
            '__proto__',
            'constructor',
          ])
        ] = randomJson(depth + 1);
      return o;
    }
  }
}

function randomSetup() {
  const preset = pick(names);
  const spec = structuredClone(presets[preset]);
  if (rand() < 0.3) spec.layers.splice(below(spec.layers.length), 1);
  if (rand() < 0.3) spec.layers.push({ type: 'dense', units: 1 + below(64), activation: 'relu' });
  if (rand() < 0.5)
    spec.optimizer = { type: pick(['sgd', 'adam', 'rmsprop']), lr: pick([0.001, 0.01, 0.5]) };
  if (rand() < 0.3) spec.batch_size = 1 + below(256);
  if (rand() < 0.3) spec.seed = below(1000);
  return { preset, spec };
}

function randomState() {
  const state = { ...randomSetup(), hide: hideKeys.filter(() => rand() < 0.15) };
  if (rand() < 0.3) state.compare = Array.from({ length: 1 + below(MAX_COMPARE) }, randomSetup);
  if (rand() < 0.3) state.lesson = pick(lessonIds);
  return state;
}

const toB64 = (s) => Buffer.from(s).toString('base64url');
function mutate(hash) {
  let h = hash;
  for (let n = 1 + below(3); n > 0; n--) {
    const at = below(h.length + 1);
    switch (below(9)) {
      case 0:
        h =
          h.slice(0, at) +
          pick(['&', '=', '%', '#', ',', '%zz', '\u00e9', '\ud800', 'spec=', 'hide=']) +
          h.slice(at);
        break;
      case 1:
        h = h.slice(0, at) + h.slice(at + 1 + below(8));
        break;
      case 2:
        h = h.slice(0, at);
        break;
      case 3:
        h = h.replace(/spec=[^&]*/, `spec=${toB64(JSON.stringify(randomJson()))}`);
        break;
      case 4:
        h = `${h}&${pick(['lr', 'batch', 'opt', 'dropout', 'epochs', 'seed', 'l2', 'augment', 'momentum', 'preset', 'hide'])}=${pick(['', 'NaN', '-1', '1e400', 'adam', '0x10', 'data,,model', 'nope'])}`;
        break;
      case 5:
        h = h.replace(
          /spec=[^&]*/,
          `spec=${toB64(JSON.stringify({ ...randomJson(), layers: [randomJson(), randomJson()] }))}`,
        );
        break;
      case 6:
        if (rand() < 0.5) {
          h = `${h}&runs=${pick(['', ';', 'preset:tiny;', 'lr:1,lr:2', 'preset:__proto__', 'opt:x', 'spec:e30', 'batch:', ':1', 'preset:tiny;'.repeat(5), 'seed:NaN'])}`;
          break;
        }
        h = h.replace(
          /preset=[^&]*/,
          `preset=${pick(['', 'tiny', 'hasOwnProperty', '__proto__', 'constructor', 'TINY'])}`,
        );
        break;
      case 7:
        // A lesson alone (its network and settings) or beside the rest, known or not.
        h = `${rand() < 0.5 ? h.replace(/(^|&)preset=[^&]*/, '') : h}&lesson=${pick([...lessonIds, '', 'nope', '__proto__', 'constructor', 'TFLEARN'])}`;
        break;
      default:
        h = h.slice(0, at) + String.fromCharCode(below(0x3000)) + h.slice(at);
        break;
    }
  }
  return h;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
function usable(state) {
  if (state.compare !== undefined) {
    if (
      !Array.isArray(state.compare) ||
      !state.compare.length ||
      state.compare.length > MAX_COMPARE
    )
      return 'a list of setups to compare that is empty or too long';
    for (const s of state.compare) {
      const why = usable({ preset: s.preset, spec: s.spec, hide: [] });
      if (why) return `a setup to compare with ${why}`;
    }
  }
  if (!Object.prototype.hasOwnProperty.call(presets, state.preset)) return 'an unknown preset';
  const s = state.spec;
  if (typeof s !== 'object' || s === null || !Array.isArray(s.layers))
    return 'a spec without a layers array';
  if (
    !s.layers.every(
      (l) => typeof l === 'object' && l !== null && !Array.isArray(l) && typeof l.type === 'string',
    )
  )
    return 'a layer that is not an object with a type';
  if (
    s.optimizer !== undefined &&
    (typeof s.optimizer !== 'object' ||
      s.optimizer === null ||
      typeof s.optimizer.type !== 'string')
  )
    return 'an optimizer that is not an object with a type';
  if (
    !same(
      state.hide,
      hideKeys.filter((k) => state.hide.includes(k)),
    )
  )
    return 'unknown, repeated or unordered hide keys';
  if (state.lesson !== undefined && !lessonIds.includes(state.lesson)) return 'an unknown lesson';
  return null;
}

// The same state: a link carries the hyper-parameters the controls show, so a spec may come back
// with one written out (an unset momentum as 0). Both sides are written with the same values
// before they are compared, and the values must be the same.
function equivalentSetup(a, b) {
  const h = readHparams(b.spec);
  return (
    a.preset === b.preset &&
    same(readHparams(a.spec), h) &&
    same(writeHparams(a.spec, h), writeHparams(b.spec, h))
  );
}

function equivalent(a, b) {
  const ca = a.compare ?? [];
  const cb = b.compare ?? [];
  return (
    equivalentSetup(a, b) &&
    a.lesson === b.lesson &&
    same(a.hide, b.hide) &&
    ca.length === cb.length &&
    ca.every((s, i) => equivalentSetup(s, cb[i]))
  );
}

function check(hash, mustRoundTrip, original) {
  let out;
  try {
    out = decodeState(hash, presets, FALLBACK);
  } catch (e) {
    return `decodeState threw ${e?.name}: ${e?.message}`;
  }
  const why = usable(out.state);
  if (why) return `decodeState returned ${why}`;
  if (out.problem !== undefined && (typeof out.problem !== 'string' || !out.problem))
    return 'a problem that is not a sentence';
  if (mustRoundTrip && (out.problem || !equivalent(out.state, original)))
    return `a valid state did not round-trip (${out.problem ?? 'changed'})`;
  let again;
  try {
    again = decodeState(encodeState(out.state, presets), presets, FALLBACK);
  } catch (e) {
    return `re-encoding the decoded state threw ${e?.name}: ${e?.message}`;
  }
  if (again.problem || !same(again.state, out.state))
    return `the decoded state does not survive encode + decode (${again.problem ?? 'changed'})`;
  return null;
}

const t0 = Date.now();
let executions = 0;
const corpus = [];
while (Date.now() - t0 < seconds * 1000) {
  for (let i = 0; i < 200; i++) {
    let hash,
      original = null;
    if (corpus.length < 64 || rand() < 0.2) {
      original = randomState();
      hash = encodeState(original, presets);
      if (corpus.length < 512) corpus.push(hash);
    } else {
      hash = mutate(pick(corpus));
    }
    const failure = check(hash, original !== null, original);
    executions++;
    if (failure) {
      console.error(
        `hash fuzz: ${failure}\n  input: ${JSON.stringify(hash)}\n  reproduce: node tests/fuzz/hash.fuzz.mjs --seed ${opt('seed', 1)}`,
      );
      console.log(`executions: ${executions}`);
      process.exit(1);
    }
  }
}
console.log(`executions: ${executions} in ${((Date.now() - t0) / 1000).toFixed(0)} s, no findings`);
