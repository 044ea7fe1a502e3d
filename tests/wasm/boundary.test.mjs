// The engine's boundary is declared once, in web/src/wasm/cnn.d.ts (the page's protocol derives its
// types from it). This test holds that declaration to what the compiled bindings really return:
// every object the module hands out has exactly the declared fields (optional ones may be
// missing), so a field added, renamed or dropped in wasm/bindings.cpp fails here until the
// declaration says the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const root = path.resolve(import.meta.dirname, '../..');
const build = path.join(root, 'build-wasm');
const createCnnModule = createRequire(import.meta.url)(path.join(build, 'cnn-node.cjs'));
const M = await createCnnModule({ wasmBinary: fs.readFileSync(path.join(build, 'cnn-node.wasm')) });

/** The interfaces of cnn.d.ts: name -> { field: optional }. Only `export interface X { ... }` blocks. */
function declared() {
  const text = fs.readFileSync(path.join(root, 'web/src/wasm/cnn.d.ts'), 'utf8');
  const out = {};
  for (const m of text.matchAll(/export interface (\w+) \{\n([\s\S]*?)\n\}/g)) {
    const fields = {};
    // Top-level members only: lines indented by exactly two spaces, `name?: type;` or `name(...)`.
    for (const line of m[2].split('\n')) {
      const f = /^ {2}(\w+)(\?)?[:(]/.exec(line);
      if (f) fields[f[1]] = f[2] === '?';
    }
    out[m[1]] = fields;
  }
  return out;
}
const D = declared();

function expectShape(name, value) {
  const fields = D[name];
  assert.ok(fields, `cnn.d.ts declares no interface ${name}`);
  assert.equal(typeof value, 'object', `${name}: ${JSON.stringify(value)}`);
  const got = Object.keys(value).sort();
  const required = Object.keys(fields).filter((k) => !fields[k]);
  for (const k of got)
    assert.ok(k in fields, `${name}: the module returns "${k}", which cnn.d.ts does not declare`);
  for (const k of required)
    assert.ok(
      got.includes(k),
      `${name}: cnn.d.ts declares "${k}", which the module does not return`,
    );
}

test('the parser reads cnn.d.ts (so the checks below check something)', () => {
  assert.ok(Object.keys(D).length >= 12, Object.keys(D).join(', '));
  assert.deepEqual(D.WasmError, { error: false, code: false, layer: true });
  assert.equal(D.WasmTrainer.trainSteps, false);
});

test('every object the module returns has the fields cnn.d.ts declares', () => {
  const subset = path.join(root, 'tests/data/mnist-small');
  const names = [
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
  ];
  const raw = names.map(
    (f) => new Uint8Array(zlib.gunzipSync(fs.readFileSync(path.join(subset, `${f}.gz`)))),
  );
  const t = new M.Trainer();
  const summary = t.configure(M.preset('tiny').json);
  expectShape('WasmSummary', summary);
  for (const l of summary.layers) expectShape('WasmLayerSummary', l);
  expectShape('WasmDataInfo', t.setData(...raw));
  expectShape('WasmStepResult', t.trainSteps(2));
  expectShape('WasmEvalResult', t.evaluate(50));
  const stats = t.layerStats(0);
  expectShape('WasmLayerStats', stats);
  for (const k of ['weights', 'gradients', 'activations']) expectShape('WasmTensorStats', stats[k]);
  expectShape('WasmNamedValues', t.activation(0));
  const why = t.explain(t.testImage(0).image);
  expectShape('WasmExplanation', why);
  assert.equal(why.saliency.length, 10 * 28 * 28);
  assert.equal(why.gradCamLayer, 2);
  for (const w of t.weights(0)) expectShape('WasmNamedValues', w);
  expectShape('WasmFilterPlacement', t.setConvFilter(0, 0, new Float32Array(9), 3, 3));
  expectShape('WasmError', t.layerStats(99));
  expectShape('WasmError', t.configure('{"layers": 7}'));
  const conv = M.conv2d({
    inputShape: [5, 5, 1],
    input: new Float32Array(25).fill(1),
    kernelShape: [3, 3, 1, 1],
    kernel: new Float32Array(9).fill(1),
    strideH: 1,
    strideW: 1,
    padding: 'same',
    relu: false,
  });
  expectShape('WasmConvResult', conv);
  const pool = M.pool2d({
    inputShape: [4, 4, 1],
    input: new Float32Array(16),
    poolH: 2,
    poolW: 2,
    strideH: 2,
    strideW: 2,
    padding: 'valid',
    op: 'max',
  });
  expectShape('WasmConvResult', pool);
  t.delete();
});

test('a field the declaration lacks is caught', () => {
  assert.throws(
    () =>
      expectShape('WasmDataInfo', {
        trainCount: 1,
        testCount: 1,
        rows: 1,
        cols: 1,
        epochSize: 1,
        extra: 1,
      }),
    /"extra"/,
  );
  assert.throws(
    () => expectShape('WasmDataInfo', { trainCount: 1, testCount: 1, rows: 1, cols: 1 }),
    /"epochSize"/,
  );
});
