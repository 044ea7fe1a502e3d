// Keyboard and narrow screens: at 360x740 the document never scrolls sideways (loaded, trained and
// evaluated, with each convolution lesson open) and every panel is on screen; with Tab alone every
// visible control of the page is reached, each with a visible focus indicator. Complements the
// phone test in playground.spec.ts (375 px, accessible names).
import { expect, test, type Page } from '@playwright/test';
import { openPlayground, shot, stepCount } from './helpers';

const PANELS = [
  'cnn-lessons-panel',
  'cnn-train-panel',
  'cnn-metrics-panel',
  'cnn-runs-panel',
  'cnn-data-panel',
  'cnn-model-panel',
  'cnn-draw-panel',
  'cnn-inspect-panel',
  'cnn-learn-panel',
  'cnn-eval-panel',
];

/**
 * The document's scroll width, and the elements (shadow roots included) that reach past the right
 * edge of the screen, or of a box that clips them by paint containment (the panels), outside a
 * scrolling box: the scroll width alone misses what the panels cut off.
 */
async function overflowX(page: Page): Promise<{ scrollWidth: number; sticking: string[] }> {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const sticking: string[] = [];
    const parent = (el: Element): Element | null =>
      el.parentElement ?? ((el.getRootNode() as ShadowRoot).host || null);
    /** The right edge that clips el, or null inside a scrolling box. */
    const edge = (el: Element): number | null => {
      let right = vw;
      for (let p = parent(el); p && p !== document.documentElement; p = parent(p)) {
        const s = getComputedStyle(p);
        if (/auto|scroll/.test(s.overflowX)) return null;
        if (/paint|content|strict/.test(s.contain))
          right = Math.min(right, p.getBoundingClientRect().right);
      }
      return right;
    };
    const walk = (root: Document | ShadowRoot, path: string) => {
      for (const el of root.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        const right = r.width > 0 && r.height > 0 ? edge(el) : null;
        if (right !== null && r.right > right + 0.5)
          sticking.push(
            `${path}${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)} > ${Math.round(right)}`,
          );
        if (el.shadowRoot) walk(el.shadowRoot, `${path}${el.tagName.toLowerCase()} > `);
      }
    };
    walk(document, '');
    return { scrollWidth: document.documentElement.scrollWidth, sticking };
  });
}

async function expectNoSidewaysScroll(page: Page, when: string, width = 360): Promise<void> {
  const { scrollWidth, sticking } = await overflowX(page);
  expect(scrollWidth, `document width ${when}`).toBeLessThanOrEqual(width);
  expect(sticking, `elements past the right edge ${when}`).toEqual([]);
}

test('at 360 px the page never scrolls sideways and every panel is on screen', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  await page.setViewportSize({ width: 360, height: 740 });
  await openPlayground(page, '#preset=tiny');
  await expectNoSidewaysScroll(page, 'after load');
  // One column: the lessons, then the panels in the order a learner uses them (training first).
  let above = -1;
  for (const tag of PANELS) {
    const panel = page.locator(tag);
    await panel.scrollIntoViewIfNeeded();
    await expect(panel, tag).toBeVisible();
    const box = (await panel.boundingBox())!;
    expect(box.x, `${tag} left edge`).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, `${tag} right edge`).toBeLessThanOrEqual(360);
    const top = await panel.evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
    expect(top, `${tag} comes below the panel before it in ${PANELS.join(', ')}`).toBeGreaterThan(
      above,
    );
    above = top;
  }
  await shot(page, '30-phone-360-loaded');

  for (let i = 1; i <= 3; i++) {
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(i);
  }
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('confusion')).toBeVisible();
  await expect(page.getByTestId('least-sure').getByTestId('example').first()).toBeVisible();
  await expectNoSidewaysScroll(page, 'after training and an evaluation');
  // The per-digit accuracy bars are drawn (an inline fill once had no width).
  const fills = await page
    .locator('cnn-eval-panel .classes .fill')
    .evaluateAll((els) => els.reduce((s, e) => s + e.getBoundingClientRect().width, 0));
  expect(fills, 'total width of the accuracy bars').toBeGreaterThan(0);
  await shot(page, '31-phone-360-evaluated');

  const learn = page.locator('cnn-learn-panel');
  await learn.scrollIntoViewIfNeeded();
  await expect(page.getByTestId('conv-output-shape')).toBeVisible();
  await expectNoSidewaysScroll(page, 'with the convolution explainer open');
  await learn.getByRole('tab', { name: 'Your network' }).click();
  await expect(page.getByTestId('net-core-value')).toBeVisible();
  await expectNoSidewaysScroll(page, "with the explainer's network view open");
  await page.getByTestId('learn-tab-kernel').click();
  await expect(page.getByTestId('kernel-output')).toBeVisible();
  await expectNoSidewaysScroll(page, 'with the kernel playground open');
  await shot(page, '32-phone-360-lessons');
});

