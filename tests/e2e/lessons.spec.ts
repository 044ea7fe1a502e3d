// The built-in lessons (the Lessons panel, web/src/lessons/lessons.ts): the panel lists the seed
// tutorials; opening a network lesson sets the tutorial's network and settings, "Try the fix" the
// better ones; a convolution lesson opens the explainer on the tutorial's numbers; `#lesson=<id>`
// links open a lesson (composing with `hide=`), an unknown id says so in one sentence and keeps
// the rest of the link; a lesson's network trains.
import { expect, test, type Page } from '@playwright/test';
import { openPlayground, shot, stepCount } from './helpers';

const field = (page: Page, label: string) =>
  page.locator('cnn-train-panel').getByLabel(label, { exact: true });

async function expectSettings(
  page: Page,
  s: { optimizer: string; lr: string; momentum?: string; batch: string; epochs: string },
) {
  await expect(field(page, 'Optimizer')).toHaveValue(s.optimizer);
  await expect(field(page, 'Learning rate')).toHaveValue(s.lr);
  if (s.momentum !== undefined) await expect(field(page, 'Momentum')).toHaveValue(s.momentum);
  await expect(field(page, 'Batch size')).toHaveValue(s.batch);
  await expect(field(page, 'Epochs')).toHaveValue(s.epochs);
}

