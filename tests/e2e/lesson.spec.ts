// Lesson links and the iframe mode: a link made in the share panel restores exactly the state it
// was made from and hides what the teacher ticked; `?embed=1` works inside an iframe of another
// origin, without cross-origin isolation, and never touches the host page's address.
import { expect, test, type Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openPlayground, setField, shot, stepCount } from './helpers';

/** The state the share panel would put in a link (the hash without `hide`). */
async function sharedState(page: Page): Promise<string> {
  const link = await page.getByTestId('lesson-link').inputValue();
  return link.split('#')[1].replace(/&hide=[^&]*/, '');
}

test('a lesson link restores the state it was made from and hides what it should', async ({
  page,
  context,
}) => {
  await openPlayground(page);
  const model = page.locator('cnn-model-panel');
  await model.getByLabel('Preset').selectOption('tiny');
  await expect(page.getByTestId('lesson-link')).toHaveValue(/preset=tiny/);
  await page.locator('cnn-train-panel').getByLabel('Optimizer').selectOption('rmsprop');
  await setField(page, 'Learning rate', '0.003');
  await setField(page, 'Batch size', '48');
  await setField(page, 'Seed', '7');
  // A structural edit travels too: the JSON spec with 12 filters in the first conv.
  await model.getByRole('tab', { name: 'JSON' }).click();
  const json = JSON.parse(await model.getByLabel('Model spec as JSON').inputValue());
  json.layers[0].filters = 12;
  await model.getByLabel('Model spec as JSON').fill(JSON.stringify(json, null, 2));
  await model.getByRole('button', { name: 'Apply' }).click();
  await model.getByRole('tab', { name: 'Summary' }).click();
  const params = (await model.getByTestId('total-params').textContent()) ?? '';
  expect(params).not.toBe('');

  const made = await sharedState(page);
  expect(made).toContain('opt=rmsprop');
  expect(made).toContain('lr=0.003');
  expect(made).toContain('batch=48');
  expect(made).toContain('seed=7');
  expect(made).toContain('spec=');

  const share = page.locator('cnn-share-panel');
  await share.getByText('Hide parts in the lesson').click();
  for (const key of ['data', 'eval', 'lr', 'editor', 'share'])
    await share.getByTestId(`hide-${key}`).check();
  await expect(share.getByText('(5 hidden)')).toBeVisible();
  const lesson = await page.getByTestId('lesson-link').inputValue();
  expect(lesson).toContain('&hide=data,eval,share,editor,lr');
  await shot(page, '30-share-panel');

  // The lesson, opened as a learner would.
  const learner = await context.newPage();
  await learner.goto(lesson);
  await expect(learner.getByTestId('train')).toBeEnabled({ timeout: 60_000 });
  await expect(learner.getByTestId('lesson-note')).toContainText('5 parts are hidden');
  await expect(learner.locator('cnn-data-panel')).toHaveCount(0);
  await expect(learner.locator('cnn-eval-panel')).toHaveCount(0);
  await expect(learner.locator('cnn-share-panel')).toHaveCount(0);
  await expect(learner.getByLabel('Learning rate', { exact: true })).toHaveCount(0);
  await expect(learner.locator('cnn-model-panel').getByRole('tab', { name: 'JSON' })).toBeHidden();
  // What is shown holds the values of the link.
  await expect(learner.getByLabel('Batch size', { exact: true })).toHaveValue('48');
  await expect(learner.getByLabel('Seed', { exact: true })).toHaveValue('7');
  await expect(learner.locator('cnn-train-panel').getByLabel('Optimizer')).toHaveValue('rmsprop');
  await expect(learner.locator('cnn-model-panel').getByTestId('total-params')).toHaveText(params);
  expect(new URL(learner.url()).hash.slice(1)).toBe(lesson.split('#')[1]);
  await shot(learner, '31-lesson-view');
  // The learner trains with the lesson's settings.
  await learner.getByTestId('step').click();
  await expect.poll(() => stepCount(learner)).toBe(1);
  // "Show everything" brings back every part, and the state is still the one the link was made from.
  await learner.getByTestId('show-all').click();
  await expect(learner.locator('cnn-data-panel')).toHaveCount(1);
  await expect(learner.getByLabel('Learning rate', { exact: true })).toHaveValue('0.003');
  expect(await sharedState(learner)).toBe(made);
  expect(new URL(learner.url()).hash).not.toContain('hide=');
});

test('a lesson link with an unknown part says so and shows the rest', async ({ page }) => {
  await openPlayground(page, '#preset=tiny&hide=eval,nonsense');
  await expect(page.getByRole('status').filter({ hasText: 'nonsense' })).toBeVisible();
  await expect(page.locator('cnn-eval-panel')).toHaveCount(0);
  await expect(page.locator('cnn-data-panel')).toHaveCount(1);
});

test('embed mode works in an iframe on another origin without cross-origin isolation', async ({
  page,
  baseURL,
}) => {
  // A tutorial site of its own: another host name and port (cross-site), serving a plain page.
  const src = `${baseURL}?embed=1#preset=tiny&batch=16&hide=share,eval`;
  const tutorial: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><html lang="en"><head><title>A lesson</title></head><body>
      <h1>Lesson 3: train a small network</h1><p>Press Step and watch the loss.</p>
      <iframe src="${src}" title="CNN Playground" width="1100" height="900" style="border:0"></iframe>
      <p>After the frame.</p></body></html>`);
  });
  await new Promise<void>((done) => tutorial.listen(0, done));
  const host = `http://localhost:${(tutorial.address() as AddressInfo).port}`;
  try {
    await embedded(page, host, baseURL!);
  } finally {
    tutorial.close();
  }
});

async function embedded(page: Page, host: string, baseURL: string) {
  await page.goto(`${host}/lesson.html#top`);
  const frame = page.frameLocator('iframe');
  await expect(frame.getByTestId('data-info')).toContainText('60,000 training', {
    timeout: 60_000,
  });
  const inner = page.frames().find((f) => f.url().startsWith(baseURL))!;
  expect(new URL(inner.url()).origin).not.toBe(new URL(page.url()).origin);
  expect(await inner.evaluate(() => crossOriginIsolated)).toBe(false);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  // Not isolated, so the single-threaded engine, and the training panel says why.
  await expect(frame.getByTestId('threads')).toContainText(
    '1 thread: page not cross-origin isolated',
  );
  await expect(frame.getByLabel('Engine threads')).toHaveCount(0);
  // Compact: a small header with a link out, the lesson's settings in force.
  await expect(frame.getByTestId('open-full')).toHaveAttribute('href', /preset=tiny/);
  expect(await frame.getByTestId('open-full').getAttribute('href')).not.toContain('embed=1');
  await expect(frame.locator('cnn-eval-panel')).toHaveCount(0);
  await expect(frame.locator('cnn-lessons-panel')).toHaveCount(0);
  await expect(frame.getByLabel('Batch size', { exact: true })).toHaveValue('16');
  await frame.getByTestId('step').click();
  await expect(frame.getByTestId('train-stats')).toContainText('Step 1');
  await frame.getByTestId('train').click();
  await expect
    .poll(async () =>
      Number(
        /Step\s+([\d,]+)/
          .exec((await frame.getByTestId('train-stats').textContent()) ?? '')?.[1]
          .replace(/,/g, '') ?? 0,
      ),
    )
    .toBeGreaterThan(20);
  await frame.getByTestId('pause').click();
  await expect(frame.getByTestId('train-state')).toHaveText('Paused');
  // The host page's own address is untouched.
  expect(new URL(page.url()).hash).toBe('#top');
  await shot(page, '32-embed-iframe');
}
