// The compiled WebAssembly module through its Embind API, under Node: it trains `tiny` on real
// digits with the loss going down, takes the SIMD kernels, refuses bad input with one sentence
// while keeping its model, round-trips model files with the native CLI, and matches native
// accuracy for the same seed; layer statistics and weights-only files come through the bindings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const root = path.resolve(import.meta.dirname, '../..');
const build = path.join(root, 'build-wasm');
const createCnnModule = createRequire(import.meta.url)(path.join(build, 'cnn-node.cjs'));
const M = await createCnnModule({ wasmBinary: fs.readFileSync(path.join(build, 'cnn-node.wasm')) });
const subset = path.join(root, 'tests/data/mnist-small');
const files = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];
const gz = files.map((f) => new Uint8Array(fs.readFileSync(path.join(subset, `${f}.gz`))));
// The core has no gzip decoder: Node unpacks .gz files before handing them over, as the page
// does with DecompressionStream.
const raw = gz.map((b) => new Uint8Array(zlib.gunzipSync(b)));

function trainer(preset = 'tiny') {
  const t = new M.Trainer();
  const s = t.configure(M.preset(preset).json);
  assert.equal(s.error, undefined);
  return t;
}

test('tiny trains for hundreds of steps with the loss going down, on SIMD kernels', () => {
  const t = trainer();
  const packed = t.setData(
    ...gz,
    files.map((f) => `${f}.gz`),
  );
  assert.equal(packed.code, 'data');
  assert.match(
    packed.error,
    /^train-images-idx3-ubyte\.gz \(training images\): the data is gzip-compressed \(it starts with 1f 8b\); .*decompress it first/,
  );
  const info = t.setData(...raw);
  assert.deepEqual(info, { trainCount: 1000, testCount: 500, rows: 28, cols: 28, epochSize: 1000 });
  const before = t.evaluate(0);
  const losses = [];
  for (let i = 0; i < 30; i++) {
    const r = t.trainSteps(10);
    assert.equal(r.error, undefined, r.error);
    losses.push(r.loss);
  }
  assert.equal(t.step(), 300);
  const early = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
  const late = losses.slice(-3).reduce((a, b) => a + b) / 3;
  assert.ok(late < early * 0.5, `loss ${early} -> ${late}`);
  const after = t.evaluate(0);
  assert.ok(
    after.accuracy > 0.85 && after.accuracy > before.accuracy + 0.5,
    `${before.accuracy} -> ${after.accuracy}`,
  );
  assert.equal(
    after.confusion.reduce((a, b) => a + b),
    500,
  );
  assert.ok(after.probs instanceof Float32Array && after.probs.length === 5000);
  // tiny's convolutions (1 and 8 input channels) take the direct kernels, its dense the GEMM.
  assert.equal(t.kernelVariant(0), 'wasmsimd-direct');
  assert.equal(t.kernelVariant(2), 'wasmsimd-direct');
  assert.equal(t.kernelVariant(4), 'wasmsimd');
  t.delete();
});

test('shards appended through the bindings grow the sets; a bad shard gives one sentence', () => {
  // The subset's first 100 test and 200 training images, then the rest, as the page loads MNIST.
  const idx = (bytes, header, per, start, n) => {
    const out = new Uint8Array(header + per * n);
    out.set(bytes.subarray(0, header));
    new DataView(out.buffer).setUint32(4, n);
    out.set(bytes.subarray(header + per * start, header + per * (start + n)), header);
    return out;
  };
  const img = (b, s, n) => idx(b, 16, 784, s, n);
  const lab = (b, s, n) => idx(b, 8, 1, s, n);
  const t = trainer();
  assert.equal(
    t.setData(img(raw[0], 0, 200), lab(raw[1], 0, 200), img(raw[2], 0, 100), lab(raw[3], 0, 100))
      .trainCount,
    200,
  );
  assert.equal(t.setFullTrainCount(1000).epochSize, 1000);
  assert.equal(t.trainSteps(8).stepsPerEpoch, 32);
  assert.deepEqual(t.appendTest(img(raw[2], 100, 400), lab(raw[3], 100, 400)), {
    trainCount: 200,
    testCount: 500,
    rows: 28,
    cols: 28,
    epochSize: 1000,
  });
  assert.equal(t.appendTrain(img(raw[0], 200, 800), lab(raw[1], 200, 800)).trainCount, 1000);
  assert.equal(t.evaluate(0).count, 500);
  assert.match(
    t.appendTrain(img(raw[0], 0, 5), lab(raw[1], 0, 4)).error,
    /^more training data: 5 images but 4 labels/,
  );
  assert.match(t.setFullTrainCount(10).error, /from 1000 \(the images present\)/);
  assert.equal(t.trainSteps(24).epochProgress, 1);
  t.delete();
});