/** Each panel's box in page coordinates (not the viewport's), by tag. */
async function panelBoxes(
  page: Page,
): Promise<Record<string, { x: number; y: number; width: number; height: number }>> {
  const boxes: Record<string, { x: number; y: number; width: number; height: number }> = {};
  for (const tag of PANELS)
    boxes[tag] = await page.locator(tag).evaluate((el) => {
      const r = el.getBoundingClientRect();
      return {
        x: r.left + window.scrollX,
        y: r.top + window.scrollY,
        width: r.width,
        height: r.height,
      };
    });
  return boxes;
}

/** The panels of one column: the same left edge and width, each below the one before, none overlapping. */
function expectColumn(
  boxes: Awaited<ReturnType<typeof panelBoxes>>,
  tags: string[],
  name: string,
): void {
  const first = boxes[tags[0]];
  for (let i = 1; i < tags.length; i++) {
    const b = boxes[tags[i]],
      above = boxes[tags[i - 1]];
    expect(
      Math.abs(b.x - first.x),
      `${tags[i]} lines up with ${tags[0]} (${name})`,
    ).toBeLessThanOrEqual(1);
    expect(
      Math.abs(b.width - first.width),
      `${tags[i]} is as wide as ${tags[0]} (${name})`,
    ).toBeLessThanOrEqual(1);
    expect(
      b.y,
      `${tags[i]} starts below the end of ${tags[i - 1]} (${name})`,
    ).toBeGreaterThanOrEqual(above.y + above.height);
  }
}

test('the wide layout at 1400 px: two columns side by side; under 900 px one', async ({ page }) => {
  await openPlayground(page, '#preset=tiny');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('confusion')).toBeVisible();
  await page.locator('cnn-learn-panel').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('conv-output-shape')).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, '33-wide-1400');

  // The lessons, data, model and pad on the left; training, curves, runs, inspection, the
  // convolution explainer and evaluation on the right, both columns starting at the top, the left
  // one 320-420 px wide.
  const left = ['cnn-lessons-panel', 'cnn-data-panel', 'cnn-model-panel', 'cnn-draw-panel'];
  const right = [
    'cnn-train-panel',
    'cnn-metrics-panel',
    'cnn-runs-panel',
    'cnn-inspect-panel',
    'cnn-learn-panel',
    'cnn-eval-panel',
  ];
  const wide = await panelBoxes(page);
  expectColumn(wide, left, 'left column');
  expectColumn(wide, right, 'right column');
  const l = wide[left[0]],
    r = wide[right[0]];
  expect(l.width, 'left column width').toBeGreaterThanOrEqual(320);
  expect(l.width, 'left column width').toBeLessThanOrEqual(420);
  expect(r.x, 'the right column starts after the left one').toBeGreaterThanOrEqual(
    l.x + l.width + 8,
  );
  expect(r.width, 'the right column takes the rest').toBeGreaterThan(1400 - l.x - l.width - 80);
  expect(Math.abs(r.y - l.y), 'both columns start at the same height').toBeLessThanOrEqual(2);
  await expectNoSidewaysScroll(page, 'at 1400 px', 1400);

  // Under the 900 px breakpoint the panels stack in one column, the lessons then training first.
  await page.setViewportSize({ width: 860, height: 1000 });
  await expect.poll(async () => (await panelBoxes(page))['cnn-data-panel'].x).toBeLessThan(20);
  const narrow = await panelBoxes(page);
  expectColumn(narrow, PANELS, 'one column at 860 px');
  expect(narrow[PANELS[0]].width, 'one column spans the page').toBeGreaterThan(800);
  await expectNoSidewaysScroll(page, 'at 860 px', 860);
  await shot(page, '34-narrow-860');
});

/** Every visible, enabled control in the page and its shadow roots that Tab should reach. */
async function collectControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const w = window as unknown as { kbdControls: Element[] };
    const out: Element[] = [];
    const focusable = 'button, input, select, textarea, a[href], [tabindex]';
    const walk = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) walk(el.shadowRoot);
        if (!el.matches(focusable)) continue;
        const h = el as HTMLElement;
        if ((h as HTMLButtonElement).disabled || h.tabIndex < 0) continue;
        if (
          !h.checkVisibility({ visibilityProperty: true }) ||
          h.getBoundingClientRect().width === 0
        )
          continue;
        // A radio group is one Tab stop: its checked radio (or its first one) stands for it.
        if (h instanceof HTMLInputElement && h.type === 'radio' && h.name) {
          const group = [
            ...(h.getRootNode() as ParentNode).querySelectorAll<HTMLInputElement>(
              `input[type=radio][name="${h.name}"]`,
            ),
          ].filter((r) => !r.disabled);
          if ((group.find((r) => r.checked) ?? group[0]) !== h) continue;
        }
        out.push(el);
      }
    };
    walk(document);
    w.kbdControls = out;
    return out.map(describe);
    function describe(el: Element): string {
      const host = (el.getRootNode() as ShadowRoot).host;
      const name =
        el.getAttribute('aria-label') ||
        el.getAttribute('data-testid') ||
        (el.textContent ?? '').trim().slice(0, 30) ||
        (el as HTMLInputElement).type;
      return `${host ? host.tagName.toLowerCase() + ' > ' : ''}${el.tagName.toLowerCase()} "${name}"`;
    }
  });
}

