// The Runs panel: every training run is listed with its settings and curves, ticked runs overlay
// their curves and show only the settings in which they differ, Restore puts a run's settings back,
// Delete removes it, the list survives a reload (IndexedDB) and goes out and back in as JSON, a
// damaged file is refused with one sentence, a link queues setups to train one after the other,
// and without IndexedDB the panel works in memory and says so.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import {
  expectAccessible,
  openPlayground,
  recordTexts,
  recordedTexts,
  setField,
  shot,
  stepCount,
  storedRecords,
} from './helpers';

/** Trains `n` single steps with the Step button. */
async function steps(page: Page, n: number) {
  const start = await stepCount(page);
  for (let i = 1; i <= n; i++) {
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe((Number.isNaN(start) ? 0 : start) + i);
  }
}

/** The data uPlot holds in one of the Runs panel's charts: x, then one array per series. */
function chartData(page: Page, id: string) {
  return page.evaluate((chartId) => {
    const panel = document
      .querySelector('cnn-playground')!
      .shadowRoot!.querySelector('cnn-runs-panel')!;
    const chart = panel.shadowRoot!.querySelector(`#${chartId}`) as unknown as {
      plotData: Array<Array<number | null>> | null;
    };
    return chart.plotData;
  }, id);
}

/** Unfolds the Runs panel (folded until opened, so the panels below it do not move). */
async function openRuns(page: Page) {
  await page.getByTestId('runs-toggle').click();
  await expect(page.getByTestId('runs-storage')).toBeVisible();
}

const rows = (page: Page) => page.getByTestId('run-row');
const row = (page: Page, n: number) => page.locator(`[data-testid="run-row"][data-run="${n}"]`);
const diffRow = (page: Page, label: string) =>
  page.getByTestId('runs-diff').locator(`tr[data-row="${label}"]`);

