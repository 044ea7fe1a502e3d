// Node tests of the Runs panel's state code (web/src/state/run-store.ts, run-compare.ts and the
// `runs=` part of app-state.ts), bundled with rolldown as the URL-hash fuzzer does: an import file
// is never trusted, the list keeps its cap, curves are thinned, the difference table shows only what
// differs, and a link's setups round-trip or are refused whole.
//   node --test tests/web/
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'rolldown';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-runs-test-'));
const entry = path.join(dir, 'entry.ts');
fs.writeFileSync(
  entry,
  ['app-state', 'spec', 'run-store', 'run-compare']
    .map((m) => `export * from ${JSON.stringify(path.join(root, 'web/src/state', m + '.ts'))};`)
    .join('\n'),
);
await build({
  input: entry,
  output: { file: path.join(dir, 'state.mjs'), format: 'esm' },
  logLevel: 'silent',
});
const m = await import(pathToFileURL(path.join(dir, 'state.mjs')).href);
fs.rmSync(dir, { recursive: true, force: true });

// As the engine reports them: every hyper-parameter written out (l2: 0 on each weighted layer).
const presets = Object.fromEntries(
  ['tiny', 'keras-book'].map((n) => {
    const spec = JSON.parse(fs.readFileSync(path.join(root, 'presets', `${n}.json`), 'utf8'));
    return [n, m.writeHparams(spec, m.readHparams(spec))];
  }),
);

function run(number, change = {}, extra = {}) {
  const spec = m.writeHparams(presets.tiny, change);
  return {
    id: `id-${number}`,
    number,
    name: m.autoName(number, 'tiny', true, spec),
    preset: 'tiny',
    presetNetwork: true,
    spec,
    threads: 2,
    startedAt: 1000 + number,
    updatedAt: 2000 + number,
    seconds: 12.5,
    step: 30,
    epoch: 0.016,
    steps: [
      [0.0005, 2.3, 0.1],
      [0.001, 2.1, 0.2],
    ],
    evals: [[0.125, 0.8, 0.6, 1000]],
    final: { accuracy: 0.8, count: 1000, total: 10000 },
    changes: [],
    ...extra,
  };
}

test('an exported list reads back the same', () => {
  const runs = [run(1), run(2, { lr: 0.05 })];
  const back = m.parseRunsFile(m.exportRuns(runs), 'runs.json');
  assert.deepEqual(back, runs);
});

test('a file that is not a runs file is refused with one sentence, whatever its shape', () => {
  const good = JSON.parse(m.exportRuns([run(1)]));
  const cases = [
    ['not json', '(it is not JSON)'],
    ['[]', 'is not a runs file exported by this playground; nothing'],
    [JSON.stringify({ ...good, format: 'x' }), 'is not a runs file'],
    [JSON.stringify({ ...good, version: 9 }), 'runs file version 9'],
    [JSON.stringify({ ...good, runs: [null] }), 'its run 1 is damaged (it is not an object)'],
    [JSON.stringify({ ...good, runs: [{ ...good.runs[0], spec: { layers: 3 } }] }), 'model spec'],
    [JSON.stringify({ ...good, runs: [{ ...good.runs[0], steps: [[1, 2]] }] }), 'curves'],
    [JSON.stringify({ ...good, runs: [{ ...good.runs[0], final: { accuracy: '1' } }] }), 'final'],
    [JSON.stringify({ ...good, runs: [{ ...good.runs[0], seconds: null }] }), 'times'],
    [JSON.stringify({ ...good, runs: [{ ...good.runs[0], changes: [1] }] }), 'changes'],
  ];
  for (const [text, part] of cases) {
    const r = m.parseRunsFile(text, 'f.json');
    assert.equal(typeof r, 'string', text);
    assert.ok(r.startsWith('f.json '), r);
    assert.ok(r.endsWith('nothing was imported.'), r);
    assert.ok(r.includes(part), `${r} should say ${part}`);
  }
});

test('unknown keys of an imported run are dropped', () => {
  const file = JSON.parse(m.exportRuns([run(1)]));
  file.runs[0].__proto__evil = 1;
  file.runs[0].extra = { a: 1 };
  const [r] = m.parseRunsFile(JSON.stringify(file), 'f.json');
  assert.equal('extra' in r, false);
  assert.equal('__proto__evil' in r, false);
});

test('merging skips runs already there and keeps the newest MAX_RUNS', () => {
  const list = Array.from({ length: m.MAX_RUNS - 1 }, (_, i) => run(i + 1));
  const r = m.mergeRuns(list, [run(1), run(100), run(101)]);
  assert.equal(r.added, 2);
  assert.equal(r.skipped, 1);
  assert.equal(r.dropped, 1);
  assert.equal(r.list.length, m.MAX_RUNS);
  assert.equal(r.list[0].number, 2);
  assert.equal(r.list.at(-1).number, 101);
});

