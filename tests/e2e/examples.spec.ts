// The embeddable library as a reader meets it: the tutorial page (examples/index.html, served at
// /examples/) with the conv explainer, the digit pad, the feature maps linked to it and a
// playground opened by a lesson attribute; a plain page with one element and one script tag; and
// the library loaded from another origin. Not a test of the panels' details (the playground
// specs are).
import { expect, test, type Locator, type Page } from '@playwright/test';
import {
  SHOTS,
  drawStrokes,
  expectAccessible,
  mainThreadTasks,
  strokeFixture,
  shot,
  stepCount,
} from './helpers';
import { mkdirSync } from 'node:fs';

const fixture = strokeFixture;

// Output [3][3][2] of the cs231n case in tests/native/kernels_known_values_test.cpp (as in
// conv.spec.ts): value (y, x, k) at index (y * 3 + x) * 2 + k.
const CS231N = [2, 2, 1, 0, -1, -1, 1, 0, 1, 0, 1, 0, 2, -1, 1, 0, -1, 2];

/** Draws fixture strokes on the drawing canvas inside `pad` with the mouse. */
function draw(page: Page, pad: Locator, strokes: number[][][]): Promise<void> {
  return drawStrokes(page, strokes, pad);
}

/** For each canvas of a locator: does it have any pixel that is not the blank background? */
async function inked(canvases: Locator): Promise<boolean[]> {
  return canvases.evaluateAll((cs) =>
    (cs as HTMLCanvasElement[]).map((c) => {
      if (c.width < 1 || c.height < 1) return false;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4)
        if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) return true;
      return false;
    }),
  );
}

const seven = fixture.digits.find((d) => d.label === 7)!;

test('tutorial page: the explainer walks the cs231n case with the right numbers', async ({
  page,
}) => {
  await page.goto('/examples/');
  await expect(page).toHaveTitle(/How a convolutional network reads a digit/);
  const ex = page.locator('cnn-conv-explainer');
  await ex.scrollIntoViewIfNeeded();
  await expect(ex.getByTestId('conv-output-shape')).toHaveText('3×3×2');
  await expect(ex.getByTestId('conv-formula')).toContainText('(5 − 3 + 2·1)/2 + 1 = 3');
  // Alone on a page there is no trained network to look into: only the worked examples.
  await expect(ex.getByRole('tab', { name: 'Your network' })).toHaveCount(0);
  // Step through all nine positions of filter 0, then of filter 1: the core's value, the JS sum
  // of the products shown beside it, and the output grid cell all agree with the known output.
  const next = ex.getByRole('button', { name: 'Next output position' });
  for (let k = 0; k < 2; k++) {
    for (let i = 0; i < 9; i++) {
      const want = CS231N[i * 2 + k];
      const y = Math.floor(i / 3),
        x = i % 3;
      await expect(ex.getByTestId('conv-core-value')).toHaveAttribute('data-value', String(want));
      await expect(ex.locator('.math .total')).toContainText(
        `output (${y}, ${x}, ${k}) = ${want} (core)`,
      );
      await expect(ex.locator('.math .ok')).toContainText(`JS check of the products: ${want} ✓`);
      await expect(ex.locator('.cell.sel')).toHaveText(String(want));
      await next.click();
    }
  }
  // After the last position of the last filter it starts again at (0, 0) of filter 0.
  await expect(ex.getByTestId('conv-core-value')).toHaveAttribute('data-value', String(CS231N[0]));
});

