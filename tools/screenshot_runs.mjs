// Takes the README's picture of the Runs panel (docs/runs.png): in the system Chromium, trains tiny
// twice on the served site (learning rates 0.002 and 0.02, about a third of an epoch each, so each
// run has test points), then photographs the Runs panel. Serve the site first, e.g.
//   npx vite preview web --host 127.0.0.1 --port 4292 --strictPort &
//   node tools/screenshot_runs.mjs [http://127.0.0.1:4292/] [docs/runs.png]
import { chromium } from '@playwright/test';

const base = process.argv[2] ?? 'http://127.0.0.1:4292/';
const out = process.argv[3] ?? 'docs/runs.png';
const STEPS = 700;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
await page.goto(`${base}#preset=tiny`);
await page
  .getByTestId('data-info')
  .filter({ hasText: '60,000 training' })
  .waitFor({ timeout: 90_000 });

const step = async () => {
  const text = (await page.getByTestId('train-stats').textContent()) ?? '';
  return Number(/Step\s+([\d,]+)/.exec(text)?.[1].replace(/,/g, '') ?? 0);
};
async function trainTo(lr) {
  const field = page.getByLabel('Learning rate', { exact: true });
  await field.fill(String(lr));
  await field.press('Tab');
  await page.getByTestId('train').click();
  while ((await step()) < STEPS) await page.waitForTimeout(250);
  await page.getByTestId('pause').click();
  await page.getByTestId('train').waitFor();
}
await page.getByTestId('runs-toggle').click();
await trainTo(0.002);
await page.getByTestId('reset').click();
await trainTo(0.02);
await page.waitForTimeout(1500); // the charts redraw at most every 250 ms
const panel = page.locator('cnn-runs-panel');
await panel.scrollIntoViewIfNeeded();
await panel.screenshot({ path: out });
await browser.close();
console.log(`wrote ${out}`);
