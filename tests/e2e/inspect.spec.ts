// Inside the network and the digit pad, in a real Chromium: hand-drawn digits (stroke paths in
// tests/fixtures) read by the pretrained model, feature maps, filters and statistics, and model
// files saved, loaded, refused and kept across reloads.
import { expect, test, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { drawStrokes, openPlayground, SHOTS, shot, stepCount, strokeFixture } from './helpers';

const fixture = strokeFixture;

function draw(page: Page, strokes: number[][][]): Promise<void> {
  return drawStrokes(page, strokes);
}

/** The class the pad shows, once a final prediction for the drawing has landed. */
async function padReading(page: Page): Promise<number> {
  await expect(page.getByTestId('pad-top')).toHaveAttribute('data-class', /\d/);
  return Number(await page.getByTestId('pad-top').getAttribute('data-class'));
}

/** Centre of mass (row, col) of the 28x28 preview, pixel centres at +0.5 as the core uses. */
async function previewCentre(page: Page): Promise<[number, number]> {
  return page.getByTestId('pad-preview').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let m = 0,
      r = 0,
      col = 0;
    for (let y = 0; y < c.height; y++)
      for (let x = 0; x < c.width; x++) {
        const v = d[(y * c.width + x) * 4];
        m += v;
        r += v * (y + 0.5);
        col += v * (x + 0.5);
      }
    return [r / m, col / m] as [number, number];
  });
}

async function padProbabilities(page: Page): Promise<string> {
  return (await page.getByTestId('pad-probs').textContent())!.replace(/\s+/g, ' ');
}

test('the pretrained model reads at least 9 of 10 hand-drawn digits, centred like MNIST', async ({
  page,
}) => {
  test.setTimeout(6 * 60_000); // ten drawings of 20-60 pointer moves each, slow on a busy machine
  await openPlayground(page, '#preset=tiny');
  const readings: string[] = [];
  const latencies: number[] = [];
  let right = 0;
  const panel = page.locator('cnn-draw-panel');
  for (const d of fixture.digits) {
    await page.getByTestId('pad-clear').click();
    await expect(page.getByTestId('pad-top')).not.toHaveAttribute('data-class', /\d/);
    // The pad measures each drawing's pointer-up-to-bars time afresh.
    await panel.evaluate((el) => el.removeAttribute('data-latency-ms'));
    await draw(page, d.strokes);
    const read = await padReading(page);
    await expect(page.getByTestId('pad-status')).toContainText('pretrained');
    const [r, c] = await previewCentre(page);
    expect(Math.abs(r - 14), `digit ${d.label}: preview centre row ${r}`).toBeLessThanOrEqual(1);
    expect(Math.abs(c - 14), `digit ${d.label}: preview centre column ${c}`).toBeLessThanOrEqual(1);
    await expect(panel).toHaveAttribute('data-latency-ms', /^\d+(\.\d+)?$/);
    const ms = Number(await panel.getAttribute('data-latency-ms'));
    latencies.push(ms);
    readings.push(`${d.label}->${read}`);
    if (read === d.label) right++;
    if (d.label === 7) await shot(page, '10-pad-seven');
  }
  test.info().annotations.push({
    type: 'drawn digits',
    description: `${readings.join(' ')}; pointer-up to bars: ${latencies.map((x) => x.toFixed(1)).join(', ')} ms`,
  });
  expect(right, readings.join(' ')).toBeGreaterThanOrEqual(9);
  // The reading lands soon after the pen lifts: one prediction of keras-book takes a few ms, so
  // these bounds leave a loaded 2-core machine plenty of room, yet a pipeline that queues behind
  // training, re-reads every stroke or waits for a timer fails them.
  const sorted = [...latencies].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  expect(sorted[0], `pointer-up to bars: ${latencies.join(', ')} ms`).toBeGreaterThan(0);
  expect(median, `median pointer-up to bars of ${latencies.join(', ')} ms`).toBeLessThan(250);
  expect(
    sorted[sorted.length - 1],
    `slowest pointer-up to bars of ${latencies.join(', ')} ms`,
  ).toBeLessThan(1000);
  // Undo takes the last stroke away; the pad reads again.
  await page.getByTestId('pad-undo').click();
  await expect(page.getByTestId('pad-live')).toBeAttached();
});

