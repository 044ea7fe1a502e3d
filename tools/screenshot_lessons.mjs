// The README's picture of the Lessons panel (docs/lessons.png): serves build-web/ (after
// `bash tools/build.sh web`) with `vite preview`, opens `#lesson=tflearn` in the system Chromium,
// trains a few seconds so the curves have something to show, and saves the top of the page.
//   node tools/screenshot_lessons.mjs [--port 4294] [--out docs/lessons.png]
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const port = Number(opt('port', '4294'));
const out = path.resolve(root, opt('out', 'docs/lessons.png'));

const server = spawn(
  'npx',
  ['vite', 'preview', 'web', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
  { cwd: root, stdio: 'ignore', detached: true },
);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  for (let i = 0; ; i++) {
    try {
      await page.goto(`http://127.0.0.1:${port}/#lesson=tflearn`);
      break;
    } catch (e) {
      if (i > 30) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const train = page.getByTestId('train');
  await train.waitFor({ timeout: 60_000 });
  await page.waitForFunction(
    () => !document.querySelector('cnn-playground')?.shadowRoot?.querySelector('.loading'),
  );
  await page.locator('cnn-train-panel').getByTestId('train').click({ timeout: 60_000 });
  await page.waitForTimeout(8000);
  await page.locator('cnn-train-panel').getByTestId('pause').click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: out });
  console.log(`saved ${path.relative(root, out)}`);
} finally {
  await browser.close();
  process.kill(-server.pid);
}
