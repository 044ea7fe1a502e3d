// "Why this answer" in a real Chromium: after a few training steps the inspect panel's view
// overlays saliency, Grad-CAM and occlusion maps on a test digit or a drawing, for the class the
// learner picks; the maps are read back as canvas pixels. A model without a conv layer says so
// in a sentence instead of a Grad-CAM map.
import { expect, test, type Locator, type Page } from '@playwright/test';
import {
  drawStrokes,
  expectAccessible,
  longTasksSince,
  openPlayground,
  shot,
  stepCount,
  strokeFixture,
  watchLongTasks,
} from './helpers';

const KINDS = ['saliency', 'gradcam', 'occlusion'] as const;

/** Every map canvas's pixels (RGBA) as one string per map, with the class it shows. */
async function mapPixels(view: Locator): Promise<{ cls: string[]; px: string[] }> {
  return view.evaluate(
    (el, kinds) => {
      const root = el.shadowRoot!;
      const cls: string[] = [];
      const px: string[] = [];
      for (const k of kinds) {
        const c = root.querySelector<HTMLCanvasElement>(`canvas[data-map="${k}"]`);
        if (!c) {
          cls.push('');
          px.push('');
          continue;
        }
        cls.push(c.dataset.class ?? '');
        px.push(Array.from(c.getContext('2d')!.getImageData(0, 0, 28, 28).data).join(','));
      }
      return { cls, px };
    },
    KINDS as unknown as string[],
  );
}

/** Pixels that are not the plain grey of the digit: how much of the map is coloured. */
async function colouredFraction(view: Locator, kind: string): Promise<number> {
  return view.evaluate((el, k) => {
    const c = el.shadowRoot!.querySelector<HTMLCanvasElement>(`canvas[data-map="${k}"]`)!;
    const d = c.getContext('2d')!.getImageData(0, 0, 28, 28).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4)
      if (Math.abs(d[i] - d[i + 1]) > 8 || Math.abs(d[i + 1] - d[i + 2]) > 8) n++;
    return n / (28 * 28);
  }, kind);
}

async function openWhy(page: Page): Promise<Locator> {
  const inspect = page.locator('cnn-inspect-panel');
  await inspect.scrollIntoViewIfNeeded();
  await inspect.getByRole('tab', { name: 'Why this answer' }).click();
  const view = page.locator('cnn-why-view');
  await expect(view.locator('canvas[data-map="saliency"]')).toHaveAttribute('data-class', /\d/);
  return view;
}

