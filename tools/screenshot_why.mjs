// Takes the README's "Why this answer" screenshot (docs/why-this-answer.png): serves build-web/,
// trains tiny for five seconds in headless Chromium, opens the inspect panel's "Why this answer"
// view on a test digit and shoots that panel. Not a test (tests/e2e/why.spec.ts is).
//   node tools/screenshot_why.mjs [test-digit-index]   (after tools/build.sh web)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveSite } from '../bench/lib/site.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const index = Number(process.argv[2] ?? 8); // #8: a 5 that tiny, early on, half reads as a 2
const base = await serveSite(root, Number(process.env.CNN_E2E_PORT ?? 0));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${base}#preset=tiny`);
  await page
    .getByTestId('data-info')
    .filter({ hasText: '60,000 training' })
    .waitFor({ timeout: 60_000 });
  await page.getByTestId('train').click();
  await page.waitForTimeout(5000);
  await page.getByTestId('pause').click();
  const inspect = page.locator('cnn-inspect-panel');
  await inspect.scrollIntoViewIfNeeded();
  await inspect.getByRole('tab', { name: 'Why this answer' }).click();
  await inspect.getByLabel('Test digit number').fill(String(index));
  await inspect.getByLabel('Test digit number').press('Enter');
  await page
    .locator(`cnn-why-view`)
    .getByTestId('why-caption')
    .filter({ hasText: `Test digit #${index} ` })
    .waitFor();
  await inspect.locator('h2').click(); // no focus ring on the number field
  await page.waitForTimeout(500);
  const out = path.join(root, 'docs', 'why-this-answer.png');
  await inspect.screenshot({ path: out });
  console.log(`wrote ${path.relative(root, out)}`);
} finally {
  await browser.close();
  process.exit(0);
}
