// The playground page in a real Chromium: real MNIST, the real wasm module in a real worker.
// Trains `tiny`, drives every control, checks the evaluation views and that bad input and a
// crashed worker leave the page and the model intact.
import { expect, test } from '@playwright/test';
import { openPlayground, setField, shot, stepCount, testAccuracy } from './helpers';

test('tiny reaches 97% after one epoch', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  await openPlayground(page, '#preset=tiny&epochs=1');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-state')).toHaveText('Done', { timeout: 5 * 60_000 });
  const acc = await testAccuracy(page);
  const stats = await page.getByTestId('train-stats').textContent();
  test.info().annotations.push({
    type: 'tiny, 1 epoch',
    description: `test accuracy ${acc}; ${stats?.replace(/\s+/g, ' ')}`,
  });
  expect(acc).toBeGreaterThanOrEqual(0.97);
});

test('keras-book reaches 98.5% after one epoch', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await openPlayground(page, '#preset=keras-book&epochs=1');
  await expect(page.getByTestId('total-params')).toHaveText('93,322');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-state')).toHaveText('Done', { timeout: 9 * 60_000 });
  // The epoch's end evaluates the whole test set.
  await expect(page.getByTestId('test-accuracy')).toContainText('on 10,000 images');
  expect(await testAccuracy(page)).toBeGreaterThanOrEqual(0.985);
});

test('keyboard shortcuts train, pause and step', async ({ page }) => {
  await openPlayground(page, '#preset=tiny');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('s');
  await expect.poll(() => stepCount(page)).toBe(1);
  await page.keyboard.press(' ');
  await expect(page.getByTestId('train-state')).toHaveText('Training');
  await expect.poll(() => stepCount(page)).toBeGreaterThan(5);
  await page.keyboard.press(' ');
  await expect(page.getByTestId('train-state')).toHaveText('Paused');
  await page.keyboard.press('r');
  await expect.poll(() => stepCount(page)).toBe(0);
});

test('a link restores the preset and hyper-parameters', async ({ page }) => {
  await openPlayground(page, '#preset=tiny&opt=sgd&lr=0.05&momentum=0.9&batch=16&epochs=2&seed=7');
  await expect(page.getByLabel('Optimizer')).toHaveValue('sgd');
  await expect(page.getByLabel('Learning rate', { exact: true })).toHaveValue('0.05');
  await expect(page.getByLabel('Momentum')).toHaveValue('0.9');
  await expect(page.getByLabel('Batch size')).toHaveValue('16');
  await expect(page.getByLabel('Epochs')).toHaveValue('2');
  await expect(page.getByLabel('Seed')).toHaveValue('7');
  await expect(page.locator('cnn-model-panel').getByLabel('Preset')).toHaveValue('tiny');
});

test('a corrupt IDX file gets a clear message and MNIST stays loaded', async ({ page }) => {
  await openPlayground(page, '#preset=tiny');
  const idx = (magic: number[], body: number) =>
    Buffer.concat([Buffer.from(magic), Buffer.alloc(body, 7)]);
  await page.getByLabel(/Load your own IDX files/).setInputFiles([
    // claims 60000 images of 28x28 but holds 100 bytes
    {
      name: 'train-images-idx3-ubyte',
      mimeType: 'application/octet-stream',
      buffer: idx([0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28], 100),
    },
    {
      name: 'train-labels-idx1-ubyte',
      mimeType: 'application/octet-stream',
      buffer: idx([0, 0, 8, 1, 0, 0, 0xea, 0x60], 60000),
    },
    {
      name: 't10k-images-idx3-ubyte',
      mimeType: 'application/octet-stream',
      buffer: idx([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28], 784),
    },
    {
      name: 't10k-labels-idx1-ubyte',
      mimeType: 'application/octet-stream',
      buffer: idx([0, 0, 8, 1, 0, 0, 0, 1], 1),
    },
  ]);
  const error = page.getByTestId('data-error');
  await expect(error).toContainText('train-images-idx3-ubyte (training images): file is 116 bytes');
  await expect(error).toContainText('kept');
  await expect(page.getByTestId('data-info')).toContainText('MNIST');
  await shot(page, '04-corrupt-idx');
  // Still trains on MNIST.
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);

  // Files that cannot be told apart get a message too, and nothing is sent.
  await page
    .getByLabel(/Load your own IDX files/)
    .setInputFiles([
      { name: 'digits.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(10) },
    ]);
  await expect(error).toContainText('choose four IDX files');
});