test('tutorial page: the pad reads a drawn digit and the feature maps follow it', async ({
  page,
}) => {
  await page.goto('/examples/');
  const pad = page.locator('cnn-digit-pad#pad');
  const maps = page.locator('cnn-feature-maps');

  // Before any drawing the maps show MNIST test digit 0 (a 7) through the pretrained network:
  // the input and the eight layers of keras-book, each canvas drawn.
  await maps.scrollIntoViewIfNeeded();
  await expect(maps.getByText(/Test digit #0 \(a 7\)/)).toBeVisible({ timeout: 60_000 });
  const layers = maps.getByTestId('feature-layer');
  await expect(layers).toHaveCount(9);
  expect(await inked(layers.locator('canvas.maps'))).toEqual(Array(9).fill(true));
  const firstConvBefore = await layers
    .nth(1)
    .locator('canvas.maps')
    .evaluate((c: HTMLCanvasElement) => c.toDataURL());

  // The ‹ › controls move through the test set.
  await maps.getByRole('button', { name: 'Next test digit' }).click();
  await expect(maps.getByText(/Test digit #1 \(a 2\)/)).toBeVisible();

  await draw(page, pad, seven.strokes);
  await expect(pad.getByTestId('pad-top')).toHaveAttribute('data-class', '7');
  await expect(pad.getByTestId('pad-status')).toContainText('pretrained');
  expect(await inked(pad.getByTestId('pad-preview'))).toEqual([true]);

  // The linked maps switch to the drawing.
  await expect(
    maps.getByText(/Your drawing, as the pretrained network sees it: it reads 7/),
  ).toBeVisible();
  await expect(layers).toHaveCount(9);
  expect(await inked(layers.locator('canvas.maps'))).toEqual(Array(9).fill(true));
  const firstConvAfter = await layers
    .nth(1)
    .locator('canvas.maps')
    .evaluate((c: HTMLCanvasElement) => c.toDataURL());
  expect(firstConvAfter).not.toBe(firstConvBefore);

  // Clearing the pad brings the test digit back.
  await pad.getByTestId('pad-clear').click();
  await expect(maps.getByText(/Test digit #1 \(a 2\)/)).toBeVisible();
});

test('tutorial page: the playground opens on its lesson, trains tiny, and leaves the page address alone', async ({
  page,
}) => {
  await page.goto('/examples/#train');
  const pg = page.locator('cnn-playground');
  await pg.scrollIntoViewIfNeeded();
  // The lesson attribute: the tiny preset, the data and inspection panels hidden.
  await expect(pg.getByTestId('total-params')).toHaveText('5,994', { timeout: 60_000 });
  await expect(pg.locator('cnn-data-panel')).toBeHidden();
  await expect(pg.locator('cnn-inspect-panel')).toBeHidden();
  // No built-in lesson named: the host page's playground shows no Lessons panel of its own.
  await expect(pg.locator('cnn-lessons-panel')).toHaveCount(0);
  await expect(pg.getByTestId('train')).toBeEnabled({ timeout: 60_000 });

  const long = await mainThreadTasks(page, async () => {
    await pg.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(1);
    await pg.getByTestId('train').click();
    await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBeGreaterThan(20);
    await pg.getByTestId('pause').click();
    await expect(pg.getByTestId('train-state')).toHaveText('Paused');
  });
  // The page's own elements stay idle while the playground trains (a CPU profile shows under
  // 30 ms of script per second). Its main thread still waits for a core while the worker trains
  // on both, which stretches the wall time of a task (100 ms for 12 ms of CPU here, 552 ms once
  // on a busy machine), so the tasks are reported with their CPU time, and a task that keeps the
  // main thread busy for 100 ms, a real stall, fails the test.
  test
    .info()
    .annotations.push({ type: 'long tasks while training', description: JSON.stringify(long) });
  expect(
    long.filter((t) => t.cpu > 100),
    JSON.stringify(long),
  ).toEqual([]);

  // A changed setting stays in the element: the host page's address keeps its own hash.
  const lr = pg.getByLabel('Learning rate', { exact: true });
  await lr.fill('0.001');
  await lr.press('Tab');
  await pg.getByTestId('step').click();
  await expect(pg.getByTestId('train-stats')).toContainText('lr 0.00100');
  expect(await page.evaluate(() => location.hash)).toBe('#train');
  expect(new URL(page.url()).hash).toBe('#train');
});

test('tutorial page: the playground in a frame, page structure, the site CSP, screenshots', async ({
  page,
  baseURL,
}) => {
  // The site's Content Security Policy (sent by the server for every file) holds for the page,
  // its elements and their worker: no violation, no request off the origin.
  const origin = new URL(baseURL!).origin;
  const offOrigin: string[] = [];
  const csp: string[] = [];
  page.context().on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin !== origin && !['data:', 'blob:'].includes(u.protocol)) offOrigin.push(r.url());
  });
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy|Refused to/i.test(m.text())) csp.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener(
      'securitypolicyviolation',
      (e) =>
        console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
      true,
    );
  });
  const response = await page.goto('/examples/');
  expect(response!.headers()['content-security-policy']).toContain("script-src 'self'");
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  // The page's own landmarks and title (Playwright's CSS would also pierce the elements' shadow
  // roots, hence the child combinators).
  await expect(page.locator('body > main')).toHaveCount(1);
  await expect(page.locator('body > header > h1')).toHaveText(
    'How a convolutional network reads a digit',
  );
  await expect(page.locator('body > main > section > h2')).toHaveCount(6);
  // One script: the library. No inline scripts, nothing from another origin.
  const scripts = await page
    .locator('script')
    .evaluateAll((s) =>
      s.map((e) => ({ src: (e as HTMLScriptElement).src, inline: !!e.textContent?.trim() })),
    );
  expect(scripts).toEqual([
    { src: expect.stringMatching(/\/lib\/cnn-playground\.js$/), inline: false },
  ]);

  const frame = page.locator('iframe');
  await frame.scrollIntoViewIfNeeded();
  await expect(frame).toHaveAttribute('title', /CNN Playground/);
  const inner = page.frameLocator('iframe');
  await expect(inner.getByTestId('total-params')).toHaveText('5,994', { timeout: 60_000 });
  expect(await frame.evaluate((f: HTMLIFrameElement) => f.contentWindow!.crossOriginIsolated)).toBe(
    false,
  );

  // Every element up and drawn before the pictures.
  await expect(page.locator('cnn-conv-explainer').getByTestId('conv-output-shape')).toHaveText(
    '3×3×2',
  );
  await expect(page.locator('cnn-feature-maps').getByTestId('feature-layer')).toHaveCount(9, {
    timeout: 60_000,
  });
  await expect(page.locator('cnn-playground').getByTestId('train')).toBeEnabled({
    timeout: 60_000,
  });
  await draw(page, page.locator('cnn-digit-pad#pad'), seven.strokes);
  await expect(page.locator('cnn-digit-pad#pad').getByTestId('pad-top')).toHaveAttribute(
    'data-class',
    '7',
  );
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, '30-examples-1400');
  // axe on the whole tutorial, the elements' shadow roots included; the embedded playground adds
  // no landmarks of its own (one header, one main: the page's).
  await expectAccessible(page, 'tutorial page');
  expect(
    await page.evaluate(() => {
      let n = 0;
      const walk = (root: Document | ShadowRoot) => {
        for (const el of root.querySelectorAll('*')) {
          if (el.tagName === 'MAIN') n++;
          if (el.shadowRoot) walk(el.shadowRoot);
        }
      };
      walk(document);
      return n;
    }),
  ).toBe(1);
  await page.setViewportSize({ width: 360, height: 800 });
  await page.waitForTimeout(300);
  // Nothing wider than a phone: the page does not scroll sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await shot(page, '31-examples-360');
  expect(csp).toEqual([]);
  expect(offOrigin).toEqual([]);
});

