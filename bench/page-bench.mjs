// The playground page as a user meets it, in headless Chromium (part of `npm run bench`):
// first paint from a cold and a warm cache, then one epoch of each preset as the page shows it
// (wall time, examples/s, test accuracy) and the longest main-thread task while training.
// Needs the built site (tools/build.sh web).
//
//   node bench/page-bench.mjs [--presets keras-book,tiny] [--port 4290]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const presets = opt('presets', 'keras-book,tiny').split(',');
const port = Number(opt('port', 4290));
const base = `http://127.0.0.1:${port}/`;
if (!fs.existsSync(path.join(root, 'build-web', 'index.html'))) throw new Error('build-web/ is missing: run tools/build.sh web');

const server = spawn('npx', ['vite', 'preview', 'web', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--bypass-lock'], { cwd: root, stdio: 'ignore', detached: true });
process.on('exit', () => { try { process.kill(-server.pid); } catch {} });

for (let i = 0; ; i++) {
  try { if ((await fetch(base)).ok) break; } catch {}
  if (i > 100) throw new Error('the preview server did not start');
  await new Promise((r) => setTimeout(r, 200));
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
await context.addInitScript(() => {
  window.longTasks = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.longTasks.push({ start: e.startTime, duration: e.duration }); }).observe({ type: 'longtask', buffered: true });
});
const page = await context.newPage();
const paint = async () => page.evaluate(() => new Promise((resolve) => {
  const get = () => performance.getEntriesByName('first-contentful-paint')[0];
  const done = () => { const e = get(); if (e) resolve(e.startTime); else setTimeout(done, 50); };
  done();
}));

const results = { firstPaint: {}, presets: {} };
await page.goto(base + '#preset=tiny');
results.firstPaint.coldMs = await paint();
await page.getByTestId('data-info').waitFor({ timeout: 120_000 });
await page.reload();
results.firstPaint.warmMs = await paint();
await page.getByTestId('data-info').waitFor({ timeout: 120_000 });
results.firstPaint.dataReadyWarmMs = await page.evaluate(() => performance.now());

for (const preset of presets) {
  await page.goto(base + `#preset=${preset}&epochs=1`);
  await page.reload();
  await page.getByTestId('data-info').waitFor({ timeout: 120_000 });
  const start = await page.evaluate(() => performance.now());
  await page.getByTestId('train').click();
  await page.getByTestId('train-state').filter({ hasText: 'Done' }).waitFor({ timeout: 15 * 60_000 });
  const acc = Number(await page.getByTestId('test-accuracy').getAttribute('data-value'));
  const stats = (await page.getByTestId('train-stats').textContent()).replace(/\s+/g, ' ').trim();
  const eps = Number(/([\d,]+) examples\/s/.exec(stats)?.[1].replace(/,/g, ''));
  const elapsed = /Elapsed ([\d:]+)/.exec(stats)?.[1];
  const long = await page.evaluate((t) => window.longTasks.filter((e) => e.start >= t), start);
  results.presets[preset] = { testAccuracy: acc, elapsed, examplesPerSec: eps, longTasksOver50ms: long.length, longestTaskMs: Math.max(0, ...long.map((e) => e.duration)), long: long.map((e) => ({ start: e.start - start, duration: e.duration })) };
}
await browser.close();

console.log('\nThe playground page in headless Chromium (as the page shows it)');
console.log(`  first paint: cold ${results.firstPaint.coldMs.toFixed(0)} ms, warm cache ${results.firstPaint.warmMs.toFixed(0)} ms; MNIST ready (warm) at ${results.firstPaint.dataReadyWarmMs.toFixed(0)} ms`);
for (const [p, r] of Object.entries(results.presets))
  console.log(`  ${p.padEnd(11)} 1 epoch: test accuracy ${(100 * r.testAccuracy).toFixed(2)}%, elapsed ${r.elapsed}, ${r.examplesPerSec.toLocaleString('en-US')} examples/s (mean), main-thread tasks over 50 ms: ${r.longTasksOver50ms}${r.longTasksOver50ms ? ' (' + r.long.map((e) => `${(e.start / 1000).toFixed(1)} s: ${e.duration} ms`).join(', ') + ')' : ''}`);
const out = path.join(root, 'bench', 'results', `page-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z')}.json`);
fs.writeFileSync(out, JSON.stringify(results, null, 2));
console.log(`  wrote ${path.relative(root, out)}`);
process.exit(0);