test('an impossible spec is refused with the layer named, and the model stays', async ({
  page,
}) => {
  await openPlayground(page, '#preset=tiny');
  await page.getByRole('tab', { name: 'JSON' }).click();
  const editor = page.getByLabel('Model spec as JSON');
  const text = await editor.inputValue();
  await editor.fill(text.replace('"units":10', '"units":0'));
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByTestId('spec-error')).toContainText('layer 4 (dense)');
  await shot(page, '05-bad-spec');
  await page.getByRole('tab', { name: 'Summary' }).click();
  await expect(page.getByTestId('total-params')).toHaveText('5,994');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);

  // The layer editor: back to the model in use, add a dropout layer and apply; the summary follows.
  await page.getByRole('tab', { name: 'Layers' }).click();
  await page.getByRole('button', { name: 'Revert' }).click();
  await expect(page.getByTestId('spec-error')).toHaveCount(0);
  await page.getByLabel('Add a layer').selectOption('dropout');
  await expect(page.getByTestId('layer-row')).toHaveCount(6);
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('tab', { name: 'Summary' }).click();
  await expect(page.getByTestId('summary').locator('tbody tr')).toHaveCount(6);
  await expect(page.getByLabel('Dropout rate')).toHaveValue('0.5');
});

test('divergence stops training with a message and keeps the last good model', async ({ page }) => {
  // A linear network (no ReLU to die) with plain SGD: a large learning rate overflows in a few steps.
  const spec = {
    input: [28, 28, 1],
    layers: [
      { type: 'conv2d', filters: 8, kernel: 5, padding: 'same', activation: 'linear' },
      { type: 'maxpool2d', size: 2 },
      { type: 'dense', units: 32, activation: 'linear' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    optimizer: { type: 'sgd', lr: 0.001 },
    batch_size: 32,
    epochs: 1,
    seed: 1,
  };
  await openPlayground(
    page,
    '#preset=tiny&spec=' + Buffer.from(JSON.stringify(spec)).toString('base64url'),
  );
  await expect(page.getByTestId('summary').locator('tbody tr')).toHaveCount(4);
  for (let i = 1; i <= 3; i++) {
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(i);
  }
  // The statistics are on screen while it diverges (they are read without running the network,
  // so they keep what the diverging step left behind).
  await page.locator('cnn-inspect-panel').getByRole('tab', { name: 'Statistics' }).click();
  const stats = page.getByTestId('layer-stats');
  await expect(stats.locator('tbody tr')).toHaveCount(4);
  await expect(stats.getByTestId('non-finite')).toHaveCount(0);
  await setField(page, 'Learning rate', '100');
  await page.getByTestId('train').click();
  const banner = page.getByTestId('banner');
  await expect(banner).toContainText(
    /training diverged at step \d+: layer \d+ \((dense|conv2d)\) .*(NaN|infinite)/,
  );
  await expect(banner).toContainText(/lower the learning rate \(now 100(\.0)?\)/);
  await expect(page.getByTestId('train-state')).toHaveText('Paused');
  const layer = Number(/layer (\d+) \(/.exec((await banner.textContent()) ?? '')![1]);
  // The table shows it: NaN or Inf in that layer's outputs or gradients, in red.
  const row = stats.locator('tbody tr').nth(layer);
  await expect(row.getByTestId('non-finite').first()).toBeVisible();
  await expect(row.getByTestId('non-finite').first()).toHaveText(/^\d+ NaN, \d+ Inf$/);
  expect(await row.getByTestId('non-finite').allTextContents(), 'NaN or Inf counted').not.toContain(
    '0 NaN, 0 Inf',
  );
  await row.scrollIntoViewIfNeeded();
  await shot(page, '06-diverged');
  // The diverging chunk was rolled back: the step counter stands still and every weight is
  // finite (the weights column counts no NaN or Inf).
  const kept = await stepCount(page);
  expect(kept).toBeGreaterThanOrEqual(3);
  for (const r of await stats.locator('tbody tr').all())
    await expect(r.locator('td').first().getByTestId('non-finite')).toHaveCount(0);
  expect(await stepCount(page)).toBe(kept);
  // Fresh weights and a sane rate train again, and the message goes away.
  await setField(page, 'Learning rate', '0.001');
  await page.getByTestId('reset').click();
  await expect.poll(() => stepCount(page)).toBe(0);
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await expect(banner).toHaveCount(0);
});

test('a crashed worker is restarted and the model restored', async ({ page }) => {
  await openPlayground(page, '#preset=tiny');
  await page.getByTestId('train').click();
  await expect.poll(() => stepCount(page)).toBeGreaterThan(50);
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('train-state')).toHaveText('Paused');
  const saved = await stepCount(page);
  await page.evaluate(() =>
    document
      .querySelector('cnn-playground')!
      .crashWorkerForTesting()
      .catch(() => {}),
  );
  const banner = page.getByTestId('banner');
  await expect(banner).toContainText('crashed');
  await expect(banner).toContainText(`restored`);
  await expect(banner).toContainText(saved.toLocaleString('en-US'));
  await shot(page, '07-worker-restarted');
  // The restored model continues from its step.
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(saved + 1);
});

test('the layout fits a phone screen', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await openPlayground(page, '#preset=tiny');
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - window.innerWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, '08-phone');
  // Every button and field has an accessible name.
  const unnamed = await page.evaluate(() => {
    const out: string[] = [];
    const walk = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) walk(el.shadowRoot);
        if (!/^(BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) continue;
        const named =
          el.getAttribute('aria-label') || (el.textContent ?? '').trim() || el.closest('label');
        if (!named) out.push(el.outerHTML.slice(0, 80));
      }
    };
    walk(document);
    return out;
  });
  expect(unnamed).toEqual([]);
});

