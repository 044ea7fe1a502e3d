// The page stays fluid while it trains: no main-thread task over 50 ms from the click on Train
// until tiny reaches 95 %, then pause, step, a new learning rate, the evaluation views and reset.
// Its own file because its trace (CNN_E2E_TRACE=1) is recorded without DOM snapshots:
// Playwright's recorder takes them on the page's main thread around every action (50-200 ms on
// this page), and the test must count only the page's own tasks.
import { expect, test } from '@playwright/test';
import {
  expectCellGallery,
  longTasksSince,
  openPlayground,
  setField,
  shot,
  stepCount,
  testAccuracy,
  waitForTestAccuracy,
  watchLongTasks,
} from './helpers';

test.use({
  trace: process.env.CNN_E2E_TRACE
    ? { mode: 'retain-on-failure', snapshots: false, screenshots: false, sources: true }
    : 'off',
});

test('tiny trains to 95% with a fluid page; pause, step, learning rate and reset work', async ({
  page,
}) => {
  await watchLongTasks(page);
  await openPlayground(page, '#preset=tiny');
  await expect(page.getByTestId('total-params')).toHaveText('5,994');
  await shot(page, '01-loaded');

  // The button is found before the clock starts, and the wait below is a cheap probe (see
  // waitForTestAccuracy), so the tasks counted are the page's own, not the test harness's.
  const train = (await page.getByTestId('train').elementHandle())!;
  const started = await page.evaluate(() => performance.now());
  await train.click();
  await waitForTestAccuracy(page, 0.95);
  const ended = await page.evaluate(() => performance.now());
  const trainedFor = ended - started;
  await expect(page.getByTestId('train-state')).toHaveText('Training');
  expect(await testAccuracy(page)).toBeGreaterThanOrEqual(0.95);
  await shot(page, '02-training');

  await page.getByTestId('pause').click();
  await expect(page.getByTestId('train-state')).toHaveText('Paused');
  // On a quiet machine there are none (npm run bench counts them over whole epochs). On this
  // shared 2-vCPU VM the OS occasionally stretches one task past 50 ms, so the test allows one
  // isolated task and none over 100 ms: rendering work that is really too long (as before the
  // charts were throttled: 18 tasks of 50-77 ms; the charts' first draw at the start of
  // training, 50-120 ms; the first live feature maps, 50 ms) still fails it.
  const long = await longTasksSince(page, started, ended);
  const label = `main-thread tasks over 50 ms during ${Math.round(trainedFor)} ms of training: ${JSON.stringify(long)}`;
  test.info().annotations.push({ type: 'long tasks while training', description: label });
  expect(long.length, label).toBeLessThanOrEqual(1);
  expect(
    long.filter((t) => t.duration > 100),
    label,
  ).toEqual([]);

  // Paused means paused: the step counter holds still.
  const paused = await stepCount(page);
  await page.waitForTimeout(500);
  expect(await stepCount(page)).toBe(paused);

  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(paused + 1);

  // A new learning rate reaches the worker: the next step reports it, and the link keeps it.
  await setField(page, 'Learning rate', '0.0005');
  await expect(page).toHaveURL(/lr=0\.0005/);
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(paused + 2);
  await expect(page.getByTestId('train-stats')).toContainText('lr 0.000500');

  // Evaluate: the confusion matrix adds up to the test set, and a cell lists its digits (checked
  // against the MNIST file and the network's own reading of each, expectCellGallery).
  await page.getByTestId('evaluate').click();
  const matrix = page.getByTestId('confusion');
  await expect(matrix).toBeVisible();
  const counts = await matrix.locator('button[data-true]').allTextContents();
  expect(counts.length).toBe(100);
  expect(counts.map((c) => Number(c.replace(/,/g, ''))).reduce((a, b) => a + b, 0)).toBe(10_000);
  const wrong = matrix.locator('button[data-true]').filter({ hasNotText: /^\s*0\s*$/ });
  let cell = null;
  for (const b of await wrong.all()) {
    if ((await b.getAttribute('data-true')) !== (await b.getAttribute('data-pred'))) {
      cell = b;
      break;
    }
  }
  expect(cell, 'the model makes at least one mistake on 10,000 digits').not.toBeNull();
  await expectCellGallery(page, cell!);
  await expect(page.getByTestId('least-sure').getByTestId('example')).toHaveCount(24);
  await shot(page, '03-evaluated');

  await page.getByTestId('reset').click();
  await expect.poll(() => stepCount(page)).toBe(0);
  await expect(page.getByTestId('test-accuracy')).toHaveCount(0);
  await expect(page.getByTestId('confusion')).toHaveCount(0);
});
