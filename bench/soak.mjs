// `npm run soak`: keras-book trained for 10 epochs (or --epochs N) in the playground page in
// headless Chromium, as a user would leave a tab training. After every epoch it records the
// engine's WebAssembly heap (asked from the worker), the page's memory as the browser measures it
// (performance.measureUserAgentSpecificMemory, the page and its workers; the site is cross-origin
// isolated), the RSS of every Chromium process, the test accuracy on all 10,000 images, and the
// main-thread tasks over 50 ms. Passes when the memory after the last epoch is at most 5 % above
// epoch 2's (each measure), no task took over 50 ms, and accuracy is sane (finite,
// >= 98.5 % at the end, never more than 1 point below its best). Not part of `npm test`.
// Writes bench/results/soak-<UTC timestamp>.json.
//
//   node bench/soak.mjs [--epochs 10] [--preset keras-book] [--threads N]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveSite } from './lib/site.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const epochs = Number(opt('epochs', 10));
const preset = opt('preset', 'keras-book');
const threads = opt('threads', null);
if (!(epochs >= 3)) throw new Error('--epochs must be at least 3 (epoch 2 is the baseline)');
const base = await serveSite(root);

// RSS of the Chromium processes this script started (descendants of this process), in bytes.
function chromiumRss() {
  const parent = new Map();
  const rss = new Map();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      parent.set(pid, /^PPid:\s+(\d+)/m.exec(status)?.[1]);
      if (/^Name:\s+chrom/m.test(status))
        rss.set(pid, 1024 * Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0));
    } catch {}
  }
  const mine = (pid) => {
    for (let p = pid, n = 0; p && n < 50; p = parent.get(p), n++)
      if (p === String(process.pid)) return true;
    return false;
  };
  let total = 0;
  for (const [pid, bytes] of rss) if (mine(pid)) total += bytes;
  return total;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  // Eager measurement: measureUserAgentSpecificMemory answers at once instead of at the next GC.
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--enable-blink-features=ForceEagerMeasureMemory',
  ],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