test('the Lessons panel opens each tutorial with its own settings, and its fix', async ({
  page,
}) => {
  await openPlayground(page);
  const panel = page.locator('cnn-lessons-panel');
  const tabs = panel.getByRole('tab');
  await expect(tabs).toHaveText([
    'Keras book',
    'TFLearn',
    'TF tutorial',
    'cs231n conv',
    'tf.nn.conv2d',
  ]);

  // TFLearn: the example's Adam lr 0.01 and 20 epochs, then the fix (the tflearn preset).
  await panel.getByRole('tab', { name: 'TFLearn' }).click();
  const card = panel.getByTestId('lesson-card');
  await expect(card).toContainText('convnet_mnist.py');
  await expect(card.getByTestId('measured-accuracy').first()).toContainText('%');
  await card.getByTestId('lesson-open').click();
  await expect(page.locator('cnn-model-panel').getByLabel('Preset')).toHaveValue('tflearn');
  await expectSettings(page, { optimizer: 'adam', lr: '0.01', batch: '64', epochs: '20' });
  await expect(card.getByTestId('lesson-settings')).toHaveText(
    'Now in force: Adam lr 0.01, batch 64, 20 epochs.',
  );
  await expect(page).toHaveURL(/#lesson=tflearn&preset=tflearn&lr=0\.01&epochs=20$/);
  await shot(page, '60-lessons-tflearn');
  await card.getByTestId('lesson-try-fix').click();
  await expectSettings(page, { optimizer: 'adam', lr: '0.001', batch: '64', epochs: '2' });
  await expect(page).toHaveURL(/#lesson=tflearn&preset=tflearn$/);

  // The TensorFlow tutorial: plain SGD lr 0.001 with batch 100; the fix adds momentum 0.9, lr 0.01.
  await panel.getByRole('tab', { name: 'TF tutorial' }).click();
  await card.getByTestId('lesson-open').click();
  await expect(page.locator('cnn-model-panel').getByLabel('Preset')).toHaveValue('tf-tutorial');
  await expectSettings(page, {
    optimizer: 'sgd',
    lr: '0.001',
    momentum: '0',
    batch: '100',
    epochs: '3',
  });
  await card.getByTestId('lesson-try-fix').click();
  await expectSettings(page, {
    optimizer: 'sgd',
    lr: '0.01',
    momentum: '0.9',
    batch: '100',
    epochs: '2',
  });

  // The Keras book: the book's RMSprop lr 0.001 (the preset's is 0.002), batch 64, 5 epochs; no fix.
  await panel.getByRole('tab', { name: 'Keras book' }).click();
  await expect(card.getByTestId('lesson-try-fix')).toHaveCount(0);
  await card.getByTestId('lesson-open').click();
  await expect(page.locator('cnn-model-panel').getByLabel('Preset')).toHaveValue('keras-book');
  await expectSettings(page, { optimizer: 'rmsprop', lr: '0.001', batch: '64', epochs: '5' });
  await expect(page).toHaveURL(/#lesson=keras-book&preset=keras-book&lr=0\.001$/);
  await expect(card).toContainText('99.26 %');
});

test('convolution lessons open the explainer on the tutorial’s numbers', async ({ page }) => {
  await openPlayground(page);
  const ex = page.locator('cnn-conv-explainer');
  await page.locator('cnn-learn-panel').scrollIntoViewIfNeeded();
  // Start elsewhere, so the lesson has to bring the explainer back to cs231n's demo.
  await ex.getByTestId('conv-preset').selectOption('tf-same-1');
  await expect(ex.getByTestId('conv-output-shape')).toHaveText('5×5×1');

  const panel = page.locator('cnn-lessons-panel');
  await panel.getByRole('tab', { name: 'cs231n conv' }).click();
  await panel.getByTestId('lesson-open').click();
  await expect(ex.getByTestId('conv-output-shape')).toHaveText('3×3×2');
  await expect(ex.getByTestId('conv-formula')).toContainText('(5 − 3 + 2·1)/2 + 1 = 3');
  await expect(ex).toBeInViewport();
  await expect(page).toHaveURL(/#lesson=cs231n&/);

  // tf.nn.conv2d: each of TensorFlow's examples on a 5×5 input with a 3×3 kernel.
  await panel.getByRole('tab', { name: 'tf.nn.conv2d' }).click();
  const sizes: Array<[string, string]> = [
    ['tf-valid-1', '3×3×1'],
    ['tf-same-1', '5×5×1'],
    ['tf-same-2', '3×3×1'],
    ['tf-valid-2', '2×2×1'],
  ];
  for (const [example, shape] of sizes) {
    await panel.getByTestId(`lesson-example-${example}`).click();
    await expect(ex.getByTestId('conv-preset')).toHaveValue(example);
    await expect(ex.getByTestId('conv-output-shape')).toHaveText(shape);
  }
  await shot(page, '61-lessons-conv2d');
});

test('lesson links open a lesson, compose with hide=, and an unknown id says so', async ({
  page,
}) => {
  // The data panel is hidden: wait for the Train button instead (it waits for MNIST).
  await page.goto('/#lesson=tf-tutorial&hide=data,share');
  await expect(page.getByTestId('train')).toBeEnabled({ timeout: 60_000 });
  await expect(page.locator('cnn-model-panel').getByLabel('Preset')).toHaveValue('tf-tutorial');
  await expectSettings(page, {
    optimizer: 'sgd',
    lr: '0.001',
    momentum: '0',
    batch: '100',
    epochs: '3',
  });
  await expect(page.locator('cnn-data-panel')).toHaveCount(0);
  await expect(page.getByTestId('lesson-note')).toContainText('2 parts are hidden');
  await expect(page.locator('cnn-lessons-panel').getByTestId('lesson-card')).toContainText(
    'TensorFlow MNIST tutorial (open)',
  );
  await expect(page).toHaveURL(/#lesson=tf-tutorial&preset=tf-tutorial&.*hide=data,share$/);

  // A conv lesson by link: the explainer on tf.nn.conv2d's first example.
  await page.goto('/#lesson=tf-conv2d');
  await expect(page.locator('cnn-conv-explainer').getByTestId('conv-output-shape')).toHaveText(
    '3×3×1',
    { timeout: 60_000 },
  );
  await expect(page.locator('cnn-conv-explainer').getByTestId('conv-preset')).toHaveValue(
    'tf-valid-1',
  );

  // An unknown lesson: one sentence, and the rest of the link (lr 0.003) is kept.
  await page.goto('/#lesson=nope&preset=tiny&lr=0.003');
  await expect(page.getByTestId('notice')).toContainText(
    'the link names an unknown lesson "nope"',
    { timeout: 60_000 },
  );
  await expect(page.locator('cnn-model-panel').getByLabel('Preset')).toHaveValue('tiny');
  await expect(field(page, 'Learning rate')).toHaveValue('0.003');

  // Embedded (?embed=1): the Lessons panel only when the link names a lesson.
  await page.goto('/?embed=1#lesson=tflearn');
  await expect(page.locator('cnn-lessons-panel').getByTestId('lesson-card')).toContainText(
    'TFLearn example (open)',
    { timeout: 60_000 },
  );
  await page.goto('/?embed=1#preset=tiny');
  await expect(page.getByTestId('train')).toBeEnabled({ timeout: 60_000 });
  await expect(page.locator('cnn-lessons-panel')).toHaveCount(0);
});

test('a lesson’s network trains', async ({ page }) => {
  await openPlayground(page, '#lesson=tflearn');
  await expectSettings(page, { optimizer: 'adam', lr: '0.01', batch: '64', epochs: '20' });
  const before = await stepCount(page);
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThan(before);
  await expect(page.getByTestId('banner')).toHaveCount(0);
});