test('bad input gives one sentence and keeps the model', () => {
  const t = trainer();
  t.setData(...raw);
  t.trainSteps(3);
  const saved = t.save().bytes;
  const r1 = t.configure(
    '{"input": [28, 28, 1], "layers": [{"type": "conv2d", "filters": 4, "kernel": 40}, {"type": "dense", "units": 10, "activation": "softmax"}]}',
  );
  assert.match(r1.error, /^layer 0 \(conv2d\): kernel 40 is larger than its 28x28 input/);
  assert.equal(t.summary().name, 'tiny');
  const truncated = raw[0].slice(0, 1000);
  assert.match(
    t.setData(truncated, raw[1], raw[2], raw[3]).error,
    /training images: .*truncated|training images:/,
  );
  // Every error carries its code (the page decides by it) and, for a spec, the layer.
  assert.equal(r1.code, 'spec');
  assert.equal(r1.layer, 0);
  const named = t.setData(truncated, raw[1], raw[2], raw[3], ['a.gz', 'b.gz', 'c.gz', 'd.gz']);
  assert.equal(named.code, 'data');
  assert.match(named.error, /^a\.gz \(training images\): /);
  const broken = t.load(new Uint8Array([1, 2, 3]), 'broken.safetensors');
  assert.equal(broken.code, 'model-file');
  assert.match(broken.error, /^broken\.safetensors: /);
  assert.match(t.predict(new Float32Array(10)).error, /784 values/);
  assert.match(t.activation(42).error, /layer 42 does not exist/);
  assert.match(M.preset('lenet').error, /unknown preset/);
  assert.match(M.preprocessDigit(new Float32Array(100), 10, 10).error, /blank/);
  assert.equal(
    M.preprocessPhoto(new Float32Array(100).fill(0.7), 10, 10, 'snap.png').error,
    'snap.png: the photo looks blank (nothing stands out from the background)',
  );
  assert.match(
    M.preprocessPhoto(new Float32Array(99), 10, 10, 'snap.png').error,
    /99 values, not 10 x 10/,
  );
  assert.deepEqual(t.save().bytes, saved); // nothing above changed the model
  assert.equal(t.trainSteps(1).error, undefined);
  t.delete();
});

