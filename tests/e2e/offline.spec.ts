// Offline and installable: after one visit the service worker (build-web/sw.js) holds the app
// shell, so the page opens with the network gone, still cross-origin isolated, trains and reads a
// drawn digit; a new build's service worker replaces the old cache once no page of the old one is
// open, and a newer page meanwhile gets its files from the network, never the old ones; the
// embedded playground and the library's pages register no service worker. The first two tests
// serve build-web/ from a server of their own (the headers `vite preview` sends), which they stop
// to go offline for real and which can hand out a "new build".
import { expect, test, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { drawStrokes, shot, stepCount, strokeFixture } from './helpers';

const BUILD = 'build-web';
const CSP = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(
  readFileSync('web/index.html', 'utf8'),
)![1];
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.gz': 'application/gzip',
};
const DATA_CACHE = 'cnn-playground-data-v2';
const SHELL_PREFIX = 'cnn-playground-shell-';

interface Precache {
  version: string;
  files: Array<{ url: string; integrity: string }>;
}

const SW_LIST = /^const PRECACHE = (.*);$/m;

function builtPrecache(): Precache {
  return JSON.parse(SW_LIST.exec(readFileSync(join(BUILD, 'sw.js'), 'utf8'))![1]) as Precache;
}

/** build-web/ on a port of its own, with the headers of `vite preview`; files can be replaced. */
interface Site {
  origin: string;
  /** Paths the server was asked for, in order. */
  requests: string[];
  /** Path -> body served instead of the built file ('/index.html' also answers '/'). */
  replaced: Map<string, string>;
  close(): Promise<void>;
}

async function serveBuild(): Promise<Site> {
  const requests: string[] = [];
  const replaced = new Map<string, string>();
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (path.endsWith('/')) path += 'index.html';
    const file = join(BUILD, normalize(path));
    const body =
      replaced.get(path) ??
      (file.startsWith(BUILD) && existsSync(file) && statSync(file).isFile()
        ? readFileSync(file)
        : null);
    if (body === null) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = {
      'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
      'Content-Security-Policy': CSP,
      'Cache-Control': 'no-cache',
    };
    if (!path.startsWith('/examples/')) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    res.writeHead(200, headers).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    replaced,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Every cache of the page's origin with the URLs it holds. */
function cacheContents(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(async () => {
    const out: Record<string, string[]> = {};
    for (const name of await caches.keys())
      out[name] = (await (await caches.open(name)).keys()).map((r) => r.url);
    return out;
  });
}

/** Waits until a service worker controls the page (it has the whole shell cached by then). */
async function waitForControl(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? 'none'), {
      timeout: 60_000,
    })
    .toBe('activated');
}

function registrations(page: Page): Promise<string[]> {
  return page.evaluate(async () =>
    (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope),
  );
}

async function waitForData(page: Page): Promise<void> {
  await expect(page.getByTestId('data-info')).toContainText('60,000 training', { timeout: 90_000 });
  await expect(page.getByTestId('train')).toBeEnabled();
}

test('after one visit the page opens offline, isolated, and trains tiny and reads a digit', async ({
  page,
  context,
}) => {
  test.setTimeout(4 * 60_000);
  const list = builtPrecache();
  const site = await serveBuild();
  try {
    await page.goto(`${site.origin}/#preset=tiny`);
    await waitForData(page);
    await waitForControl(page);
    // The learner is told, in the status line at the bottom of the window.
    await expect(page.getByTestId('offline-status')).toHaveAttribute('data-state', 'saved');

    // The whole shell of this build in one cache named by its version, beside MNIST's own cache.
    const held = await cacheContents(page);
    const shell = SHELL_PREFIX + list.version;
    expect(Object.keys(held).filter((n) => n.startsWith(SHELL_PREFIX))).toEqual([shell]);
    expect(held[shell].sort()).toEqual(
      list.files.map((f) => new URL(f.url, site.origin + '/').href).sort(),
    );
    expect(list.files.map((f) => f.url)).toEqual(
      expect.arrayContaining([
        './',
        'manifest.webmanifest',
        'models/pretrained.safetensors',
        'wasm-mt/cnn.js',
        'wasm-mt/cnn.worker.js',
        'wasm-mt/cnn.wasm',
      ]),
    );
    expect(
      list.files.some((f) => /^assets\/worker-[\w-]+\.js$/.test(f.url)),
      'the worker chunk',
    ).toBe(true);
    expect(
      list.files.some((f) => /^assets\/cnn-[\w-]+\.wasm$/.test(f.url)),
      'the single-threaded wasm',
    ).toBe(true);
    expect(
      list.files.some((f) => f.url.startsWith('data/')),
      'MNIST is left to the page',
    ).toBe(false);
    expect(
      held[DATA_CACHE]?.some((u) => u.endsWith('/data/mnist/manifest.json')),
      "MNIST in the page's own cache",
    ).toBe(true);

    // Installable: Chromium finds nothing missing (a private window is the only objection allowed;
    // Playwright's contexts are such windows).
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(
      installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito'),
    ).toEqual([]);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);
    await cdp.detach();

    // Offline: the browser's network off, and the server gone too.
    await context.setOffline(true);
    await site.close();
    const served = await page.reload();
    expect(served?.fromServiceWorker(), 'the page came from the service worker').toBe(true);
    await waitForData(page);
    await expect(page.getByTestId('data-info')).toContainText('10,000 test');
    await expect(page.getByTestId('offline-status')).toHaveAttribute('data-state', 'offline');
    await expect(page.getByTestId('offline-status')).toContainText('Offline: the playground runs');

    // The cached page kept its headers: still cross-origin isolated, so the threaded engine runs.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    await expect(page.getByTestId('threads')).toContainText(
      cores >= 2 ? `${cores} threads` : '1 thread',
    );

    const before = await stepCount(page);
    await page.getByTestId('train').click();
    await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThan(before + 50);
    await page.getByTestId('pause').click();
    await expect(page.getByTestId('train')).toBeEnabled();

    const seven = strokeFixture.digits.find((d) => d.label === 7)!;
    await drawStrokes(page, seven.strokes);
    await expect(page.getByTestId('pad-top')).toHaveAttribute('data-class', /^\d$/);
    await shot(page, '70-offline-trained');
  } finally {
    await context.setOffline(false);
    await site.close();
  }
});

