// `cnn predict --photo` on the photographed-style fixtures (tests/fixtures/photos, written by
// tools/make_photo_fixtures.py) with the pretrained model the site ships: each is read as the
// digit labels.json names, the blank one is refused with one sentence. The page reads the same
// files in tests/e2e/photo.spec.ts and must agree. Not a test of the preprocessing's numbers
// (tests/native/data_photo_test.cpp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const cnn = path.join(root, 'build-native/cnn');
const model = path.join(root, 'web/public/models/pretrained.safetensors');
const photos = path.join(root, 'tests/fixtures/photos');
const labels = JSON.parse(fs.readFileSync(path.join(photos, 'labels.json'), 'utf8'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-photo-'));

function run(...args) {
  const r = spawnSync(cnn, args, { encoding: 'utf8', cwd: root, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

for (const [file, label] of Object.entries(labels)) {
  if (label === null) continue;
  test(`predict --photo reads ${file} as ${label}`, () => {
    const image = path.join(photos, file);
    const pre = path.join(tmp, `${file}.pgm`);
    const r = run(
      'predict',
      '--model',
      model,
      '--image',
      image,
      '--photo',
      '--json',
      '--save-preprocessed',
      pre,
    );
    assert.equal(r.code, 0, r.err);
    const p = JSON.parse(r.out);
    assert.equal(
      p.class,
      label,
      `${file}: ${JSON.stringify(p.probabilities.map((x) => +x.toFixed(3)))}`,
    );
    assert.ok(p.probabilities[label] > 0.5, `${file}: p(${label}) = ${p.probabilities[label]}`);
    // The 28x28 the model saw: ink bright on black, the border empty as in MNIST.
    const pgm = fs.readFileSync(pre);
    assert.match(pgm.subarray(0, 13).toString(), /^P5\n28 28\n255\n/);
    const px = pgm.subarray(13);
    for (let i = 0; i < 28; i++)
      assert.equal(
        px[i] + px[27 * 28 + i] + px[i * 28] + px[i * 28 + 27],
        0,
        `${file}: ink on the frame's edge`,
      );
  });
}

test('predict --photo refuses a blank photo with one sentence', () => {
  const blank = Object.keys(labels).find((f) => labels[f] === null);
  const r = run('predict', '--model', model, '--image', path.join(photos, blank), '--photo');
  assert.notEqual(r.code, 0);
  assert.match(
    r.err,
    /blank-paper\.png: the photo looks blank \((nothing|only specks) stand(s)? out from the background\)$/m,
  );
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
});