test('feature maps, filters and statistics render for every layer', async ({ page }) => {
  await openPlayground(page, '#preset=tiny');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  const panel = page.locator('cnn-inspect-panel');
  await panel.scrollIntoViewIfNeeded();
  // tiny: input + 5 layers
  const layers = page.getByTestId('feature-layer');
  await expect(layers).toHaveCount(6);
  const inked = await layers.locator('canvas.maps').evaluateAll((cs) =>
    (cs as HTMLCanvasElement[]).map((c) => {
      if (c.width < 1 || c.height < 1) return false;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4)
        if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) return true;
      return false;
    }),
  );
  expect(inked).toEqual([true, true, true, true, true, true]);
  await expect(page.getByText(/Test digit #0 \(a 7\)/)).toBeVisible();
  // Hovering a map reads out a value, and the read-out opening does not move the maps: if it did,
  // the map would slide away from the pointer and the read-out would close again (it once
  // flickered that way). force, because the sticky read-out may cover the canvas top.
  const map1 = layers.nth(1).locator('canvas').first();
  const before = await map1.boundingBox();
  await map1.hover({ position: { x: 5, y: 5 }, force: true });
  await expect(page.getByTestId('map-detail')).toContainText('layer 0');
  const after = await map1.boundingBox();
  expect(after?.y).toBe(before?.y);
  expect(after?.height).toBe(before?.height);
  await shot(page, '11-feature-maps');

  await page.getByRole('tab', { name: 'Filters' }).click();
  await expect(page.getByTestId('filter-layer')).toHaveCount(3); // two conv layers + the dense templates (4x4x16)
  await shot(page, '12-filters');

  await page.getByRole('tab', { name: 'Statistics' }).click();
  const rows = page.getByTestId('layer-stats').locator('tbody tr');
  await expect(rows).toHaveCount(5);
  await expect(rows.first()).toContainText('conv2d');
  await expect(rows.first()).toContainText('e-'); // a small positive update ratio
  // The histograms are drawn (SVG bars with a size on screen).
  const bar = await rows.first().locator('svg rect').last().boundingBox();
  expect(bar?.width ?? 0).toBeGreaterThan(0);
  await shot(page, '13-statistics');
});

