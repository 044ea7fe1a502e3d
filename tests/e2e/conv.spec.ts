// The convolution explainer and the kernel playground in the playground page: the cs231n and
// tf.nn.conv2d presets against the numbers of tests/native/kernels_known_values_test.cpp, an
// invalid combination, the "Your network" source, and a kernel changing a digit. Not a test of
// the convolution kernels themselves (the native known-value tests are).
import { expect, test } from '@playwright/test';
import { SHOTS, openPlayground } from './helpers';
import { mkdirSync } from 'node:fs';

// Output [3][3][2] of the cs231n case in tests/native/kernels_known_values_test.cpp.
const CS231N = [2, 2, 1, 0, -1, -1, 1, 0, 1, 0, 1, 0, 2, -1, 1, 0, -1, 2];

test('conv explainer: cs231n, tf.nn.conv2d sizes, invalid combination, your network', async ({ page }) => {
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
  await expect(ex.getByTestId('conv-invalid')).toContainText('larger than the 5×5 input');

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
  const pixels = (id: string) =>
    kp.getByTestId(id).evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0)));
  await expect.poll(async () => (await pixels('kernel-output')).filter((v) => v > 0).length).toBeGreaterThan(20);
  const input = await pixels('kernel-input');
  const output = await pixels('kernel-output');
  expect(input.filter((v) => v > 0).length).toBeGreaterThan(20);
  expect(output.some((v, i) => v !== input[i])).toBe(true);
  await kp.screenshot({ path: `${SHOTS}/21-kernel-playground.png` });
});

test('conv explainer standalone: its own worker, size attributes, a non-integer formula', async ({ page }) => {
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
  await expect(page.locator('#b').getByTestId('conv-formula')).toContainText('(7 − 3 + 2·1)/2 + 1 = 4');
  await expect(page.locator('#c').getByTestId('conv-output-shape')).toHaveText('2×2×1');
  await expect(page.locator('#c').getByTestId('conv-invalid')).toContainText('not an integer: the core takes the floor');
});
