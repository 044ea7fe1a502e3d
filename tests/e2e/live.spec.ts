// What moves while the network trains: the learning curves (the data uPlot holds and the pixels it
// draws), the examples/s and ETA of the training panel, and the live feature maps. Each is read at
// two moments of one training run of tiny, a few seconds apart, and must have moved the way
// training moves it.
import { expect, test, type Page } from '@playwright/test';
import { openPlayground, shot, stepCount } from './helpers';

/** What one chart shows: uPlot's data, and where the pixels of one series' colour are. */
interface ChartReading {
  /** x (epochs), then one array per series. */
  data: Array<Array<number | null>>;
  /** Canvas pixels close to the series colour. */
  ink: number;
  /** Mean canvas row of those pixels in the leftmost and the rightmost fifth of their span. */
  leftRow: number;
  rightRow: number;
  /** A checksum of the whole canvas, to tell two drawings apart. */
  checksum: number;
}

async function readChart(
  page: Page,
  id: 'loss' | 'accuracy',
  colour: [number, number, number],
): Promise<ChartReading> {
  return page.evaluate(
    ([id, colour]) => {
      const panel = document
        .querySelector('cnn-playground')!
        .shadowRoot!.querySelector('cnn-metrics-panel')!;
      const chart = panel.shadowRoot!.querySelector(`#${id}`) as HTMLElement & {
        plotData: ReadonlyArray<ReadonlyArray<number | null>> | null;
      };
      const canvas = chart.shadowRoot!.querySelector('.plot canvas') as HTMLCanvasElement;
      const { width, height } = canvas;
      const px = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
      let checksum = 0;
      for (let i = 0; i < px.length; i++) checksum = (checksum * 31 + px[i]) >>> 0;
      const hits: Array<[number, number]> = [];
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const i = (y * width + x) * 4;
          if (
            px[i + 3] > 200 &&
            Math.abs(px[i] - colour[0]) < 30 &&
            Math.abs(px[i + 1] - colour[1]) < 30 &&
            Math.abs(px[i + 2] - colour[2]) < 30
          )
            hits.push([x, y]);
        }
      const xs = hits.map((h) => h[0]);
      const lo = Math.min(...xs),
        hi = Math.max(...xs),
        fifth = (hi - lo) / 5;
      const meanRow = (keep: (x: number) => boolean) => {
        const rows = hits.filter((h) => keep(h[0])).map((h) => h[1]);
        return rows.reduce((a, b) => a + b, 0) / rows.length;
      };
      return {
        data: (chart.plotData ?? []).map((s) => Array.from(s)),
        ink: hits.length,
        leftRow: meanRow((x) => x <= lo + fifth),
        rightRow: meanRow((x) => x >= hi - fifth),
        checksum,
      };
    },
    [id, colour] as const,
  );
}

/** Each layer of the inspection panel's feature maps, input first: a checksum of its canvas, and its text (name, shape, value range). */
async function readMaps(page: Page): Promise<Array<{ pixels: number; text: string }>> {
  return page.getByTestId('feature-layer').evaluateAll((layers) =>
    layers.map((layer) => {
      const c = layer.querySelector('canvas.maps') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let pixels = 0;
      for (let i = 0; i < d.length; i++) pixels = (pixels * 31 + d[i]) >>> 0;
      return { pixels, text: (layer.textContent ?? '').replace(/\s+/g, ' ').trim() };
    }),
  );
}

/** "1:05" or "1:02:03" as seconds. */
function seconds(text: string): number {
  const parts = text.trim().split(':').map(Number);
  return parts.length >= 2 && parts.every(Number.isInteger)
    ? parts.reduce((a, b) => a * 60 + b, 0)
    : NaN;
}

interface Moment {
  step: number;
  examplesPerSec: number;
  etaSeconds: number;
  loss: ChartReading;
  accuracy: ChartReading;
  maps: Array<{ pixels: number; text: string }>;
}

async function moment(page: Page): Promise<Moment> {
  return {
    step: await stepCount(page),
    examplesPerSec: Number(
      ((await page.getByTestId('examples-per-sec').textContent()) ?? '').replace(/,/g, ''),
    ),
    etaSeconds: seconds((await page.getByTestId('eta').textContent()) ?? ''),
    loss: await readChart(page, 'loss', [0x25, 0x63, 0xeb]),
    accuracy: await readChart(page, 'accuracy', [0x93, 0xa4, 0xc3]),
    maps: await readMaps(page),
  };
}

/** tiny's one epoch: 60,000 images in batches of 32. */
const STEPS = 1875;
const BATCH = 32;
/** The run's epochs: enough that it is still training when the test pauses it, even on two
 *  threads (one epoch of tiny then takes about 5 s). */
const EPOCHS = 3;
const TOTAL = EPOCHS * STEPS;

