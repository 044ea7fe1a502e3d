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
const presets = opt('presets', 'keras-book,tiny').split(',').filter(Boolean);
const port = Number(opt('port', 4290));
const base = `http://127.0.0.1:${port}/`;
if (!fs.existsSync(path.join(root, 'build-web', 'index.html'))) throw new Error('build-web/ is missing: run tools/build.sh web');

const server = spawn('npx', ['vite', 'preview', 'web', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: root, stdio: 'ignore', detached: true });
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

// Draw-to-prediction latency: pointer-up to the bars updated, for the ten stroke fixtures, with
// the pretrained network and with the keras-book network being trained.
const strokes = JSON.parse(fs.readFileSync(path.join(root, 'tests', 'fixtures', 'digit-strokes.json'), 'utf8'));
async function drawAll() {
  const out = [];
  for (const d of strokes.digits) {
    await page.getByTestId('pad-clear').click();
    await page.getByTestId('pad').scrollIntoViewIfNeeded();
    const box = await page.getByTestId('pad').boundingBox();
    const at = (p) => [box.x + (p[0] * box.width) / strokes.size, box.y + (p[1] * box.height) / strokes.size];
    for (const s of d.strokes) {
      await page.mouse.move(...at(s[0]));
      await page.mouse.down();
      for (const p of s.slice(1)) await page.mouse.move(...at(p));
      await page.mouse.up();
    }
    await page.waitForFunction(() => document.querySelector('cnn-playground').shadowRoot.querySelector('cnn-draw-panel').dataset.latencyMs !== undefined);
    await page.waitForTimeout(100);
    const ms = Number(await page.locator('cnn-draw-panel').getAttribute('data-latency-ms'));
    const read = Number(await page.getByTestId('pad-top').getAttribute('data-class'));
    out.push({ label: d.label, read, ms });
    await page.locator('cnn-draw-panel').evaluate((e) => delete e.dataset.latencyMs);
  }
  return out;
}
const summary = (xs) => { const s = [...xs].sort((a, b) => a - b); return { median: s[Math.floor(s.length / 2)], max: s[s.length - 1] }; };
await page.goto(base + '#preset=keras-book');
await page.reload();
await page.getByTestId('data-info').waitFor({ timeout: 120_000 });
const pre = await drawAll();
for (let i = 0; i < 3; i++) await page.getByTestId('step').click();
await page.waitForTimeout(500);
const cur = await drawAll();
results.draw = { pretrained: pre, current: cur, pretrainedMs: summary(pre.map((x) => x.ms)), currentMs: summary(cur.map((x) => x.ms)) };

// Feature-map refresh during training: keras-book for a fixed time with the live feature maps off,
// then on (panel on screen), from the same fresh weights; examples/s as the page shows them.
async function throughput(live) {
  await page.getByTestId('reset').click();
  const box = page.locator('cnn-inspect-panel');
  await box.scrollIntoViewIfNeeded();
  const checkbox = box.getByLabel('Live during training');
  if ((await checkbox.isChecked()) !== live) await checkbox.click();
  await page.getByTestId('train').click();
  await page.waitForTimeout(20_000);
  await page.getByTestId('pause').click();
  await page.getByTestId('train-state').filter({ hasText: 'Paused' }).waitFor();
  const stats = (await page.getByTestId('train-stats').textContent()).replace(/\s+/g, ' ');
  return Number(/([\d,]+) examples\/s/.exec(stats)[1].replace(/,/g, ''));
}
// Alternating runs, so a slow spell of the machine does not land on one side only.
const runs = [];
for (const live of [false, true, false, true]) runs.push({ live, eps: await throughput(live) });
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const off = Math.round(mean(runs.filter((r) => !r.live).map((r) => r.eps)));
const on = Math.round(mean(runs.filter((r) => r.live).map((r) => r.eps)));
results.featureMaps = { runs, examplesPerSecOff: off, examplesPerSecOn: on, drop: 1 - on / off };
await browser.close();

console.log('\nThe playground page in headless Chromium (as the page shows it)');
console.log(`  first paint: cold ${results.firstPaint.coldMs.toFixed(0)} ms, warm cache ${results.firstPaint.warmMs.toFixed(0)} ms; MNIST ready (warm) at ${results.firstPaint.dataReadyWarmMs.toFixed(0)} ms`);
for (const [p, r] of Object.entries(results.presets))
  console.log(`  ${p.padEnd(11)} 1 epoch: test accuracy ${(100 * r.testAccuracy).toFixed(2)}%, elapsed ${r.elapsed}, ${r.examplesPerSec.toLocaleString('en-US')} examples/s (mean), main-thread tasks over 50 ms: ${r.longTasksOver50ms}${r.longTasksOver50ms ? ' (' + r.long.map((e) => `${(e.start / 1000).toFixed(1)} s: ${e.duration} ms`).join(', ') + ')' : ''}`);
const d = results.draw;
console.log(`  draw to prediction (pointer-up to bars), keras-book: pretrained median ${d.pretrainedMs.median.toFixed(1)} ms, max ${d.pretrainedMs.max.toFixed(1)} ms; trained median ${d.currentMs.median.toFixed(1)} ms, max ${d.currentMs.max.toFixed(1)} ms`);
console.log(`  drawn fixtures read by the pretrained model: ${d.pretrained.filter((x) => x.read === x.label).length}/10 (${d.pretrained.map((x) => `${x.label}->${x.read}`).join(' ')})`);
const fm = results.featureMaps;
console.log(`  keras-book training with live feature maps: ${fm.examplesPerSecOn.toLocaleString('en-US')} examples/s vs ${fm.examplesPerSecOff.toLocaleString('en-US')} without (${(100 * fm.drop).toFixed(1)}% drop; runs ${fm.runs.map((r) => `${r.live ? 'on' : 'off'} ${r.eps}`).join(', ')})`);
const out = path.join(root, 'bench', 'results', `page-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z')}.json`);
fs.writeFileSync(out, JSON.stringify(results, null, 2));
console.log(`  wrote ${path.relative(root, out)}`);
process.exit(0);