test('a long curve is thinned to at most MAX_POINTS, keeping its first and last point', () => {
  const pts = Array.from({ length: m.MAX_POINTS + 1 }, (_, i) => i);
  const t = m.thin(pts);
  assert.ok(t.length <= m.MAX_POINTS);
  assert.equal(t[0], 0);
  assert.equal(t.at(-1), m.MAX_POINTS);
  assert.equal(m.thin([1, 2, 3]).length, 3);
});

test('the difference table shows only the settings that differ, then the results', () => {
  const { rows, same } = m.differences([run(1), run(2, { lr: 0.05, batchSize: 64 })]);
  const settings = rows.filter((r) => !r.result).map((r) => r.label);
  assert.deepEqual(settings, ['Learning rate', 'Batch size']);
  assert.deepEqual(
    rows.filter((r) => r.result).map((r) => r.label),
    ['Steps', 'Epochs trained', 'Final test accuracy', 'Time'],
  );
  assert.deepEqual(rows[0].values, ['0.002', '0.05']);
  assert.ok(same > 5);
  // A layer edit shows as the one-line summaries, not also as the raw JSON.
  const edited = run(3, {}, { presetNetwork: false });
  edited.spec.layers[0].filters = 12;
  const labels = m.differences([run(1), edited]).rows.map((r) => r.label);
  assert.ok(labels.includes('Layers'));
  assert.ok(labels.includes('Model'));
  assert.equal(labels.includes('Layer details'), false);
  // An initialiser differs, invisible in the summary: the raw JSON shows it.
  const init = run(4);
  init.spec.layers[0].init = 'glorot_uniform';
  assert.ok(m.differences([run(1), init]).rows.some((r) => r.label === 'Layer details'));
});

test('a link of setups to compare round-trips, and a malformed one is refused whole', () => {
  const setups = [
    { preset: 'tiny', spec: m.writeHparams(presets.tiny, { lr: 0.01 }) },
    { preset: 'keras-book', spec: m.writeHparams(presets['keras-book'], { optimizer: 'sgd' }) },
  ];
  const state = { preset: 'tiny', spec: presets.tiny, hide: [], compare: setups };
  const hash = m.encodeState(state, presets);
  assert.match(hash, /runs=preset:tiny,lr:0.01;preset:keras-book,opt:sgd/);
  const back = m.decodeState(hash, presets, 'tiny');
  assert.equal(back.problem, undefined);
  assert.equal(back.state.compare.length, 2);
  assert.equal(m.readHparams(back.state.compare[0].spec).lr, 0.01);
  assert.equal(m.readHparams(back.state.compare[1].spec).optimizer, 'sgd');
  for (const bad of [
    'preset:tiny,lr:abc',
    'preset:nope',
    'lr:1,lr:2',
    'preset:tiny;preset:tiny;preset:tiny;preset:tiny;preset:tiny',
    'spec:e30',
    'preset:__proto__',
    'color:red',
    ';',
  ]) {
    const r = m.decodeState(`preset=tiny&runs=${bad}`, presets, 'tiny');
    assert.equal(r.state.compare, undefined, bad);
    assert.match(r.problem, /runs to compare/, bad);
  }
  // A spec's optimizer the link keys cannot name (found by the hash fuzzer) travels in the spec:
  // written as opt:m it would not read back, and the whole list would be refused.
  const odd = structuredClone(presets.tiny);
  odd.optimizer = { type: 'm', lr: 0.002 };
  const oddHash = m.encodeState({ ...state, compare: [{ preset: 'tiny', spec: odd }] }, presets);
  assert.doesNotMatch(oddHash, /opt:m/);
  const oddBack = m.decodeState(oddHash, presets, 'tiny');
  assert.equal(oddBack.problem, undefined);
  assert.deepEqual(oddBack.state.compare[0].spec.optimizer, odd.optimizer);
  // Nor can the integer keys carry a fraction (batch_size 0.5, found by the hash fuzzer: the
  // link wrote batch=0.5, which reads back as 0), in the page's own setup or a queued one.
  const half = structuredClone(presets.tiny);
  half.batch_size = 0.5;
  const halfState = {
    preset: 'tiny',
    spec: half,
    hide: [],
    compare: [{ preset: 'tiny', spec: half }],
  };
  const halfHash = m.encodeState(halfState, presets);
  assert.doesNotMatch(halfHash, /batch[=:]0\.5/);
  const halfBack = m.decodeState(halfHash, presets, 'tiny');
  assert.equal(halfBack.problem, undefined);
  assert.equal(halfBack.state.spec.batch_size, 0.5);
  assert.equal(halfBack.state.compare[0].spec.batch_size, 0.5);
  // No runs= at all: no queue and no problem.
  assert.equal(m.decodeState('preset=tiny', presets, 'tiny').state.compare, undefined);
});
