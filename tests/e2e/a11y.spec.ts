// Accessibility of the playground with axe (tests/e2e/helpers.ts expectAccessible): the page as it
// loads, after training and an evaluation (report, charts, a confusion cell's gallery), and with
// every view of "Inside the network", of the model panel and of the convolution lessons open. Not
// a substitute for trying the page with a screen reader; keyboard and narrow-screen checks are in
// keyboard.spec.ts.
import { expect, test } from '@playwright/test';
import { expectAccessible, expectCellGallery, openPlayground, stepCount } from './helpers';

test('axe: the page once MNIST is ready', async ({ page }) => {
  await openPlayground(page, '#preset=tiny');
  await expectAccessible(page, 'loaded');
});

test('axe: after training and an evaluation', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  await openPlayground(page, '#preset=tiny');
  for (let i = 1; i <= 5; i++) {
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(i);
  }
  await page.getByTestId('evaluate').click();
  const matrix = page.getByTestId('confusion');
  await expect(matrix).toBeVisible();
  await expect(page.getByTestId('test-accuracy')).toBeVisible();
  await expectAccessible(page, 'evaluated');
  // A cell off the diagonal opens its gallery of mistakes, which holds that cell's digits.
  const wrong = matrix.locator('button[data-true]:not(.diag):not(.zero)').first();
  await expectCellGallery(page, wrong);
  await page.getByTestId('cell-gallery').scrollIntoViewIfNeeded();
  await expectAccessible(page, 'cell-gallery');
});

test('axe: every view of the inspection, model and convolution panels', async ({ page }) => {
  test.setTimeout(5 * 60_000); // ten axe runs, slow on a busy machine
  await openPlayground(page, '#preset=tiny');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);

  const inspect = page.locator('cnn-inspect-panel');
  await inspect.scrollIntoViewIfNeeded();
  await expect(page.getByTestId('feature-layer').first()).toBeVisible();
  await expectAccessible(page, 'inspect-maps', { within: ['cnn-playground', 'cnn-inspect-panel'] });
  await inspect.getByRole('tab', { name: 'Why this answer' }).click();
  await expect(page.locator('cnn-why-view canvas[data-map="occlusion"]')).toHaveAttribute(
    'data-class',
    /\d/,
  );
  await expectAccessible(page, 'inspect-why', { within: ['cnn-playground', 'cnn-inspect-panel'] });
  await inspect.getByRole('tab', { name: 'Filters' }).click();
  await expect(page.getByTestId('filter-layer').first()).toBeVisible();
  await expectAccessible(page, 'inspect-filters', {
    within: ['cnn-playground', 'cnn-inspect-panel'],
  });
  await inspect.getByRole('tab', { name: 'Statistics' }).click();
  await expect(page.getByTestId('layer-stats')).toBeVisible();
  await expectAccessible(page, 'inspect-stats', {
    within: ['cnn-playground', 'cnn-inspect-panel'],
  });

  const model = page.locator('cnn-model-panel');
  for (const tab of ['Layers', 'JSON', 'Summary']) {
    await model.getByRole('tab', { name: tab }).click();
    await expectAccessible(page, `model-${tab.toLowerCase()}`, {
      within: ['cnn-playground', 'cnn-model-panel'],
    });
  }

  const learn = page.locator('cnn-learn-panel');
  await learn.scrollIntoViewIfNeeded();
  await expect(page.getByTestId('conv-output-shape')).toBeVisible();
  await expectAccessible(page, 'learn-explainer', {
    within: ['cnn-playground', 'cnn-learn-panel'],
  });
  await learn.getByRole('tab', { name: 'Your network' }).click();
  await expect(page.getByTestId('net-core-value')).toBeVisible();
  await expectAccessible(page, 'learn-explainer-network', {
    within: ['cnn-playground', 'cnn-learn-panel'],
  });
  await page.getByTestId('learn-tab-kernel').click();
  await expect(page.getByTestId('kernel-output')).toBeVisible();
  await expectAccessible(page, 'learn-kernel', { within: ['cnn-playground', 'cnn-learn-panel'] });
});