test('two runs: listed, overlaid, compared, restored, deleted, kept over a reload, exported and imported', async ({
  page,
}, info) => {
  test.setTimeout(4 * 60_000);
  await openPlayground(page, '#preset=tiny&lr=0.01');
  await expect(page.getByTestId('runs-toggle')).toHaveText('Runs none yet');
  await openRuns(page);
  await expect(page.getByTestId('runs-empty')).toBeVisible();
  await steps(page, 3);
  await expect(rows(page)).toHaveCount(1);
  // A new run: Reset, another learning rate, train again.
  await page.getByTestId('reset').click();
  await expect.poll(() => stepCount(page).then((n) => n || 0)).toBe(0);
  await setField(page, 'Learning rate', '0.05');
  await steps(page, 3);
  await expect(rows(page)).toHaveCount(2);
  await expect(row(page, 1).getByTestId('run-name')).toHaveValue('Run 1 · tiny · Adam lr 0.01');
  await expect(row(page, 2).getByTestId('run-name')).toHaveValue('Run 2 · tiny · Adam lr 0.05');
  await expect(row(page, 1)).toContainText('3');

  // The two newest are ticked: two loss curves, each with its three points.
  const points = async () =>
    ((await chartData(page, 'runs-loss')) ?? [])
      .slice(1)
      .map((ys) => ys.filter((v) => v !== null).length);
  await expect.poll(points).toEqual([3, 3]);
  const loss = (await chartData(page, 'runs-loss'))!;
  expect(loss[1]).not.toEqual(loss[2]);

  // Only the learning rate differs among the settings; the results are always shown.
  await expect(diffRow(page, 'Learning rate')).toContainText('0.01');
  await expect(diffRow(page, 'Learning rate')).toContainText('0.05');
  for (const same of ['Batch size', 'Seed', 'Optimizer', 'Layers', 'Epochs', 'Threads'])
    await expect(diffRow(page, same)).toHaveCount(0);
  await expect(diffRow(page, 'Final test accuracy')).toHaveCount(1);
  await expect(diffRow(page, 'Time')).toHaveCount(1);
  await shot(page, 'runs-two-runs');
  await expectAccessible(page, 'runs-panel', { within: ['cnn-playground', 'cnn-runs-panel'] });

  // Unticking one leaves one curve.
  await row(page, 1).getByTestId('run-show').uncheck();
  await expect.poll(points).toEqual([3]);
  await row(page, 1).getByTestId('run-show').check();

  // Restore run 1: its learning rate is back in the controls and the link.
  await row(page, 1).getByTestId('run-restore').click();
  await expect(page.getByLabel('Learning rate', { exact: true })).toHaveValue('0.01');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('lr=0.01');
  await expect(page.getByTestId('runs-message')).toHaveText(
    'The settings of run 1 are back in the page: Train starts a new run with them.',
  );

  // A rename, kept like the rest.
  await row(page, 2).getByTestId('run-name').fill('fast one');
  await row(page, 2).getByTestId('run-name').press('Enter');
  await page.getByTestId('runs-storage').click();

  // The list survives a reload, once IndexedDB holds the rename.
  await expect
    .poll(async () =>
      (await storedRecords(page, 'cnn-playground-runs', 'runs')).map((r) => r.fields.name),
    )
    .toContain('fast one');
  await page.reload();
  await expect(page.getByTestId('train')).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('runs-toggle')).toContainText('2 in the list');
  await openRuns(page);
  await expect(rows(page)).toHaveCount(2);
  await expect(row(page, 2).getByTestId('run-name')).toHaveValue('fast one');
  await expect(page.getByTestId('runs-storage')).toHaveText(
    'Runs are kept in this browser (the last 50).',
  );

  // Export, delete one, import the file: the deleted run is back, the other is not doubled.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('runs-export').click(),
  ]);
  const file = info.outputPath('runs.json');
  await download.saveAs(file);
  const exported = JSON.parse(readFileSync(file, 'utf8'));
  expect(exported.format).toBe('cnn-playground-runs');
  expect(exported.runs).toHaveLength(2);
  await row(page, 2).getByTestId('run-delete').click();
  await expect(rows(page)).toHaveCount(1);
  await page.getByTestId('runs-file').setInputFiles(file);
  await expect(page.getByTestId('runs-message')).toHaveText(
    'Imported 1 run from runs.json; 1 run already in the list.',
  );
  await expect(rows(page)).toHaveCount(2);
  await expect(row(page, 2).getByTestId('run-name')).toHaveValue('fast one');

  // A damaged file: one sentence, nothing lost.
  exported.runs[1].steps = [[0.1, 'NaN', 0.5]];
  await page.getByTestId('runs-file').setInputFiles({
    name: 'edited.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(exported)),
  });
  await expect(page.getByTestId('runs-error')).toHaveText(
    'edited.json is not a runs file exported by this playground: its run 2 is damaged (its curves are not lists of numbers); nothing was imported.',
  );
  await page.getByTestId('runs-file').setInputFiles({
    name: 'photo.png',
    mimeType: 'image/png',
    buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
  });
  await expect(page.getByTestId('runs-error')).toHaveText(
    'photo.png is not a runs file exported by this playground (it is not JSON); nothing was imported.',
  );
  await expect(rows(page)).toHaveCount(2);

  await row(page, 1).getByTestId('run-delete').click();
  await row(page, 2).getByTestId('run-delete').click();
  await expect(page.getByTestId('runs-empty')).toBeVisible();
});

