// Drives headless Chromium (Debian's /usr/bin/chromium, through Playwright; never a downloaded
// browser) over the benchmark page served by server.mjs. runBrowser(jobs) runs the jobs one after
// another, each in a fresh dedicated Web Worker, and returns their results (or {error}) and whether
// the page was cross-origin isolated (the server sends COOP + COEP, see server.mjs).
import { chromium } from '@playwright/test';
import { startServer } from './server.mjs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function runBrowser(
  jobs,
  { onLog = () => {}, onResult = () => {}, timeoutMs = 240_000, buildDir } = {},
) {
  const { server, url } = await startServer(0, { buildDir });
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  let browser;
  try {
    browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    page.on('console', (m) => onLog(m.text()));
    page.on('pageerror', (e) => onLog(`page error: ${e.message}`));
    // Only the local server: anything else is refused.
    await page.route(
      (u) => !u.href.startsWith(url),
      (route) => route.abort(),
    );
    await page.goto(url);
    await page.waitForFunction(() => window.benchPageReady === true);
    const version = browser.version();
    const crossOriginIsolated = await page.evaluate(() => self.crossOriginIsolated === true);
    const results = [];
    for (const job of jobs) {
      let r, timer;
      try {
        r = await Promise.race([
          page.evaluate((j) => window.runJob(j), job),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`timed out after ${timeoutMs / 1000} s`)),
              timeoutMs,
            );
          }),
        ]);
      } catch (e) {
        r = {
          error: String(e?.message ?? e)
            .split('\n')
            .slice(0, 6)
            .join('\n'),
        };
        if (/timed out/.test(r.error)) {
          // the worker may still run: start over with a new page
          await page.goto(url);
          await page.waitForFunction(() => window.benchPageReady === true);
        }
      }
      clearTimeout(timer);
      results.push(r);
      onResult(job, r);
    }
    return { version, executablePath, crossOriginIsolated, results };
  } finally {
    if (browser) await browser.close();
    server.close();
  }
}
