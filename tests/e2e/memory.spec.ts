// A model whose training step cannot fit in the engine's memory: the summary says what a step
// needs, Train is refused with one sentence naming the size and what to lower, and the page, the
// worker and the data survive (a smaller batch is then accepted). Before, the lesson link of this
// model showed "[object WebAssembly.Exception]".
import { expect, test } from '@playwright/test';
import { openPlayground, setField, shot, stepCount } from './helpers';

test('a training step too big for memory is refused with what it needs, and nothing is lost', async ({
  page,
}) => {
  const spec = {
    input: [28, 28, 1],
    layers: [
      { type: 'conv2d', filters: 2048, kernel: 1, padding: 'same' },
      { type: 'conv2d', filters: 2048, kernel: 1 },
      { type: 'maxpool2d', size: 28 },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    optimizer: { type: 'sgd', lr: 0.01 },
    batch_size: 1024,
  };
  await openPlayground(page, '#spec=' + Buffer.from(JSON.stringify(spec)).toString('base64url'));
  await expect(page.getByTestId('total-params')).toHaveText('4,220,938');
  await expect(page.getByTestId('step-memory')).toHaveText(/^2\d\.\d GB$/);
  await page.getByTestId('train').click();
  const banner = page.getByTestId('banner');
  await expect(banner).toContainText(
    /a training step of this model with batch 1024 needs about 2\d\.\d GB of memory, more than the 1\.5 GB this engine can use; lower the batch size to \d+ or less/,
  );
  await expect(banner).not.toContainText('object');
  await shot(page, '41-step-memory-refused');
  expect(await stepCount(page)).toBe(0);
  // The batch the sentence suggests is accepted; the summary follows it.
  await setField(page, 'Batch size', '1');
  await expect(page.getByTestId('step-memory')).toHaveText(/^\d+ MB$/);
  await expect(page.getByTestId('data-info')).toContainText('60,000 training');
});