const finite = (ys: Array<number | null>) =>
  ys.filter((v): v is number => v !== null && Number.isFinite(v));
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

test('while tiny trains, the curves, examples/s, ETA and feature maps move', async ({ page }) => {
  // Tall enough that the curves and the feature maps are on screen together (the inspection
  // panel only asks for maps while it is visible).
  await page.setViewportSize({ width: 1400, height: 2200 });
  await openPlayground(page, `#preset=tiny&epochs=${EPOCHS}`);
  await expect(page.getByTestId('eta')).toHaveText('–');
  await page.getByTestId('train').click();
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThan(150);
  await expect(page.getByTestId('feature-layer')).toHaveCount(6);
  const a = await moment(page);
  await shot(page, '40-live-first');
  // The second moment: 40% of the remaining steps later (the ETA must then shrink whatever the
  // machine's pace), and at least 3 s for several chart redraws and map refreshes.
  const later = a.step + Math.ceil(0.4 * (TOTAL - a.step));
  await page.waitForTimeout(3000);
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(later);
  const b = await moment(page);
  await shot(page, '41-live-second');
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('train-state')).toHaveText('Paused');
  await expect(page.getByTestId('eta')).toHaveText('–'); // no estimate while not training
  const label = JSON.stringify({
    a: { ...a, loss: undefined, accuracy: undefined },
    b: { ...b, loss: undefined, accuracy: undefined },
  });
  test.info().annotations.push({ type: 'two moments of training', description: label });

  // examples/s: a plausible pace for tiny on one or two cores of any recent CPU, and the ETA is
  // the rest of the run at about that pace (evaluations and page work add to it), and shrinks.
  for (const m of [a, b]) {
    expect(m.examplesPerSec, label).toBeGreaterThan(200);
    expect(m.examplesPerSec, label).toBeLessThan(200_000);
    expect(Number.isFinite(m.etaSeconds) && m.etaSeconds > 0, label).toBe(true);
    const trainingLeft = ((TOTAL - m.step) * BATCH) / m.examplesPerSec;
    expect(m.etaSeconds, label).toBeGreaterThan(0.6 * trainingLeft - 1);
    expect(m.etaSeconds, label).toBeLessThan(1.6 * trainingLeft + 2);
  }
  // 40% of the remaining steps later, the estimate is about 40% smaller: allow for the pace
  // changing by a third, but not for an ETA that counts the whole run or stands still.
  expect(b.etaSeconds, label).toBeLessThan(0.85 * a.etaSeconds);

  // The curves: uPlot holds a point per chunk, new ones arrived, x runs in epochs.
  for (const [name, r0, r1] of [
    ['loss', a.loss, b.loss],
    ['accuracy', a.accuracy, b.accuracy],
  ] as const) {
    const xs0 = finite(r0.data[0] ?? []),
      xs1 = finite(r1.data[0] ?? []);
    expect(xs0.length, `${name}: points at the first moment`).toBeGreaterThan(5);
    expect(xs1.length, `${name}: points at the second moment`).toBeGreaterThan(xs0.length);
    expect(xs1[xs1.length - 1], `${name}: last x (epochs)`).toBeCloseTo(b.step / STEPS, 1);
    expect(r0.ink, `${name}: pixels of the training curve`).toBeGreaterThan(100);
    expect(r1.checksum, `${name}: the canvas was redrawn`).not.toBe(r0.checksum);
  }
  // The loss falls and the batch accuracy rises: in the data, and on the canvas (rows grow
  // downwards, so a falling curve ends on a larger row than it starts).
  const loss = finite(b.loss.data[1]);
  const acc = finite(b.accuracy.data[1]);
  expect(mean(loss.slice(-5))).toBeLessThan(0.5 * mean(loss.slice(0, 3)));
  expect(mean(acc.slice(-5))).toBeGreaterThan(mean(acc.slice(0, 3)) + 0.3);
  expect(
    b.loss.rightRow - b.loss.leftRow,
    'the drawn loss ends lower than it starts',
  ).toBeGreaterThan(20);
  expect(
    b.accuracy.leftRow - b.accuracy.rightRow,
    'the drawn accuracy ends higher than it starts',
  ).toBeGreaterThan(20);

  // The feature maps of test digit #0: the input stays; the maps of every conv and pooling layer
  // are drawn anew; the softmax output, already sure it is a 7 (its ten cells can look the same
  // at both moments), prints a new value range.
  expect(a.maps.length).toBe(6);
  expect(b.maps[0], 'the input image').toEqual(a.maps[0]);
  for (let i = 1; i < 5; i++)
    expect(b.maps[i].pixels, `${b.maps[i].text}: the maps changed while training`).not.toBe(
      a.maps[i].pixels,
    );
  expect(b.maps[5].text, "the output layer's value range changed while training").not.toBe(
    a.maps[5].text,
  );
});