test('a link queues two setups: shown with their differences, Train both trains one after the other', async ({
  page,
}) => {
  test.setTimeout(4 * 60_000);
  // A one-layer network trains its epoch in seconds; both setups carry it as spec=.
  const linear = Buffer.from(
    JSON.stringify({
      input: [28, 28, 1],
      layers: [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }],
      loss: 'categorical_crossentropy',
      optimizer: { type: 'adam', lr: 0.01 },
      batch_size: 128,
      epochs: 1,
      seed: 1,
    }),
  ).toString('base64url');
  await openPlayground(
    page,
    `#preset=tiny&runs=preset:tiny,spec:${linear};preset:tiny,opt:sgd,lr:0.1,spec:${linear}`,
  );
  const queue = page.getByTestId('runs-queue');
  await expect(queue.getByTestId('queued-setup')).toHaveText([
    'tiny (edited) · Adam lr 0.01',
    'tiny (edited) · SGD lr 0.1',
  ]);
  const diff = queue.getByTestId('queue-diff');
  await expect(diff.locator('tr[data-row="Learning rate"]')).toHaveCount(1);
  await expect(diff.locator('tr[data-row="Optimizer"]')).toHaveCount(1);
  await expect(diff.locator('tr[data-row="Batch size"]')).toHaveCount(0);
  await expect(diff.locator('tr[data-row="Layers"]')).toHaveCount(0);
  // An epoch of this network can take less than a second, less than a locator's polling
  // interval: the queue's sentence is recorded frame by frame instead.
  await recordTexts(page, 'runs-queue');
  await queue.getByTestId('train-queue').click();
  await expect(rows(page)).toHaveCount(2, { timeout: 2 * 60_000 });
  await expect(page.getByTestId('train-state')).toHaveText('Done', { timeout: 2 * 60_000 });
  await expect(page.getByLabel('Learning rate', { exact: true })).toHaveValue('0.1');
  const said = (await recordedTexts(page, 'runs-queue'))
    .map((t) => /Training setup \d of 2/.exec(t)?.[0])
    .filter((t) => t !== undefined);
  expect(said.filter((t, i) => t !== said[i - 1])).toEqual([
    'Training setup 1 of 2',
    'Training setup 2 of 2',
  ]);
  await expect(row(page, 1).getByTestId('run-name')).toHaveValue(
    'Run 1 · tiny (edited) · Adam lr 0.01',
  );
  await expect(row(page, 2).getByTestId('run-name')).toHaveValue(
    'Run 2 · tiny (edited) · SGD lr 0.1',
  );
  // Each ran its whole epoch and has its test accuracy.
  await expect(row(page, 1).getByTestId('run-accuracy')).toHaveText(/^\d+\.\d\d%$/);
  await expect(row(page, 2).getByTestId('run-accuracy')).toHaveText(/^\d+\.\d\d%$/);
  const acc = (await chartData(page, 'runs-accuracy'))!;
  expect(acc.length).toBe(5); // x, then test and batches for each run
  await expect(queue.getByTestId('train-queue')).toBeVisible();
  await shot(page, 'runs-link-queue');
  // Dismiss takes the queue out of the link.
  await queue.getByTestId('dismiss-queue').click();
  await expect(queue).toHaveCount(0);
  await expect.poll(() => page.evaluate(() => location.hash)).not.toContain('runs=');
});

test('a malformed runs= in a link is refused with a sentence, like a malformed spec', async ({
  page,
}) => {
  await openPlayground(page, '#preset=tiny&runs=preset:tiny,lr:abc;preset:nope');
  await expect(page.getByTestId('notice')).toContainText(
    'the runs to compare in the link could not be read; they were left out',
  );
  await expect(page.getByTestId('runs-queue')).toHaveCount(0);
});

test('the share panel adds the ticked runs to the lesson link', async ({ page }) => {
  await openPlayground(page, '#preset=tiny&lr=0.01');
  await openRuns(page);
  await steps(page, 1);
  await page.getByTestId('reset').click();
  await setField(page, 'Batch size', '64');
  await steps(page, 1);
  await expect(rows(page)).toHaveCount(2);
  await page.getByTestId('share-runs').check();
  const link = await page.getByTestId('lesson-link').inputValue();
  expect(link).toContain('runs=preset:tiny,lr:0.01;preset:tiny,lr:0.01,batch:64');
  // The link opens with both queued.
  await page.goto(link.replace(/^https?:\/\/[^/]+/, ''));
  await expect(page.getByTestId('runs-queue').getByTestId('queued-setup')).toHaveCount(2);
});

test('without IndexedDB the runs are listed in memory and the panel says they are not kept', async ({
  page,
}) => {
  await page.addInitScript(() => Object.defineProperty(window, 'indexedDB', { value: undefined }));
  await openPlayground(page, '#preset=tiny');
  await openRuns(page);
  await steps(page, 2);
  await expect(rows(page)).toHaveCount(1);
  await expect(page.getByTestId('runs-storage')).toHaveText(
    'This browser does not let the page keep runs (private window, storage full or blocked): they are lost on reload unless you export them.',
  );
  await expect(page.getByTestId('banner')).toHaveCount(0);

  // IndexedDB there, but every write refused as over quota: the same, once the first write fails.
  const other = await page.context().newPage();
  await other.addInitScript(
    "IDBObjectStore.prototype.put = function () { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };",
  );
  await openPlayground(other, '#preset=tiny');
  await openRuns(other);
  await steps(other, 1);
  await expect(rows(other)).toHaveCount(1);
  await expect(other.getByTestId('runs-storage')).toContainText(
    'This browser does not let the page keep runs',
  );
});