const page = await context.newPage();
page.on('crash', () => console.error('soak: the page crashed'));
page.on('pageerror', (e) => console.error(`soak: page error: ${e.message}`));
await page.addInitScript(() => {
  window.longTasks = [];
  new PerformanceObserver((l) => {
    for (const e of l.getEntries())
      window.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
});
await page.goto(`${base}#preset=${preset}&epochs=${epochs}`);
await page
  .getByTestId('data-info')
  .filter({ hasText: '60,000 training' })
  .waitFor({ timeout: 300_000 });
if (threads) await page.getByTestId('threads').locator('select').selectOption(String(threads));
const isolated = await page.evaluate(() => self.crossOriginIsolated);

const snapshot = () =>
  page.evaluate(async () => {
    const find = (r, id) => {
      const el = r.querySelector(`[data-testid="${id}"]`);
      if (el) return el;
      for (const e of r.querySelectorAll('*')) {
        const f = e.shadowRoot && find(e.shadowRoot, id);
        if (f) return f;
      }
      return null;
    };
    const acc = find(document, 'test-accuracy');
    const stats = find(document, 'train-stats')?.textContent.replace(/\s+/g, ' ') ?? '';
    return {
      accuracy: acc ? Number(acc.dataset.value) : null,
      count: acc
        ? Number(/on\s+([\d,]+)\s+images/.exec(acc.textContent)?.[1].replace(/,/g, ''))
        : null,
      epoch: Number(/Epoch ([\d.]+) of/.exec(stats)?.[1]),
      state: find(document, 'train-state')?.textContent ?? '',
    };
  });
// The measurement's own main-thread time (the browser's memory walk) is kept out of the long-task
// check: its windows are recorded and tasks overlapping them are not the page's.
// The browser's own measurement takes tens of seconds while the engine trains, so it is taken at
// epoch 2 and after the last epoch only; the cheap measures are taken at every epoch.
const measure = (full) =>
  page.evaluate(async (full) => {
    const start = performance.now();
    const client = document.querySelector('cnn-playground').client;
    const heap = await client.request('engine/memory', {});
    let ua = null;
    if (full && self.crossOriginIsolated && performance.measureUserAgentSpecificMemory)
      ua = (await performance.measureUserAgentSpecificMemory()).bytes;
    (window.measureWindows ??= []).push([start, performance.now()]);
    return {
      wasmBytes: heap.bytes,
      wasmMax: heap.max,
      uaBytes: ua,
      jsHeapUsed: performance.memory?.usedJSHeapSize ?? null,
    };
  }, full);

const select = page.getByTestId('threads').locator('select');
const engine = (await select.count())
  ? `${await select.inputValue()} threads`
  : (await page.getByTestId('threads').textContent()).replace(/\s+/g, ' ').trim();
console.log(
  `soak: ${preset}, ${epochs} epochs in Chromium (cross-origin isolated: ${isolated}; ${engine})`,
);
const t0 = Date.now();
const trainAt = await page.evaluate(() => performance.now()); // long tasks count from here
await page.getByTestId('train').click();
const rows = [];
let seen = 0;
for (;;) {
  const s = await snapshot();
  const finished = /Done/.test(s.state);
  // An epoch has ended when the full test set's accuracy for it shows.
  if (s.count === 10000 && Math.floor(s.epoch + 1e-9) > seen) {
    seen = Math.floor(s.epoch + 1e-9);
    const m = await measure(seen === 2 || seen >= epochs);
    const row = {
      epoch: seen,
      seconds: (Date.now() - t0) / 1000,
      accuracy: s.accuracy,
      ...m,
      rssBytes: chromiumRss(),
    };
    rows.push(row);
    const mb = (b) => (b == null ? '-' : (b / 1048576).toFixed(1) + ' MB');
    console.log(
      `  epoch ${String(seen).padStart(2)}  ${row.seconds.toFixed(0).padStart(5)} s  accuracy ${(100 * row.accuracy).toFixed(2)}%  wasm heap ${mb(row.wasmBytes)}  page JS heap ${mb(row.jsHeapUsed)}  page memory ${mb(row.uaBytes)}  Chromium RSS ${mb(row.rssBytes)}`,
    );
  }
  if (finished && seen >= epochs) break;
  if (Date.now() - t0 > epochs * 10 * 60_000) throw new Error('the soak did not finish in time');
  await page.waitForTimeout(500);
}
const long = await page.evaluate(
  (from) =>
    window.longTasks.filter(
      (t) =>
        t.start >= from &&
        !(window.measureWindows ?? []).some(
          ([a, b]) => t.start < b + 50 && t.start + t.duration > a - 50,
        ),
    ),
  trainAt,
);
await browser.close();

const at = (e) => rows.find((r) => r.epoch === e);
const base2 = at(2),
  last = at(epochs);
const growth = (k) => (base2?.[k] && last?.[k] ? last[k] / base2[k] - 1 : null);
const best = Math.max(...rows.map((r) => r.accuracy));
const checks = [
  // Growth is what a leak shows; the garbage collector may leave less behind at the end.
  ...['wasmBytes', 'uaBytes', 'jsHeapUsed', 'rssBytes'].map((k) => ({
    what: `${k}: epoch ${epochs} at most 5 % above epoch 2`,
    value: growth(k),
    pass: growth(k) !== null && growth(k) <= 0.05,
  })),
  {
    what: 'no main-thread task over 50 ms while training',
    value: long.length ? Math.max(...long.map((t) => t.duration)) : 0,
    pass: long.length === 0,
  },
  {
    what: 'accuracy finite, >= 98.5 % at the end, never 1 point below its best after',
    value: last?.accuracy,
    pass:
      rows.every((r) => Number.isFinite(r.accuracy)) &&
      last?.accuracy >= 0.985 &&
      rows.every((r, i) =>
        rows
          .slice(i)
          .every(
            (q) => q.accuracy >= Math.max(...rows.slice(0, i + 1).map((x) => x.accuracy)) - 0.01,
          ),
      ),
  },
];
console.log('');
for (const c of checks)
  console.log(
    `${c.pass ? 'PASS' : 'FAIL'}  ${c.what}: ${typeof c.value === 'number' ? (Math.abs(c.value) < 1 ? (100 * c.value).toFixed(2) + ' %' : c.value.toFixed(1)) : c.value}`,
  );
const stamp = new Date()
  .toISOString()
  .replace(/[-:]/g, '')
  .replace(/\.\d+Z$/, 'Z');
const file = path.join(root, 'bench/results', `soak-${stamp}.json`);
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(
  file,
  JSON.stringify(
    { preset, epochs, isolated, engine, rows, longTasks: long, best, checks },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${path.relative(root, file)}`);
process.exit(checks.every((c) => c.pass) ? 0 : 1);