test('Tab reaches every control, each with a visible focus indicator', async ({ page }) => {
  test.setTimeout(5 * 60_000);
  await openPlayground(page, '#preset=tiny');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('least-sure').getByTestId('example').first()).toBeVisible();
  // The lessons and the inspection views are built once they scroll into view.
  await page.locator('cnn-learn-panel').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('conv-output-shape')).toBeVisible();
  await page.locator('cnn-inspect-panel').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('feature-layer').first()).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));

  const controls = await collectControls(page);
  expect(controls.length).toBeGreaterThan(30);
  // Start from the top of the document.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.locator('h1').click();

  const reached = new Set<number>();
  const noIndicator: string[] = [];
  const order: string[] = [];
  for (let i = 0; i < controls.length + 40; i++) {
    await page.keyboard.press('Tab');
    const r = await page.evaluate(() => {
      let a: Element | null = document.activeElement;
      while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
      if (!a || a === document.body) return null;
      const s = getComputedStyle(a);
      const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
      const shadow = s.boxShadow !== 'none';
      return {
        index: (window as unknown as { kbdControls: Element[] }).kbdControls.indexOf(a),
        focusVisible: a.matches(':focus-visible'),
        indicator: outline || shadow,
        tag: `${(a.getRootNode() as ShadowRoot).host?.tagName.toLowerCase() ?? ''} > ${a.tagName.toLowerCase()} ${a.getAttribute('aria-label') ?? a.getAttribute('data-testid') ?? (a.textContent ?? '').trim().slice(0, 30)}`,
      };
    });
    if (!r) continue;
    if (r.index >= 0 && reached.has(r.index)) break; // wrapped around
    order.push(r.tag);
    if (r.index >= 0) reached.add(r.index);
    if (!r.focusVisible || !r.indicator) noIndicator.push(r.tag);
  }
  const missed = controls.filter((_, i) => !reached.has(i));
  test.info().annotations.push({
    type: 'focus order',
    description: `${order.length} stops: ${order.join(' | ')}`,
  });
  expect(missed, 'controls that Tab never reached').toEqual([]);
  expect(noIndicator, 'focused controls without a visible focus indicator').toEqual([]);
});

test('every tab strip follows the ARIA tabs pattern: one Tab stop, arrows, Home and End', async ({
  page,
}) => {
  await openPlayground(page, '#preset=tiny');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  // Each strip, its tabs, and what its last tab shows.
  const strips: Array<[string, string, string[], string]> = [
    ['cnn-model-panel', 'Model views', ['Summary', 'Layers', 'JSON'], 'cnn-model-panel textarea'],
    [
      'cnn-inspect-panel',
      'Inspection views',
      ['Feature maps', 'Why this answer', 'Filters', 'Statistics'],
      '[data-testid="layer-stats"]',
    ],
    [
      'cnn-learn-panel',
      'Convolution lessons',
      ['Convolution explainer', 'Kernel playground'],
      '[data-testid="kernel-output"]',
    ],
    [
      'cnn-conv-explainer',
      'What to explain',
      ['Worked examples', 'Your network'],
      '[data-testid="net-core-value"]',
    ],
  ];
  for (const [host, name, labels, lastView] of strips) {
    const list = page.locator(host).getByRole('tablist', { name });
    await list.scrollIntoViewIfNeeded();
    const tabs = list.getByRole('tab');
    await expect(tabs).toHaveText(labels);
    const selected = async () =>
      (
        await tabs.evaluateAll((els) => els.map((e) => e.getAttribute('aria-selected') === 'true'))
      ).indexOf(true);
    const focused = async () =>
      tabs.evaluateAll((els) =>
        els.findIndex((e) => (e.getRootNode() as ShadowRoot).activeElement === e),
      );
    const stops = async () =>
      tabs.evaluateAll((els) => els.map((e) => (e as HTMLElement).tabIndex));
    const expectAt = async (i: number, how: string) => {
      expect(await selected(), `${name}: selected after ${how}`).toBe(i);
      expect(await focused(), `${name}: focused after ${how}`).toBe(i);
      expect(await stops(), `${name}: only the selected tab is a Tab stop after ${how}`).toEqual(
        labels.map((_, j) => (j === i ? 0 : -1)),
      );
    };
    await tabs.nth(0).click();
    await expectAt(0, 'a click on the first tab');
    const n = labels.length;
    for (let i = 1; i <= n; i++) {
      await page.keyboard.press('ArrowRight');
      await expectAt(i % n, `${i} x ArrowRight`);
    }
    await page.keyboard.press('ArrowLeft');
    await expectAt(n - 1, 'ArrowLeft from the first tab (wraps)');
    await page.keyboard.press('Home');
    await expectAt(0, 'Home');
    await page.keyboard.press('End');
    await expectAt(n - 1, 'End');
    await expect(page.locator(lastView), `${name}: the last tab's view`).toBeVisible();
    await page.keyboard.press('Home');
    await expectAt(0, 'Home again');
    await expect(page.locator(lastView), `${name}: the last tab's view after Home`).toHaveCount(0);
  }
});