test('a saved model loads back with identical predictions; bad files are refused and nothing is lost', async ({
  page,
}) => {
  await openPlayground(page, '#preset=tiny');
  for (let i = 1; i <= 20; i++) await page.keyboard.press('s');
  await expect.poll(() => stepCount(page)).toBe(20);
  await expect(page.getByTestId('train-state')).toHaveText('Paused');
  await draw(page, fixture.digits[3].strokes);
  await expect(page.getByTestId('pad-status')).toContainText('network you are training');
  // The reading of the whole drawing: the pad may still show one made while the pen moved until
  // the final one lands (the panel then records its pointer-up-to-bars time).
  await expect(page.locator('cnn-draw-panel')).toHaveAttribute('data-latency-ms', /\d/);
  const before = await padProbabilities(page);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('model-download').click(),
  ]);
  const file = test.info().outputPath('tiny.safetensors');
  await download.saveAs(file);
  expect(download.suggestedFilename()).toBe('tiny-step20.safetensors');

  // A corrupt file: refused, the model and its predictions stay.
  const corrupt = test.info().outputPath('corrupt.safetensors');
  writeFileSync(
    corrupt,
    Buffer.concat([Buffer.from([200, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":')]),
  );
  await page.getByTestId('model-load').setInputFiles(corrupt);
  await expect(page.getByTestId('model-file-error')).toContainText('corrupt.safetensors');
  await expect(page.getByTestId('model-file-error')).toContainText('kept');
  expect(await padProbabilities(page)).toBe(before);

  // Weights without a spec (as other tools write them) must fit the current model: a 3x3x1x4
  // first kernel does not fit tiny's 5x5x1x8, so the file is refused.
  const header = Buffer.from(
    JSON.stringify({
      'conv2d_1/kernel': { dtype: 'F32', shape: [3, 3, 1, 4], data_offsets: [0, 144] },
    }),
  );
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  await page.getByTestId('model-load').setInputFiles({
    name: 'other-weights.safetensors',
    mimeType: 'application/octet-stream',
    buffer: Buffer.concat([length, header, Buffer.alloc(144)]),
  });
  await expect(page.getByTestId('model-file-error')).toContainText('other-weights.safetensors');
  await expect(page.getByTestId('model-file-error')).toContainText('conv2d_1/kernel');
  expect(await padProbabilities(page)).toBe(before);
  await shot(page, '14-model-file-refused');

  // Reset changes the reading; loading the saved file brings back exactly the same one.
  await page.getByTestId('reset').click();
  await expect.poll(() => stepCount(page)).toBe(0);
  await page.getByTestId('model-load').setInputFiles(file);
  await expect(page.getByTestId('model-stored')).toContainText('trained 20 steps');
  await expect.poll(() => padProbabilities(page)).toBe(before);
  await expect(page.getByTestId('model-file-error')).toHaveCount(0);
});

test('the current model is kept across a reload', async ({ page }) => {
  await openPlayground(page, '#preset=tiny');
  await page.getByTestId('train').click();
  await expect.poll(() => stepCount(page)).toBeGreaterThan(30);
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('train-state')).toHaveText('Paused');
  const steps = await stepCount(page);
  await expect(page.getByTestId('model-stored')).toContainText(
    `step ${steps.toLocaleString('en-US')}`,
  );
  await draw(page, fixture.digits[2].strokes);
  await expect(page.getByTestId('pad-status')).toContainText('network you are training');
  await expect(page.locator('cnn-draw-panel')).toHaveAttribute('data-latency-ms', /\d/);
  const before = await padProbabilities(page);

  await page.reload();
  await expect(page.getByTestId('model-stored')).toContainText(
    `Restored from this browser (step ${steps.toLocaleString('en-US')})`,
  );
  await expect(page.getByTestId('data-info')).toContainText('60,000', { timeout: 60_000 });
  await draw(page, fixture.digits[2].strokes);
  await expect(page.getByTestId('pad-status')).toContainText('network you are training');
  await expect(page.locator('cnn-draw-panel')).toHaveAttribute('data-latency-ms', /\d/);
  // The same strokes after a reload: the pad may sit a fraction of a pixel elsewhere (the pointer's
  // coordinates are whole pixels), so the drawn digit can differ by a hair, and a class near 0.5 %
  // shows 0 % once and 1 % the next time (it did in a full run). Each class within one point; a
  // model that was not restored reads this 2 with other probabilities altogether.
  const percents = (text: string) => [...text.matchAll(/(\d+)%/g)].map((m) => Number(m[1]));
  const want = percents(before);
  expect(want).toHaveLength(10);
  await expect
    .poll(async () => {
      const got = percents(await padProbabilities(page));
      return got.length === 10 && got.every((p, i) => Math.abs(p - want[i]) <= 1);
    })
    .toBe(true);
  // Reset forgets it.
  await page.getByTestId('reset').click();
  await expect.poll(() => stepCount(page)).toBe(0);
  await expect(page.getByTestId('model-stored')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('data-info')).toContainText('60,000', { timeout: 60_000 });
  await expect(page.getByTestId('model-stored')).toHaveCount(0);
});

/** The digit drawn by finger and pen: a 4, drawn in two strokes. */
const DEVICE_DIGIT = 4;

test.describe('on a touch screen', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true });
  for (const device of ['touch', 'pen'] as const) {
    test(`the pad reads a digit drawn with ${device === 'touch' ? 'a finger' : 'a pen'}`, async ({
      page,
    }) => {
      await openPlayground(page, '#preset=tiny');
      // What kind of pointer the page sees.
      await page.evaluate(() => {
        const w = window as unknown as { pointerTypes: string[] };
        w.pointerTypes = [];
        window.addEventListener('pointerdown', (e) => w.pointerTypes.push(e.pointerType), true);
      });
      const digit = fixture.digits.find((d) => d.label === DEVICE_DIGIT)!;
      await drawStrokes(page, digit.strokes, undefined, device);
      const types = await page.evaluate(
        () => (window as unknown as { pointerTypes: string[] }).pointerTypes,
      );
      expect(types, 'the pointerType of each stroke').toEqual(digit.strokes.map(() => device));
      expect(
        await padReading(page),
        `the pretrained model reads the ${DEVICE_DIGIT} drawn with ${device}`,
      ).toBe(DEVICE_DIGIT);
      const [r, c] = await previewCentre(page);
      expect(Math.abs(r - 14), `preview centre row ${r}`).toBeLessThanOrEqual(1);
      expect(Math.abs(c - 14), `preview centre column ${c}`).toBeLessThanOrEqual(1);
      await page.locator('cnn-draw-panel').screenshot({ path: `${SHOTS}/15-pad-${device}.png` });
      // Each stroke is one stroke of the pad: as many Undos as strokes empty it.
      for (let i = 0; i < digit.strokes.length; i++) await page.getByTestId('pad-undo').click();
      await expect(page.getByTestId('pad-undo')).toBeDisabled();
      await expect(page.getByTestId('pad-top')).not.toHaveAttribute('data-class', /\d/);
    });
  }
});
