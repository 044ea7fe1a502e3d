// The threaded engine in the page: `vite preview` (and any host sending the README's headers)
// makes the page cross-origin isolated, so the worker loads the threaded module and trains on
// every core. The same steps give the same model file, byte for byte, on 2 threads and on 1.
// The iframe on another origin (lesson.spec.ts) runs the single-threaded engine and says why.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { SHOTS, openPlayground, stepCount } from './helpers';

async function stepAndSave(page: Page, steps: number, name: string): Promise<Buffer> {
  const panel = page.locator('cnn-model-panel');
  for (let i = 1; i <= steps; i++) {
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(i);
  }
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    panel.getByTestId('model-download').click(),
  ]);
  const out = test.info().outputPath(name);
  await file.saveAs(out);
  return readFileSync(out);
}

test('an isolated page trains on both cores, with the same bits as on one', async ({ page }) => {
  await openPlayground(page, '#preset=tiny&batch=64');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const threads = page.getByTestId('threads');
  if (cores < 2) {
    // One core: the single-threaded engine, and the page says why.
    await expect(threads).toContainText('1 thread: one core');
    return;
  }
  await expect(threads).toContainText(`${cores} threads`);
  const select = page.getByLabel('Engine threads');
  await expect(select).toHaveValue(String(cores));
  await expect(select.locator('option')).toHaveCount(cores);
  await threads.scrollIntoViewIfNeeded();
  await page.locator('cnn-train-panel').screenshot({ path: `${SHOTS}/40-threads.png` });

  // Both runs start from Reset: the data order of a model that saw MNIST arrive in shards differs
  // from one shuffled over the whole set (the arrivals are spliced into its epoch).
  await page.getByTestId('reset').click();
  await expect.poll(() => stepCount(page)).toBe(0);
  const many = await stepAndSave(page, 4, 'threads-many.safetensors');
  await page.getByTestId('reset').click();
  await expect.poll(() => stepCount(page)).toBe(0);
  await select.selectOption('1');
  await expect(threads).toContainText('1 thread');
  const one = await stepAndSave(page, 4, 'threads-one.safetensors');
  expect(many.length).toBeGreaterThan(20_000);
  expect(one.equals(many), 'the model after 4 steps differs between 1 and 2 threads').toBe(true);

  // And it trains: a few seconds of Train on two threads moves the step counter and the pace.
  await select.selectOption(String(cores));
  await page.getByTestId('train').click();
  await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBeGreaterThan(30);
  await page.getByTestId('pause').click();
  const rate = Number(
    ((await page.getByTestId('examples-per-sec').textContent()) ?? '').replace(/,/g, ''),
  );
  expect(rate).toBeGreaterThan(100);
});