test('a plain page with one element and one script tag: the digit pad reads', async ({ page }) => {
  await page.goto('/examples/digit-pad.html');
  expect(await page.locator('script').count()).toBe(1);
  const pad = page.locator('cnn-digit-pad');
  await draw(page, pad, seven.strokes);
  await expect(pad.getByTestId('pad-top')).toHaveAttribute('data-class', '7');
  await expect(pad.getByTestId('pad-probs')).toContainText('%');
  mkdirSync(SHOTS, { recursive: true });
  await pad.screenshot({ path: `${SHOTS}/32-digit-pad-alone.png` });
  await expectAccessible(page, 'digit pad page');
});

test('the library loaded from another origin starts its worker and reads a digit', async ({
  playwright,
  baseURL,
}) => {
  // The test page is fulfilled by Playwright, so Chromium files it under the public address space
  // and refuses its requests to the loopback server (Local Network Access); a real page and a
  // real CDN are both public. A browser of its own with that check off stands in for that.
  const browser = await playwright.chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-features=LocalNetworkAccessChecks',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    // The page is on 127.0.0.1, the library on localhost: another origin, so the worker starts
    // from a blob: module (the preview server answers with CORS headers, as a CDN would).
    const pageUrl = new URL('/cross-origin-test.html', baseURL).href;
    const lib = new URL('/lib/cnn-playground.js', baseURL);
    lib.hostname = 'localhost';
    await page.route(pageUrl, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cross-origin</title>
          <script type="module" src="${lib.href}"></script></head>
          <body><main><cnn-conv-explainer preset="cs231n"></cnn-conv-explainer><cnn-digit-pad></cnn-digit-pad></main></body></html>`,
      }),
    );
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    await page.goto(pageUrl);
    await expect(page.locator('cnn-conv-explainer').getByTestId('conv-core-value')).toHaveAttribute(
      'data-value',
      String(CS231N[0]),
    );
    const pad = page.locator('cnn-digit-pad');
    await draw(page, pad, seven.strokes);
    await expect(pad.getByTestId('pad-top')).toHaveAttribute('data-class', '7');
    // One worker for both elements, started from a blob: URL.
    expect(workers).toEqual([expect.stringMatching(/^blob:http:\/\/127\.0\.0\.1:\d+\//)]);
  } finally {
    await browser.close();
  }
});