test('MNIST is kept in the Cache API and loads again without the network', async ({ page }) => {
  await openPlayground(page, '#preset=tiny');
  // From now on every request for the data fails, as offline.
  let blocked = 0;
  await page.route('**/data/mnist/**', (route) => {
    blocked++;
    return route.abort('internetdisconnected');
  });
  await page.reload();
  await expect(page.getByTestId('data-info')).toContainText('60,000 training', { timeout: 60_000 });
  expect(blocked).toBe(0);
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
});

test('a linked custom model reads "custom", and padding in pixels round-trips through the editor, the JSON and the link', async ({
  page,
}) => {
  const spec = {
    name: 'padded',
    input: [28, 28, 1],
    layers: [
      { type: 'conv2d', filters: 4, kernel: 3, activation: 'relu' },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    loss: 'categorical_crossentropy',
    optimizer: { type: 'sgd', lr: 0.01 },
    batch_size: 16,
  };
  await openPlayground(
    page,
    '#preset=tiny&spec=' + Buffer.from(JSON.stringify(spec)).toString('base64url'),
  );
  const preset = page.locator('cnn-model-panel').getByLabel('Preset');
  await expect(preset.locator('option:checked')).toHaveText('custom');
  const firstOutput = page.getByTestId('summary').locator('tbody tr').first().locator('td').nth(2);
  await expect(firstOutput).toHaveText('26×26×4');

  // Two pixels on every side: (28 - 3 + 2·2)/1 + 1 = 30.
  await page.getByRole('tab', { name: 'Layers' }).click();
  await page.getByLabel('Layer 0 padding', { exact: true }).selectOption('pixels');
  await expect(page.getByLabel('Layer 0 padding pixels')).toHaveValue('1');
  await page.getByLabel('Layer 0 padding pixels').fill('2');
  await page.getByLabel('Layer 0 padding pixels').dispatchEvent('change');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('tab', { name: 'Summary' }).click();
  await expect(firstOutput).toHaveText('30×30×4');
  await page.getByRole('tab', { name: 'JSON' }).click();
  await expect(page.getByLabel('Model spec as JSON')).toHaveValue(/"padding":2\b/);
  const linked = await page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('spec'));
  expect(JSON.parse(Buffer.from(linked!, 'base64url').toString()).layers[0].padding).toBe(2);

  // The link alone brings it back: a fresh page reads the same model, in the editor too.
  await page.reload();
  await expect(page.getByTestId('train')).toBeEnabled({ timeout: 60_000 });
  await expect(firstOutput).toHaveText('30×30×4');
  await expect(preset.locator('option:checked')).toHaveText('custom');
  await page.getByRole('tab', { name: 'Layers' }).click();
  await expect(page.getByLabel('Layer 0 padding', { exact: true })).toHaveValue('pixels');
  await expect(page.getByLabel('Layer 0 padding pixels')).toHaveValue('2');

  // A preset chosen from the list is named again; its hyper-parameters changed keep the name.
  await preset.selectOption('tiny');
  await expect(preset).toHaveValue('tiny');
  // The worker configures the preset, then the page writes its link: edit after that, as a user
  // who sees the preset's values in the panel does.
  await expect(page).toHaveURL(/#preset=tiny$/);
  await setField(page, 'Learning rate', '0.02');
  await expect(page).toHaveURL(/lr=0.02/);
  await expect(preset).toHaveValue('tiny');
});