test('layer statistics and the weights-only model file', () => {
  const t = trainer();
  t.setData(...raw);
  const fresh = t.layerStats(0);
  assert.equal(fresh.error, undefined, fresh.error);
  assert.equal(fresh.updateRatio, 0);
  assert.equal(fresh.activations.count, 0);
  t.trainSteps(5);
  const s = t.layerStats(0);
  assert.equal(s.layer, 0);
  assert.equal(s.name, 'conv2d_1');
  assert.equal(s.type, 'conv2d');
  assert.equal(s.hasParams, true);
  assert.ok(s.updateRatio > 0 && s.updateRatio < 1, `${s.updateRatio}`);
  assert.equal(s.weights.count, 5 * 5 * 8 + 8);
  assert.equal(s.activations.count, 32 * 28 * 28 * 8);
  assert.ok(s.activations.zeroFraction > 0 && s.activations.min === 0);
  for (const ts of [s.weights, s.gradients, s.activations]) {
    assert.ok(ts.histogram instanceof Int32Array && ts.histogram.length === 20);
    assert.equal(
      ts.histogram.reduce((a, b) => a + b),
      ts.count - ts.nanCount - ts.infCount,
    );
    assert.ok(
      Number.isFinite(ts.mean) && Number.isFinite(ts.std) && ts.min <= ts.mean && ts.mean <= ts.max,
    );
    assert.equal(ts.histMin, ts.min);
    assert.equal(ts.histMax, ts.max);
  }
  assert.equal(t.layerStats(1).hasParams, false);
  assert.match(
    t.layerStats(5).error,
    /^layer_stats: layer 5 does not exist \(the model has 5 layers/,
  );
  const full = t.save().bytes;
  const slim = t.saveWeights().bytes;
  assert.ok(
    slim instanceof Uint8Array && slim.length * 2 < full.length,
    `${slim.length} vs ${full.length}`,
  );
  const u = new M.Trainer();
  assert.equal(u.load(slim, 'slim.safetensors').error, undefined);
  const img = t.testImage(0).image;
  assert.deepEqual(u.predict(img).probabilities, t.predict(img).probabilities);
  u.setData(...raw);
  assert.equal(u.trainSteps(2).error, undefined);
  assert.equal(u.step(), 7);
  t.delete();
  u.delete();
});

test('model files move between the wasm module and the native CLI', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-wasm-'));
  const t = trainer();
  t.setData(...raw);
  t.trainSteps(20);
  const file = path.join(dir, 'from-wasm.safetensors');
  fs.writeFileSync(file, t.save().bytes);
  const cli = path.join(root, 'build-native/cnn');
  const ev = spawnSync(cli, ['eval', '--model', file, '--data', subset, '--json'], {
    encoding: 'utf8',
  });
  assert.equal(ev.status, 0, ev.stderr);
  const wasmEval = t.evaluate(0);
  assert.ok(
    Math.abs(JSON.parse(ev.stdout).accuracy - wasmEval.accuracy) <= 0.004,
    'same model, same accuracy',
  );
  const out = path.join(dir, 'from-cli.safetensors');
  const tr = spawnSync(
    cli,
    ['train', '--model', file, '--data', subset, '--epochs', '1', '--out', out, '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(tr.status, 0, tr.stderr);
  const u = new M.Trainer();
  const s = u.load(new Uint8Array(fs.readFileSync(out)), 'from-cli.safetensors');
  assert.equal(s.error, undefined, s.error);
  assert.equal(u.step(), 20 + 32);
  const img = t.testImage(0);
  const p = u.predict(img.image).probabilities;
  assert.ok(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-5);
  t.delete();
  u.delete();
});

test('wasm and native reach the same accuracy for the same seed', () => {
  const t = trainer();
  t.setData(...raw);
  for (let i = 0; i < 4; i++) t.trainSteps(32); // 4 epochs of the subset
  const wasmAcc = t.evaluate(0).accuracy;
  const r = spawnSync(
    path.join(root, 'build-native/cnn'),
    ['train', '--preset', 'tiny', '--data', subset, '--epochs', '4', '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const nativeAcc = JSON.parse(r.stdout.trim().split('\n').at(-1)).epochs.at(-1).test_accuracy;
  assert.ok(Math.abs(wasmAcc - nativeAcc) <= 0.02, `wasm ${wasmAcc} native ${nativeAcc}`);
  t.delete();
});

test('exportOnnx and setConvFilter come through the bindings, errors as {error}', () => {
  const none = new M.Trainer();
  assert.match(none.exportOnnx().error, /^no model yet/);
  assert.match(none.setConvFilter(0, 0, new Float32Array(9), 3, 3).error, /^no model yet/);
  none.delete();

  const t = trainer();
  const onnx = t.exportOnnx().bytes;
  assert.ok(onnx instanceof Uint8Array && onnx.length > 10_000, `${onnx?.length} bytes`);
  assert.equal(onnx[0], 0x08); // ModelProto field 1 (ir_version), varint
  assert.ok(Buffer.from(onnx).includes(Buffer.from('conv2d_1/kernel')));

  const edge = Float32Array.from([-1, -1, -1, -1, 8, -1, -1, -1, -1]);
  const before = t.weights(0)[0].data;
  const p = t.setConvFilter(0, 3, edge, 3, 3);
  assert.deepEqual(p, {
    layer: 0,
    name: 'conv2d_1/kernel',
    layerKh: 5,
    layerKw: 5,
    offsetY: 1,
    offsetX: 1,
  });
  const after = t.weights(0)[0].data; // [5, 5, 1, 8]
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 5; x++) {
      const inside = y >= 1 && y <= 3 && x >= 1 && x <= 3;
      assert.equal(after[(y * 5 + x) * 8 + 3], inside ? edge[(y - 1) * 3 + (x - 1)] : 0);
      assert.equal(after[(y * 5 + x) * 8 + 2], before[(y * 5 + x) * 8 + 2]);
    }
  assert.match(
    t.setConvFilter(1, 0, edge, 3, 3).error,
    /^layer 1 \(maxpool2d\) is not a conv2d layer/,
  );
  assert.match(t.setConvFilter(0, 8, edge, 3, 3).error, /no filter 8$/);
  assert.deepEqual(t.weights(0)[0].data, after);
  t.delete();
});

test('window geometry through the bindings: the padding a layer and conv2d really use', () => {
  const t = new M.Trainer();
  const s = t.configure(
    JSON.stringify({
      input: [28, 28, 1],
      layers: [
        { type: 'conv2d', filters: 2, kernel: 5, stride: 2, padding: 'same', activation: 'relu' },
        { type: 'conv2d', filters: 2, kernel: 3, stride: 2, padding: 1, activation: 'tanh' },
        { type: 'maxpool2d', size: 2 },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    }),
  );
  assert.equal(s.error, undefined);
  const pick = ({
    padding,
    padTop,
    padLeft,
    padBottom,
    padRight,
    outputH,
    outputW,
    strideH,
    activation,
  }) => ({
    padding,
    pads: [padTop, padLeft, padBottom, padRight],
    out: [outputH, outputW],
    strideH,
    activation,
  });
  // 28 -> 14 with 5x5 and stride 2: TensorFlow pads 3, the odd pixel after.
  assert.deepEqual(pick(t.layerWindow(0)), {
    padding: 'same',
    pads: [1, 1, 2, 2],
    out: [14, 14],
    strideH: 2,
    activation: 'relu',
  });
  // 14, kernel 3, stride 2, padding 1: (14 - 3 + 2) / 2 + 1 = 7; the last window ends on the last pixel.
  assert.deepEqual(pick(t.layerWindow(1)), {
    padding: '1',
    pads: [1, 1, 0, 0],
    out: [7, 7],
    strideH: 2,
    activation: 'tanh',
  });
  assert.deepEqual(pick(t.layerWindow(2)), {
    padding: 'valid',
    pads: [0, 0, 0, 0],
    out: [3, 3],
    strideH: 2,
    activation: 'linear',
  });
  assert.match(
    t.layerWindow(3).error,
    /^layer_window: layer 3 \(dense\) is not a conv2d or pooling layer/,
  );
  t.delete();

  const req = (padding) => ({
    inputShape: [6, 6, 1],
    input: new Float32Array(36).fill(1),
    kernelShape: [3, 3, 1, 1],
    kernel: new Float32Array(9).fill(1),
    strideH: 2,
    strideW: 2,
    padding,
    relu: false,
  });
  const a = M.conv2d(req(1));
  assert.deepEqual(
    [...a.outputShape, a.padTop, a.padLeft, a.padBottom, a.padRight],
    [3, 3, 1, 1, 1, 0, 0],
  );
  assert.deepEqual(M.conv2d(req('1')), a);
  assert.deepEqual([M.conv2d(req('same')).padTop, M.conv2d(req('same')).padBottom], [0, 1]);
  assert.match(
    M.conv2d(req('full')).error,
    /^conv2d: "padding" must be "same", "valid" or a number of pixels from 0 to 1024, not "full"/,
  );
  assert.match(M.conv2d(req(-1)).error, /not "-1"/);
  assert.match(
    M.pool2d({ ...req('valid'), poolH: 7, poolW: 7, op: 'max' }).error,
    /^pool2d: window 7 is larger than its 6x6 input; use padding "same" or a smaller window/,
  );
});