test('a new build replaces the old cache, and a newer page never gets the old files', async ({
  page,
  context,
}) => {
  test.setTimeout(3 * 60_000);
  const v1 = builtPrecache();
  const site = await serveBuild();
  const shellFiles = () => site.requests.filter((p) => /^\/(assets|wasm-mt|models)\//.test(p));
  try {
    await page.goto(`${site.origin}/#preset=tiny`);
    await waitForData(page);
    await waitForControl(page);

    // This build's page: every file of the shell from the cache, none from the server.
    site.requests.length = 0;
    await page.reload();
    await waitForData(page);
    expect(shellFiles(), 'files the server was asked for by a page of the cached build').toEqual(
      [],
    );

    // A newer page on the server, the service worker still the old one: that page gets its code
    // from the network, not the cached code of the old build.
    const html = readFileSync(join(BUILD, 'index.html'), 'utf8');
    const html2 = html.replace('</body>', '<!-- build 2 -->\n</body>');
    site.replaced.set('/index.html', html2);
    site.requests.length = 0;
    await page.reload();
    await waitForData(page);
    expect(
      shellFiles().some((p) => /^\/assets\/index-[\w-]+\.js$/.test(p)),
      "the newer page's code from the server",
    ).toBe(true);
    expect(
      shellFiles().some((p) => /^\/assets\/worker-[\w-]+\.js$/.test(p)),
      'its worker from the server',
    ).toBe(true);

    // The new build's service worker: its list names the new page, so its version differs.
    const v2: Precache = {
      version: 'b2' + v1.version.slice(2),
      files: v1.files.map((f) =>
        f.url === './'
          ? {
              url: './',
              integrity: 'sha256-' + createHash('sha256').update(html2).digest('base64'),
            }
          : f,
      ),
    };
    site.replaced.set(
      '/sw.js',
      readFileSync(join(BUILD, 'sw.js'), 'utf8').replace(
        SW_LIST,
        () => `const PRECACHE = ${JSON.stringify(v2)};`,
      ),
    );
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    // Installed beside the old one, which keeps serving the open page until it closes.
    await expect
      .poll(
        async () =>
          Object.keys(await cacheContents(page))
            .filter((n) => n.startsWith(SHELL_PREFIX))
            .sort(),
        { timeout: 60_000 },
      )
      .toEqual([SHELL_PREFIX + v1.version, SHELL_PREFIX + v2.version].sort());
    await expect
      .poll(() =>
        page.evaluate(
          async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state ?? 'none',
        ),
      )
      .toBe('installed');
    // The open page of the old build says so, and its Reload brings the new build (network first).
    const status = page.getByTestId('offline-status');
    await expect(status).toHaveAttribute('data-state', 'update');
    await expect(status).toContainText('A new version of the playground is out.');
    await shot(page, '71-offline-new-version');
    await status.getByRole('button', { name: 'Reload to use it' }).click();
    await waitForData(page);
    expect(await page.content()).toContain('<!-- build 2 -->');
    // That page is of the waiting build: nothing new to announce.
    await page.waitForTimeout(1000);
    await expect(status).not.toHaveAttribute('data-state', 'update');

    // No page of the old build open: the new version takes over and deletes the old cache only.
    await page.close();
    const next = await context.newPage();
    await next.goto(`${site.origin}/#preset=tiny`);
    await waitForData(next);
    await expect
      .poll(
        async () =>
          Object.keys(await cacheContents(next)).filter((n) => n.startsWith(SHELL_PREFIX)),
        { timeout: 30_000 },
      )
      .toEqual([SHELL_PREFIX + v2.version]);
    expect(
      Object.keys(await cacheContents(next)),
      "MNIST's cache is not the service worker's to delete",
    ).toContain(DATA_CACHE);
    expect(await next.content()).toContain('<!-- build 2 -->');
    await next.getByTestId('step').click();
    await expect.poll(() => stepCount(next)).toBeGreaterThan(0);
  } finally {
    await site.close();
  }
});

test("the embedded playground and the library's pages register no service worker", async ({
  page,
}) => {
  await page.goto('/?embed=1#preset=tiny');
  await waitForData(page);
  await page.waitForTimeout(1000);
  expect(await registrations(page), '?embed=1').toEqual([]);

  // The tutorial page: the elements, and the playground in an iframe of the same origin.
  await page.goto('/examples/');
  await expect(page.locator('cnn-conv-explainer').getByTestId('conv-output-shape')).toHaveText(
    '3×3×2',
  );
  await page.locator('iframe').scrollIntoViewIfNeeded();
  await expect(page.frameLocator('iframe').getByTestId('train')).toBeEnabled({ timeout: 90_000 });
  await page.waitForTimeout(1000);
  expect(await registrations(page), 'examples/').toEqual([]);

  await page.goto('/examples/digit-pad.html');
  await expect(page.locator('cnn-digit-pad').getByTestId('pad')).toBeVisible();
  await page.waitForTimeout(1000);
  expect(await registrations(page), 'examples/digit-pad.html').toEqual([]);

  // The playground's own page does register it (so the checks above can fail).
  await page.goto('/');
  await expect.poll(() => registrations(page), { timeout: 30_000 }).toHaveLength(1);
});
