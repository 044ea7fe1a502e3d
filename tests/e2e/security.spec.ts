// The page under its Content Security Policy: the header and the <meta> agree, and a full session
// (load MNIST, train, draw, look inside the network and at the convolution lessons, download and
// reload a model, reload the page from the caches) causes no violation, in the page or in the
// workers, and sends no request off the page's origin. Not a test of the policy's wording.
import { expect, test, type ConsoleMessage, type Worker } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { keptModel, openPlayground, stepCount } from './helpers';

const META = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/;
const CSP_TEXT =
  /Content[- ]Security[- ]Policy|Refused to (compile|evaluate|load|execute|connect|create|apply|frame)/i;

test('a whole session runs under the Content Security Policy and stays on its own origin', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(4 * 60_000);
  const origin = new URL(baseURL!).origin;
  const requests: string[] = [];
  const cspConsole: string[] = [];
  const workers: Worker[] = [];
  const headers = new Map<string, string | undefined>();

  // Every request of the context: the page's and its dedicated workers'.
  page.context().on('request', (r) => requests.push(r.url()));
  page
    .context()
    .on('response', (r) =>
      headers.set(new URL(r.url()).pathname, r.headers()['content-security-policy']),
    );
  const onConsole = (where: string) => (m: ConsoleMessage) => {
    if (CSP_TEXT.test(m.text())) cspConsole.push(`${where}: ${m.text()}`);
  };
  page.on('console', onConsole('page'));
  page.on('pageerror', (e) => {
    if (CSP_TEXT.test(e.message) || e.name === 'EvalError')
      cspConsole.push(`page error: ${e.message}`);
  });
  page.on('worker', (w) => {
    workers.push(w);
    w.on('console', onConsole(`worker ${w.url()}`));
    // As early as a worker can be reached. Each violation is also logged at once, so one in a
    // worker that then crashes (and is terminated) is still seen.
    void w
      .evaluate(() => {
        const g = self as unknown as { cspViolations: string[] };
        g.cspViolations = [];
        self.addEventListener('securitypolicyviolation', (e) => {
          g.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
          console.error(
            `Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`,
          );
        });
      })
      .catch(() => {});
  });
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    // Capture on the document: violations inside shadow roots are composed and reach it.
    document.addEventListener(
      'securitypolicyviolation',
      (e) =>
        w.cspViolations.push(
          `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`,
        ),
      true,
    );
  });

  const violations = async (): Promise<string[]> => {
    const out = (
      await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)
    ).map((v) => `page: ${v}`);
    for (const w of workers) {
      // The threaded engine's pthread workers wait in Atomics.wait between loops and cannot run a
      // script then: give up on a worker after 2 s (its violations are logged to the console too).
      const timeout = new Promise<string[]>((resolve) => setTimeout(() => resolve([]), 2000));
      const read = w
        .evaluate(() => (self as unknown as { cspViolations?: string[] }).cspViolations ?? [])
        .catch(() => [] as string[]);
      const v = await Promise.race([read, timeout]);
      out.push(...v.map((x) => `worker ${w.url()}: ${x}`));
    }
    return [...out, ...cspConsole];
  };

  // Loaded, or stopped with a message: a blocked wasm compile fails here, with the violations named.
  await page.goto('/#preset=tiny');
  await expect(page.getByTestId('data-info').or(page.getByTestId('banner'))).toBeVisible({
    timeout: 60_000,
  });
  expect(await violations(), 'violations while loading').toEqual([]);
  // A blocked eval in a worker crashes it before a listener can be added there: the banner says so.
  expect(await page.getByTestId('banner').allTextContents(), 'error messages on the page').toEqual(
    [],
  );
  await openPlayground(page, '#preset=tiny');

  // The header of the page and of the worker script is the policy of the <meta>.
  const meta = META.exec(readFileSync('web/index.html', 'utf8'))![1];
  expect(headers.get('/'), 'Content-Security-Policy header of the page').toBe(meta);
  const workerPath = [...headers.keys()].find((p) => /\/assets\/worker-[\w-]+\.js$/.test(p));
  expect(workerPath, 'the worker script was served').toBeTruthy();
  expect(headers.get(workerPath!), 'Content-Security-Policy header of the worker script').toBe(
    meta,
  );
  expect(
    await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content'),
  ).toBe(meta);
  expect(meta).toContain("'wasm-unsafe-eval'");
  expect(meta).not.toMatch(/'unsafe-eval'/);

  // Train a few steps.
  for (let i = 1; i <= 3; i++) {
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(i);
  }

  // Draw a stroke: the pad reads it in the worker.
  const pad = page.getByTestId('pad');
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++)
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.2 + 0.05 * i));
  await page.mouse.up();
  await expect(page.getByTestId('pad-top')).toHaveAttribute('data-class', /\d/);

  // Inside the network: every view.
  const inspect = page.locator('cnn-inspect-panel');
  await inspect.scrollIntoViewIfNeeded();
  await expect(page.getByTestId('feature-layer').first()).toBeVisible();
  await inspect.getByRole('tab', { name: 'Filters' }).click();
  await expect(page.getByTestId('filter-layer').first()).toBeVisible();
  await inspect.getByRole('tab', { name: 'Statistics' }).click();
  await expect(page.getByTestId('layer-stats')).toBeVisible();

  // The convolution lessons.
  await page.locator('cnn-learn-panel').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('conv-output-shape')).toBeVisible();
  await page.getByTestId('learn-tab-kernel').click();
  await expect(page.getByTestId('kernel-output')).toBeVisible();

  // Download the model (a blob: URL) and load it back through the file picker.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('model-download').click(),
  ]);
  const file = test.info().outputPath('model.safetensors');
  await download.saveAs(file);
  const loadedAt = await page.evaluate(() => Date.now());
  await page.getByTestId('model-load').setInputFiles(file);
  await expect(page.getByTestId('model-stored')).toContainText('trained 3 steps');
  // The page keeps the loaded model in IndexedDB just after it says so: the reload waits for it.
  await expect
    .poll(async () => {
      const kept = await keptModel(page);
      return kept !== null && kept.step === 3 && kept.savedAt >= loadedAt;
    })
    .toBe(true);

  // Reload: MNIST from the Cache API, the model from IndexedDB.
  await page.reload();
  await expect(page.getByTestId('data-info')).toContainText('60,000 training', { timeout: 60_000 });
  await expect(page.getByTestId('model-stored')).toContainText('Restored from this browser');

  expect(
    workers.length,
    'a training worker before and one after the reload were watched',
  ).toBeGreaterThanOrEqual(2);
  expect(
    await violations(),
    'securitypolicyviolation events and console messages about the policy',
  ).toEqual([]);

  // Every request went to the page's own origin (blob: URLs carry it too; data: has none).
  expect(
    requests.some((u) => u.includes('/data/mnist/')),
    "the worker's MNIST requests were seen",
  ).toBe(true);
  expect(
    requests.some((u) => u.endsWith('.wasm')),
    'the wasm request was seen',
  ).toBe(true);
  const foreign = requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
  expect(foreign, `requests off ${origin}`).toEqual([]);
});
