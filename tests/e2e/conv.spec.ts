// The convolution explainer and the kernel playground in the playground page: the cs231n and
// tf.nn.conv2d presets against the numbers of tests/native/kernels_known_values_test.cpp, an
// invalid combination, the "Your network" source, a kernel changing a digit (a test digit or the
// drawn one), and a kernel copied into the network's first layer. Not a test of the convolution
// kernels themselves (the native known-value tests are).
import { expect, test, type Locator, type Page } from '@playwright/test';
import { SHOTS, drawStrokes, openPlayground, strokeFixture } from './helpers';
import { mkdirSync } from 'node:fs';

const EDGE = [-1, -1, -1, -1, 8, -1, -1, -1, -1];

/** Draws a fixture digit (tests/fixtures/digit-strokes.json) on the pad with the mouse. */
function drawFixture(page: Page, which: number): Promise<void> {
  return drawStrokes(page, strokeFixture.digits[which].strokes);
}

/** The red channel of a 28x28 canvas. */
function pixels(canvas: Locator): Promise<number[]> {
  return canvas.evaluate((c: HTMLCanvasElement) =>
    Array.from(
      c
        .getContext('2d')!
        .getImageData(0, 0, 28, 28)
        .data.filter((_, i) => i % 4 === 0),
    ),
  );
}

/** "(−1)" or "8" as the explainer writes a factor. */
function factor(s: string): number {
  return Number(s.replace(/[()]/g, '').replace('−', '-'));
}

// Output [3][3][2] of the cs231n case in tests/native/kernels_known_values_test.cpp.
const CS231N = [2, 2, 1, 0, -1, -1, 1, 0, 1, 0, 1, 0, 2, -1, 1, 0, -1, 2];