test('saliency, Grad-CAM and occlusion follow the chosen class', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  await watchLongTasks(page);
  await openPlayground(page, '#preset=tiny');
  for (let i = 1; i <= 3; i++) {
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(i);
  }
  const since = await page.evaluate(() => performance.now());
  const view = await openWhy(page);
  await expect(view.getByTestId('why-caption')).toContainText('Test digit #0 (a 7)');
  const classes = view.getByTestId('why-classes').getByRole('radio');
  await expect(classes).toHaveCount(10);
  // The default class is the network's answer, checked.
  const pressed = view.locator('button[aria-checked="true"]');
  await expect(pressed).toHaveCount(1);
  const top = Number(await pressed.getAttribute('data-class'));
  const first = await mapPixels(view);
  expect(first.cls).toEqual([String(top), String(top), String(top)]);
  // Three different maps, each with colour on it.
  expect(first.px[0]).not.toEqual(first.px[1]);
  expect(first.px[1]).not.toEqual(first.px[2]);
  expect(first.px[0]).not.toEqual(first.px[2]);
  for (const k of KINDS) expect(await colouredFraction(view, k), k).toBeGreaterThan(0.02);
  await shot(page, '40-why-this-answer');

  // Another class: every map changes.
  const other = (top + 5) % 10;
  await view.getByRole('radio', { name: new RegExp(`^Explain class ${other} `) }).click();
  await expect(view.locator(`button[data-class="${other}"]`)).toHaveAttribute(
    'aria-checked',
    'true',
  );
  await expect(view.locator('canvas[data-map="occlusion"]')).toHaveAttribute(
    'data-class',
    String(other),
  );
  const second = await mapPixels(view);
  expect(second.cls).toEqual([String(other), String(other), String(other)]);
  for (let i = 0; i < 3; i++) expect(second.px[i], KINDS[i]).not.toEqual(first.px[i]);
  await expect(view.getByTestId('why-caption')).toContainText(`evidence for ${other}`);

  // The keyboard moves the class: Right arrow from the checked one (a radio group).
  await view.locator(`button[data-class="${other}"]`).focus();
  await page.keyboard.press('ArrowRight');
  const next = (other + 1) % 10;
  await expect(view.locator(`button[data-class="${next}"]`)).toHaveAttribute(
    'aria-checked',
    'true',
  );
  await expect(view.locator(`button[data-class="${next}"]`)).toBeFocused();

  // Another test digit brings the network's answer back as the class.
  await page.getByRole('button', { name: 'Next test digit' }).click();
  await expect(view.getByTestId('why-caption')).toContainText('Test digit #1 (a 2)');
  await expect(view.locator('button[aria-checked="true"]')).toHaveCount(1);
  const now = Number(await view.locator('button[aria-checked="true"]').getAttribute('data-class'));
  await expect(view.locator('canvas[data-map="saliency"]')).toHaveAttribute(
    'data-class',
    String(now),
  );

  // The page stays fluid from opening the view to here. Opening it costs the main thread about
  // 25 ms of CPU for the message that brings the maps (the view's first render, three canvases)
  // and 20 ms for the frame that lays it out (a Chromium trace with the CPU slowed 4x: 106 and
  // 89 ms); picking a class repaints three 28x28 canvases. On this shared 2-vCPU machine the OS
  // occasionally stretches one task past 50 ms of wall time (one of 50 ms failed a clean run),
  // so, as in fluid.spec.ts, one isolated task may pass 50 ms and none may pass 100 ms.
  const until = await page.evaluate(() => performance.now());
  const tasks = await longTasksSince(page, since, until);
  expect(tasks.length, JSON.stringify(tasks)).toBeLessThanOrEqual(1);
  expect(
    tasks.filter((t) => t.duration > 100),
    JSON.stringify(tasks),
  ).toEqual([]);

  // The drawn digit is explained too, with the network the pad read it with.
  await drawStrokes(page, strokeFixture.digits[3].strokes);
  await expect(page.getByTestId('pad-top')).toHaveAttribute('data-class', /\d/);
  // The draw panel's button leads there: the inspect panel's view on the drawing.
  await page.locator('cnn-inspect-panel').getByRole('tab', { name: 'Feature maps' }).click();
  await page.getByTestId('pad-why').click();
  await expect(
    page.locator('cnn-inspect-panel').getByRole('tab', { name: 'Why this answer' }),
  ).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('cnn-inspect-panel').getByLabel('The drawn digit')).toBeChecked();
  await expect(view.getByTestId('why-caption')).toContainText('The drawn digit.');
  await expect(view.locator('canvas[data-map="gradcam"]')).toHaveAttribute('data-class', /\d/);
  await expectAccessible(page, 'why-view', { within: ['cnn-playground', 'cnn-inspect-panel'] });
});

test('a model without a conv layer gets a sentence instead of a Grad-CAM map', async ({ page }) => {
  const spec = {
    input: [28, 28, 1],
    layers: [
      { type: 'dense', units: 32, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    optimizer: { type: 'sgd', lr: 0.05 },
    batch_size: 32,
    epochs: 1,
    seed: 1,
  };
  await openPlayground(page, '#spec=' + Buffer.from(JSON.stringify(spec)).toString('base64url'));
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  const view = await openWhy(page);
  await expect(view.getByTestId('why-gradcam-none')).toContainText('no conv2d layer');
  await expect(view.locator('canvas[data-map="gradcam"]')).toHaveCount(0);
  // Saliency and occlusion still work.
  await expect(view.locator('canvas[data-map="occlusion"]')).toHaveAttribute('data-class', /\d/);
  expect(await colouredFraction(view, 'saliency')).toBeGreaterThan(0.02);
  await expect(page.getByTestId('banner')).toHaveCount(0);
});