test('conv explainer: cs231n, tf.nn.conv2d sizes, invalid combination, your network', async ({
  page,
}) => {
  await openPlayground(page);
  await page.locator('cnn-learn-panel').scrollIntoViewIfNeeded();
  const ex = page.locator('cnn-conv-explainer');
  await ex.scrollIntoViewIfNeeded();
  await expect(ex.getByTestId('conv-output-shape')).toHaveText('3×3×2');
  await expect(ex.getByTestId('conv-core-value')).toHaveAttribute('data-value', String(CS231N[0]));
  await expect(ex.locator('.math .ok')).toContainText('✓');
  await expect(ex.getByTestId('conv-formula')).toContainText('(5 − 3 + 2·1)/2 + 1 = 3');

  // Arrow keys move the position: output (0, 1) of filter 0.
  await ex.getByRole('grid', { name: /Output filter 0/ }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(ex.getByTestId('conv-core-value')).toHaveAttribute('data-value', String(CS231N[2]));
  // The Step button walks on: (0, 2).
  await ex.getByRole('button', { name: 'Next output position' }).click();
  await expect(ex.getByTestId('conv-core-value')).toHaveAttribute('data-value', String(CS231N[4]));

  mkdirSync(SHOTS, { recursive: true });
  await ex.screenshot({ path: `${SHOTS}/20-conv-explainer.png` });

  const sizes: Array<[string, string]> = [
    ['tf-valid-1', '3×3×1'],
    ['tf-same-1', '5×5×1'],
    ['tf-same-2', '3×3×1'],
    ['tf-valid-2', '2×2×1'],
    ['multichannel', '3×3×1'],
  ];
  for (const [preset, shape] of sizes) {
    await ex.getByTestId('conv-preset').selectOption(preset);
    await expect(ex.getByTestId('conv-output-shape')).toHaveText(shape);
    await expect(ex.locator('.math .ok')).toBeVisible();
  }
  await ex.getByTestId('conv-preset').selectOption('tf-same-2');
  await expect(ex.getByTestId('conv-formula')).toContainText('ceil(5/2) = 3');

  // A kernel larger than the input with VALID padding fits nowhere.
  await ex.getByTestId('conv-preset').selectOption('tf-valid-1');
  await ex.getByTestId('conv-kernel-size').fill('7');
  await ex.getByTestId('conv-kernel-size').press('Tab');
  await expect(ex.getByTestId('conv-invalid')).toContainText(
    'kernel 7 is larger than its 5x5 input',
  );

  // Pooling through the core: max over the first 2x2 window of the cs231n input.
  await ex.getByTestId('conv-preset').selectOption('cs231n');
  await ex.getByRole('combobox', { name: 'Operation' }).selectOption('max');
  await expect(ex.locator('.math .ok')).toBeVisible();

  // Your network: the first conv layer on test digit 0, with the core's value and a JS check.
  await ex.getByRole('tab', { name: 'Your network' }).click();
  await expect(ex.getByTestId('net-core-value')).toBeVisible();
  await expect(ex.locator('cnn-conv-network-view .math .ok')).toBeVisible();
  await ex.screenshot({ path: `${SHOTS}/20-conv-explainer-network.png` });
});

test('kernel playground: edge detect changes the digit', async ({ page }) => {
  await openPlayground(page);
  await page.getByTestId('learn-tab-kernel').click();
  const kp = page.locator('cnn-kernel-playground');
  await kp.scrollIntoViewIfNeeded();
  await kp.getByTestId('kernel-preset').selectOption('edge detect');
  await expect
    .poll(async () => (await pixels(kp.getByTestId('kernel-output'))).filter((v) => v > 0).length)
    .toBeGreaterThan(20);
  const input = await pixels(kp.getByTestId('kernel-input'));
  const output = await pixels(kp.getByTestId('kernel-output'));
  expect(input.filter((v) => v > 0).length).toBeGreaterThan(20);
  expect(output.some((v, i) => v !== input[i])).toBe(true);
  await kp.screenshot({ path: `${SHOTS}/21-kernel-playground.png` });
});

test('kernel playground: the drawn digit, and edge detect as first-layer filter 0 of the network', async ({
  page,
}) => {
  await openPlayground(page); // keras-book: the first layer has 32 filters of 3x3x1
  const inspect = page.locator('cnn-inspect-panel');
  await inspect.scrollIntoViewIfNeeded();
  await inspect.getByRole('tab', { name: 'Filters' }).click();
  const firstLayer = inspect.getByTestId('filter-layer').first();
  await expect(firstLayer).toContainText('conv2d_1/kernel');
  const maxBefore = Number(
    /max \|w\| ([\d.e+-]+)/.exec((await firstLayer.textContent()) ?? '')![1],
  );
  expect(maxBefore).toBeLessThan(1); // glorot_uniform

  await page.getByTestId('learn-tab-kernel').click();
  const kp = page.locator('cnn-kernel-playground');
  await kp.scrollIntoViewIfNeeded();
  // Nothing drawn yet: the choice says so, and choosing it shows an empty input.
  await expect(kp.getByText('(nothing drawn yet)')).toBeVisible();
  await kp.getByTestId('kernel-source-drawn').check();
  await expect(kp.getByText('Nothing drawn yet: draw a digit on the pad')).toBeVisible();
  expect((await pixels(kp.getByTestId('kernel-input'))).every((v) => v === 0)).toBe(true);

  // A drawn digit: the playground filters what the pad shows as "what the model sees".
  await drawFixture(page, 3);
  await expect(page.getByTestId('pad-top')).toHaveAttribute('data-class', /\d/);
  await kp.scrollIntoViewIfNeeded();
  await expect(kp.getByText('The digit you drew, as the network sees it')).toBeVisible();
  const preview = await pixels(page.getByTestId('pad-preview'));
  await expect
    .poll(
      async () =>
        (await pixels(kp.getByTestId('kernel-input'))).filter(
          (v, i) => Math.abs(v - preview[i]) > 1,
        ).length,
    )
    .toBe(0);
  expect(preview.filter((v) => v > 0).length).toBeGreaterThan(20);
  await kp.getByTestId('kernel-preset').selectOption('edge detect');
  await expect
    .poll(async () => (await pixels(kp.getByTestId('kernel-output'))).filter((v) => v > 0).length)
    .toBeGreaterThan(20);
  const drawnOut = await pixels(kp.getByTestId('kernel-output'));
  expect(drawnOut.some((v, i) => v !== preview[i])).toBe(true);

  // A filter number the layer does not have: one sentence, nothing copied.
  await kp.getByTestId('kernel-filter-index').fill('99');
  await kp.getByTestId('kernel-filter-index').press('Tab');
  await kp.getByTestId('kernel-use-filter').click();
  await expect(kp.getByTestId('kernel-filter-error')).toHaveText(
    'The kernel was not copied: layer 0 (conv2d) has filters 0 to 31, so there is no filter 99.',
  );

  await kp.getByTestId('kernel-filter-index').fill('0');
  await kp.getByTestId('kernel-filter-index').press('Tab');
  await kp.getByTestId('kernel-use-filter').click();
  await expect(kp.getByTestId('kernel-filter-status')).toHaveText(
    'Copied into filter 0 of conv2d_1; its bias is unchanged.',
  );
  await expect(kp.getByTestId('kernel-filter-error')).toHaveCount(0);
  await kp.screenshot({ path: `${SHOTS}/22-kernel-playground-filter.png` });

  // The Filters view refreshes on its own: the largest first-layer weight is now the kernel's 8.
  await inspect.scrollIntoViewIfNeeded();
  await expect(firstLayer).toContainText('max |w| 8.00');

  // The explainer's "Your network" shows filter 0's weights in its products: the kernel's.
  await page.getByTestId('learn-tab-explainer').click();
  const ex = page.locator('cnn-conv-explainer');
  await ex.scrollIntoViewIfNeeded();
  await ex.getByRole('tab', { name: 'Your network' }).click();
  const products = ex.locator('cnn-conv-network-view .math > div').first();
  await expect(products).toContainText('·');
  const weights = [
    ...((await products.textContent()) ?? '').matchAll(/·(\(−[\d.]+\)|[\d.]+)/g),
  ].map((m) => factor(m[1]));
  expect(weights).toEqual(EDGE);
  await expect(ex.locator('cnn-conv-network-view .math .ok')).toBeVisible();
  // And the model kept in this browser is the edited one.
  await expect(page.getByTestId('model-stored')).toContainText('with your filter');
});

test('conv explainer standalone: its own worker, size attributes, a non-integer formula', async ({
  page,
}) => {
  await page.goto('/');
  await page.waitForFunction(() => !!customElements.get('cnn-conv-explainer'));
  await page.evaluate(() => {
    const host = document.createElement('div');
    host.id = 'standalone';
    host.innerHTML =
      '<cnn-conv-explainer id="a" preset="tf-valid-2"></cnn-conv-explainer>' +
      '<cnn-conv-explainer id="b" preset="tf-valid-1" input-size="7" kernel-size="3" stride="2" padding="1"></cnn-conv-explainer>' +
      '<cnn-conv-explainer id="c" preset="tf-valid-1" input-size="6" kernel-size="3" stride="2" padding="0"></cnn-conv-explainer>';
    document.body.prepend(host);
  });
  await expect(page.locator('#a').getByTestId('conv-output-shape')).toHaveText('2×2×1');
  await expect(page.locator('#b').getByTestId('conv-output-shape')).toHaveText('4×4×1');
  await expect(page.locator('#b').getByTestId('conv-formula')).toContainText(
    '(7 − 3 + 2·1)/2 + 1 = 4',
  );
  await expect(page.locator('#c').getByTestId('conv-output-shape')).toHaveText('2×2×1');
  await expect(page.locator('#c').getByTestId('conv-invalid')).toContainText(
    'not an integer: the core takes the floor',
  );
});
