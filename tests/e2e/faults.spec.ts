// Faults and hostile input: each gives the user one sentence saying what is wrong and where, and
// loses nothing (the trained model, the page and the worker survive). Hostile files are refused
// before they are read; the engine's memory has a maximum and reaching it is a sentence; storage a
// private window refuses is said once; a shard cut short mid-way is fetched afresh by Retry; the
// worker killed mid-epoch or mid-save comes back with the model; a damaged backup is dropped on
// reload; page and worker check each other's protocol version; and 200 random model specs each
// train a step or are refused with a sentence naming the layer, without the worker dying.
// (A shard that fails with an HTTP error is stream.spec.ts's; a step too big for memory is
// memory.spec.ts's; a killed worker while paused is playground.spec.ts's.)
import { expect, test, type Page } from '@playwright/test';
import { closeSync, ftruncateSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { openPlayground, shot, stepCount } from './helpers';

// These tests change files on their way with page.route (the worker script, shards), which does
// not see what the page's service worker answers from its cache: no service worker here, as
// Playwright advises (offline.spec.ts tests it).
test.use({ serviceWorkers: 'block' });

const MB = 1024 * 1024;

/** An IDX image header: magic 0x803, then count, rows, cols (big-endian). */
function imagesHeader(count: number, rows = 28, cols = 28): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(0x803, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(rows, 8);
  b.writeUInt32BE(cols, 12);
  return b;
}

function labelsFile(count: number): Buffer {
  const b = Buffer.alloc(8 + count);
  b.writeUInt32BE(0x801, 0);
  b.writeUInt32BE(count, 4);
  return b;
}

/** Four IDX files on disk (the first one given), for the file input. */
function idxFiles(trainImages: { name: string; write: (path: string) => void }): string[] {
  const dir = test.info().outputPath();
  const files: Array<[string, (p: string) => void]> = [
    [trainImages.name, trainImages.write],
    ['train-labels-idx1-ubyte', (p) => writeFileSync(p, labelsFile(1))],
    [
      't10k-images-idx3-ubyte',
      (p) => writeFileSync(p, Buffer.concat([imagesHeader(1), Buffer.alloc(784)])),
    ],
    ['t10k-labels-idx1-ubyte', (p) => writeFileSync(p, labelsFile(1))],
  ];
  return files.map(([name, write]) => {
    const path = `${dir}/${name}`;
    write(path);
    return path;
  });
}

async function chooseFiles(
  page: Page,
  paths: string[] | Array<{ name: string; mimeType: string; buffer: Buffer }>,
): Promise<void> {
  await page.getByLabel(/Load your own IDX files/).setInputFiles(paths);
}

test('hostile data files are refused before they are read: 300 MB, 10^9 images, a gzip bomb', async ({
  page,
}) => {
  await openPlayground(page, '#preset=tiny');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  const error = page.getByTestId('data-error');

  // 300 MB (a sparse file: the disk holds nothing, the browser sees its size).
  await chooseFiles(
    page,
    idxFiles({
      name: 'train-images-idx3-ubyte',
      write: (p) => {
        const fd = openSync(p, 'w');
        ftruncateSync(fd, 300 * MB);
        closeSync(fd);
      },
    }),
  );
  await expect(error).toHaveText(
    "train-images-idx3-ubyte is 300 MB, more than the 200 MB an IDX file may have here (MNIST's largest is 45 MB); nothing was read and the data in use was kept.",
  );
  await shot(page, 'faults-300mb-file');

  // A header that claims 10^9 images in a 1 kB file: the core refuses it by its header.
  await chooseFiles(
    page,
    idxFiles({
      name: 'train-images-idx3-ubyte',
      write: (p) => writeFileSync(p, Buffer.concat([imagesHeader(1e9), Buffer.alloc(1000)])),
    }),
  );
  await expect(error).toHaveText(
    'train-images-idx3-ubyte (training images): oversized dimension: the header says 1000000000 images (at most 10000000); the data in use was kept.',
  );

  // 230 kB of gzip that would unpack to 230 MB: stopped while unpacking, past 200 MB.
  await chooseFiles(
    page,
    idxFiles({
      name: 'train-images-idx3-ubyte.gz',
      write: (p) => writeFileSync(p, gzipSync(Buffer.alloc(230 * MB))),
    }),
  );
  await expect(error).toHaveText(
    'train-images-idx3-ubyte.gz unpacks to more than 200 MB, more than an IDX file may have here; the data in use was kept.',
  );

  // Nothing was lost: MNIST and the model are still in use, and training goes on.
  await expect(page.getByTestId('data-info')).toContainText('MNIST: 60,000 training');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(2);
  await expect(page.getByTestId('banner')).toHaveCount(0);
});

test('gzip IDX uploads are unpacked by the browser; a cut-short or damaged .gz is one sentence', async ({
  page,
}) => {
  await openPlayground(page, '#preset=tiny');
  const error = page.getByTestId('data-error');
  const subset = 'tests/data/mnist-small/';
  const names = [
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
  ];
  const gz = names.map((n) => readFileSync(`${subset}${n}.gz`));
  const files = (trainImages: Buffer) =>
    names.map((n, i) => ({
      name: `${n}.gz`,
      mimeType: 'application/gzip',
      buffer: i === 0 ? trainImages : gz[i],
    }));

  // The four .gz files of the test subset: DecompressionStream unpacks them, the core reads them.
  await chooseFiles(page, files(gz[0]));
  await expect(page.getByTestId('data-info')).toContainText('1,000 training and 500 test');
  await expect(error).toHaveCount(0);
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);

  // Cut short: the stream ends inside the compressed data.
  await chooseFiles(page, files(gz[0].subarray(0, gz[0].length >> 1)));
  await expect(error).toHaveText(
    'train-images-idx3-ubyte.gz is not a valid gzip file (the compressed data is damaged or cut short); the data in use was kept.',
  );
  // Damaged: bytes in the middle of the compressed data changed.
  const damaged = Buffer.from(gz[0]);
  for (let i = 100; i < 400; i++) damaged[i] ^= 0x5a;
  await chooseFiles(page, files(damaged));
  await expect(error).toHaveText(
    'train-images-idx3-ubyte.gz is not a valid gzip file (the compressed data is damaged or cut short); the data in use was kept.',
  );
  // The subset is still the data in use, and training goes on.
  await expect(page.getByTestId('data-info')).toContainText('1,000 training and 500 test');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(2);
});

test("a model larger than the engine's memory is one sentence, and the model in use stays", async ({
  page,
}) => {
  await openPlayground(page, '#preset=tiny');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  // Eight dense layers of 8192 x 8192 (each under the per-layer limit): 2.1 GB of weights, more
  // than the wasm module may ever grow to (2 GB). The engine grows to its maximum and stops there.
  const wide = { type: 'dense', units: 8192, activation: 'relu' };
  const spec = {
    input: [28, 28, 1],
    layers: [
      { type: 'flatten' },
      ...Array.from({ length: 8 }, () => wide),
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    batch_size: 1,
  };
  await page.getByRole('tab', { name: 'JSON' }).click();
  await page.getByLabel('Model spec as JSON').fill(JSON.stringify(spec));
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByTestId('spec-error')).toHaveText(
    "this model's weights do not fit in the memory the engine can have; use fewer filters or units",
    { timeout: 60_000 },
  );
  await expect(page.getByTestId('banner')).toHaveCount(0);
  // The worker is alive and the trained model is the one in use.
  await page.getByRole('tab', { name: 'Summary' }).click();
  await expect(page.getByTestId('total-params')).toHaveText('5,994');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(2);
});

/**
 * Serves the worker script with `prelude` run first (or `body` instead of it), keeping the site's
 * headers: under COEP a worker script without them would not start at all.
 */
async function patchWorker(page: Page, change: { prelude?: string; body?: string }): Promise<void> {
  await page.route(/\/assets\/worker-[\w-]+\.js$/, async (route) => {
    const response = await route.fetch();
    const body = change.body ?? `${change.prelude ?? ''}\n${await response.text()}`;
    await route.fulfill({ response, body });
  });
}

const QUOTA = "new DOMException('The quota has been exceeded.', 'QuotaExceededError')";

test('storage refused: no Cache API, IndexedDB over quota, and the reverse; the page works and says nothing is kept', async ({
  page,
}) => {
  const notKeptData =
    'This browser does not let the page keep MNIST for offline use (private window, storage full or blocked): it downloads again on the next visit.';
  const notKeptModel =
    'This browser does not let the page keep the model (private window, storage full or blocked): it is lost on reload unless you download it.';
  // The worker has no Cache API; the page's IndexedDB refuses every write as over quota.
  await patchWorker(page, {
    prelude: "Object.defineProperty(self, 'caches', { value: undefined });",
  });
  await page.addInitScript(`IDBObjectStore.prototype.put = function () { throw ${QUOTA}; };`);
  await openPlayground(page, '#preset=tiny');
  await expect(page.getByTestId('data-not-kept')).toHaveText(notKeptData);
  for (let i = 1; i <= 3; i++) {
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(i);
  }
  await expect(page.getByTestId('model-stored')).toHaveText(notKeptModel);
  await shot(page, 'faults-storage-refused');
  await expect(page.getByTestId('banner')).toHaveCount(0);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('model-download').click(),
  ]);
  expect(download.suggestedFilename()).toBe('tiny-step3.safetensors');

  // The reverse: the cache refuses every file as over quota, and there is no IndexedDB at all.
  const other = await page.context().newPage();
  await patchWorker(other, {
    prelude: `Cache.prototype.put = function () { return Promise.reject(${QUOTA}); };`,
  });
  await other.addInitScript(() => Object.defineProperty(window, 'indexedDB', { value: undefined }));
  await openPlayground(other, '#preset=tiny');
  await expect(other.getByTestId('data-not-kept')).toHaveText(notKeptData);
  await other.getByTestId('step').click();
  await expect.poll(() => stepCount(other)).toBe(1);
  await expect(other.getByTestId('model-stored')).toHaveText(notKeptModel);
  await expect(other.getByTestId('banner')).toHaveCount(0);
});

test('a shard cut short mid-way: one sentence, training goes on, Retry downloads it afresh', async ({
  page,
}) => {
  test.setTimeout(3 * 60_000);
  let cut = true;
  let requests = 0;
  await page.route('**/data/mnist/train-images-04-idx3-ubyte.gz', async (route) => {
    requests++;
    if (!cut) return route.continue();
    const response = await route.fetch();
    const body = await response.body();
    await route.fulfill({ response, body: body.subarray(0, body.length >> 1) });
  });
  await page.goto('/#preset=tiny');
  const error = page.getByTestId('data-stream-error');
  await expect(error).toHaveText(
    'MNIST training images 18,001–24,000 did not arrive: train-images-04-idx3-ubyte.gz was cut short or damaged on the way; the page goes on with the 18,000 training images that did.',
    { timeout: 60_000 },
  );
  await shot(page, 'faults-shard-cut-short');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  cut = false;
  await page.getByTestId('data-retry').click();
  await expect(page.getByTestId('data-info')).toContainText(
    '60,000 training and 10,000 test images',
    { timeout: 60_000 },
  );
  await expect(error).toHaveCount(0);
  // The damaged copy was not kept in the cache: the retry went to the network.
  expect(requests).toBe(2);
  expect(await stepCount(page)).toBe(1);
});

/** The step of the last model the page kept in this browser ("Kept in this browser (step N)."). */
async function keptStep(page: Page): Promise<number> {
  const text = (await page.getByTestId('model-stored').textContent()) ?? '';
  const m = /\(step ([\d,]+)/.exec(text);
  return m ? Number(m[1].replace(/,/g, '')) : -1;
}

test('the worker killed mid-epoch and mid-save comes back with the model', async ({ page }) => {
  test.setTimeout(3 * 60_000);
  await openPlayground(page, '#preset=tiny');
  const banner = page.getByTestId('banner').locator('span');
  await page.getByTestId('train').click();
  // While it trains the page keeps a copy (at the first sampled evaluation, then every 15 s).
  await expect.poll(() => keptStep(page), { timeout: 60_000 }).toBeGreaterThan(0);
  const kept = await keptStep(page);
  await expect(page.getByTestId('train-state')).toHaveText('Training');
  await page.evaluate(() =>
    document
      .querySelector('cnn-playground')!
      .crashWorkerForTesting()
      .catch(() => {}),
  );
  await expect(banner).toHaveText(
    /^The training worker crashed \(.+\); a new one was started and the model from step [\d,]+ restored\.$/,
  );
  const restored = Number(
    /from step ([\d,]+)/.exec((await banner.textContent())!)![1].replace(/,/g, ''),
  );
  expect(restored).toBeGreaterThanOrEqual(kept);
  await expect(page.getByTestId('train-state')).toHaveText('Paused');
  await expect.poll(() => stepCount(page)).toBe(restored);
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(restored + 1);
  const saved = restored + 1;

  // Killed while saving (the Download button's save): the recovery says so once, and the model
  // of the last backup (this step: a step is backed up when it ends) comes back.
  await expect(page.getByTestId('banner')).toHaveCount(0); // the step cleared it
  await expect(page.getByTestId('model-stored')).toContainText(
    `step ${saved.toLocaleString('en-US')}`,
  );
  await page.evaluate(() =>
    document.querySelector('cnn-playground')!.crashWorkerForTesting('model/save'),
  );
  await page.getByTestId('model-download').click();
  await expect(banner).toContainText(
    `a new one was started and the model from step ${saved.toLocaleString('en-US')} restored.`,
  );
  await expect(page.getByTestId('model-file-error')).toHaveCount(0);
  await shot(page, 'faults-worker-killed-mid-save');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('model-download').click(),
  ]);
  expect(download.suggestedFilename()).toBe(`tiny-step${saved}.safetensors`);
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(saved + 1);
});

test('a damaged model in IndexedDB on reload: one sentence, a fresh model, and it is gone', async ({
  page,
}) => {
  await openPlayground(page, '#preset=tiny');
  for (let i = 1; i <= 3; i++) {
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(i);
  }
  await expect(page.getByTestId('model-stored')).toContainText('Kept in this browser (step 3)');
  // Cut the stored file in half, as a write that never finished would leave it.
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('cnn-playground', 1);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('models', 'readwrite');
          const store = tx.objectStore('models');
          const get = store.get('current');
          get.onsuccess = () => {
            const m = get.result as { bytes: ArrayBuffer };
            m.bytes = m.bytes.slice(0, m.bytes.byteLength >> 1);
            store.put(m, 'current');
          };
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
  await page.reload();
  const notice = page.getByTestId('notice').locator('span');
  await expect(notice).toContainText(
    /^The model kept in this browser was damaged and has been removed \(the stored copy: .+\); the page starts with a fresh model\.$/,
    { timeout: 60_000 },
  );
  await shot(page, 'faults-damaged-backup');
  await expect(page.getByTestId('data-info')).toContainText('60,000', { timeout: 60_000 });
  expect(await stepCount(page)).toBe(0);
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await expect(page.getByTestId('banner')).toHaveCount(0);
});

test('page and worker of different protocol versions: one sentence, no misread messages', async ({
  page,
}) => {
  // The worker side: a request from a page of another version is refused with code 'protocol'.
  await openPlayground(page, '#preset=tiny');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  const reply = await page.evaluate(
    () =>
      new Promise<{ ok: boolean; code?: string; error?: string }>((resolve) => {
        const w = (
          document.querySelector('cnn-playground') as unknown as { client: { worker: Worker } }
        ).client.worker;
        const onReply = (ev: MessageEvent) => {
          if (ev.data?.id !== -7) return;
          w.removeEventListener('message', onReply);
          resolve(ev.data);
        };
        w.addEventListener('message', onReply);
        w.postMessage({ type: 'model/reset', id: -7, protocol: 2 });
      }),
  );
  expect(reply.ok).toBe(false);
  expect(reply.code).toBe('protocol');
  expect(reply.error).toBe(
    "The page and its training worker are from different versions (the page speaks protocol 2, the worker 4), most likely an old copy in the browser's cache: reload the page.",
  );
  expect(await stepCount(page)).toBe(1); // the reset was not done

  // The page side: a stale worker (protocol 2, from an old cache) is refused at init.
  await patchWorker(page, {
    body: `self.onmessage = (ev) => {
      if (ev.data.type === 'init') self.postMessage({ type: 'reply', id: ev.data.id, ok: true,
        result: { version: 2, presets: {}, variant: 'wasmsimd', threads: { threads: 1, max: 1, why: '' } } });
    };`,
  });
  await page.reload();
  await expect(page.getByTestId('banner').locator('span')).toHaveText(
    "The page and its training worker are from different versions (the page speaks protocol 4, the worker 2), most likely an old copy in the browser's cache: reload the page.",
  );
  await shot(page, 'faults-protocol-mismatch');
});

// ---- 200 random model specs ------------------------------------------------------------------

/** mulberry32: a small seeded generator, so every run makes the same 200 specs. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = Record<string, unknown>;
/** A spec, and what is wrong with it on purpose: a field of layer `layer`, a top-level field, or nothing. */
interface Case {
  spec: Json;
  fault: { layer: number; what: string } | { top: string } | null;
}

function randomCases(n: number, seed: number): Case[] {
  const r = seeded(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const activation = () => pick(['relu', 'tanh', 'sigmoid', 'linear', 'relu']);
  const layer = (): Json => {
    switch (
      pick([
        'conv2d',
        'conv2d',
        'maxpool2d',
        'avgpool2d',
        'lrn',
        'dropout',
        'activation',
        'flatten',
        'dense',
      ] as const)
    ) {
      case 'conv2d':
        return {
          type: 'conv2d',
          filters: int(1, 6),
          kernel: r() < 0.2 ? [int(1, 5), int(1, 5)] : int(1, 7),
          stride: int(1, 3),
          padding: pick(['same', 'valid', 0, 1, 2]),
          activation: activation(),
        };
      case 'maxpool2d':
      case 'avgpool2d':
        return {
          type: pick(['maxpool2d', 'avgpool2d']),
          size: int(1, 4),
          ...(r() < 0.5 ? { stride: int(1, 3) } : {}),
        };
      case 'lrn':
        return { type: 'lrn', depth_radius: int(1, 3) };
      case 'dropout':
        return { type: 'dropout', rate: Math.round(r() * 70) / 100 };
      case 'activation':
        return { type: 'activation', activation: activation() };
      case 'flatten':
        return { type: 'flatten' };
      case 'dense':
        return { type: 'dense', units: int(1, 24), activation: activation() };
    }
  };
  const layerFaults: Array<[string, (l: Json) => void]> = [
    ['filters 0', (l) => ((l.type = 'conv2d'), (l.filters = 0), (l.kernel = 3))],
    ['filters a string', (l) => ((l.type = 'conv2d'), (l.filters = 'eight'), (l.kernel = 3))],
    ['kernel 0', (l) => ((l.type = 'conv2d'), (l.filters = 2), (l.kernel = 0))],
    ['kernel [3]', (l) => ((l.type = 'conv2d'), (l.filters = 2), (l.kernel = [3]))],
    ['no kernel', (l) => ((l.type = 'conv2d'), (l.filters = 2), delete l.kernel)],
    ['stride 0', (l) => ((l.type = 'maxpool2d'), (l.size = 2), (l.stride = 0))],
    [
      'padding "full"',
      (l) => ((l.type = 'conv2d'), (l.filters = 2), (l.kernel = 3), (l.padding = 'full')),
    ],
    ['activation "swish"', (l) => (l.activation = 'swish')],
    ['type "conv3d"', (l) => (l.type = 'conv3d')],
    ['units 0', (l) => ((l.type = 'dense'), (l.units = 0))],
    ['units 1e12', (l) => ((l.type = 'dense'), (l.units = 1e12))],
    ['rate 1.5', (l) => ((l.type = 'dropout'), (l.rate = 1.5))],
    ['a misspelt field', (l) => (l.kernal = 3)],
    ['not an object', (l) => Object.keys(l).forEach((k) => delete l[k])],
  ];
  const topFaults: Array<[string, (s: Json) => void]> = [
    ['optimizer "lbfgs"', (s) => (s.optimizer = { type: 'lbfgs' })],
    ['batch_size 0', (s) => (s.batch_size = 0)],
    ['input [28, 28]', (s) => (s.input = [28, 28])],
    ['layers []', (s) => (s.layers = [])],
    ['loss "mse"', (s) => (s.loss = 'mse')],
  ];
  const cases: Case[] = [];
  for (let c = 0; c < n; c++) {
    const layers = Array.from({ length: int(1, 5) }, layer);
    const end = r();
    if (end < 0.9) layers.push({ type: 'dense', units: 10, activation: 'softmax' });
    else if (end < 0.95) layers.push({ type: 'dense', units: 1, activation: 'softmax' });
    else layers.push({ type: 'dense', units: 10, activation: 'relu' });
    const spec: Json = {
      name: `random-${c}`,
      input: [28, 28, 1],
      layers,
      optimizer: { type: pick(['sgd', 'adam', 'rmsprop']), lr: pick([0.001, 0.01]) },
      batch_size: int(1, 8),
      seed: c,
    };
    const kind = r();
    let fault: Case['fault'] = null;
    if (kind < 0.4) {
      const i = int(0, layers.length - 1);
      const [what, apply] = pick(layerFaults);
      if (what === 'not an object') layers[i] = 'conv' as unknown as Json;
      else apply(layers[i]);
      fault = { layer: i, what };
    } else if (kind < 0.5) {
      const [what, apply] = pick(topFaults);
      apply(spec);
      fault = { top: what };
    }
    cases.push({ spec, fault });
  }
  return cases;
}

interface Outcome {
  ok: boolean;
  stepped: boolean;
  message: string;
  code: string;
  layer: number;
  ms: number;
}

test('200 random model specs each train a step or are refused with a sentence naming the layer', async ({
  page,
}) => {
  test.setTimeout(3 * 60_000);
  const cases = randomCases(200, 13);
  await openPlayground(page, '#preset=tiny');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);

  // All 200 through the worker protocol, as the page's client sends them; a heartbeat on the main
  // thread measures how long the page ever stopped answering.
  const run = await page.evaluate(
    async (specs: string[]) => {
      type Client = { request: (type: string, payload: object) => Promise<unknown> };
      const client = (document.querySelector('cnn-playground') as unknown as { client: Client })
        .client;
      let last = performance.now();
      let worstGap = 0;
      const beat = setInterval(() => {
        const now = performance.now();
        worstGap = Math.max(worstGap, now - last);
        last = now;
      }, 20);
      const outcomes: Outcome[] = [];
      const fail = (e: unknown) => {
        const w = e as { message: string; code?: string; layer?: number };
        return { message: w.message, code: w.code ?? 'none', layer: w.layer ?? -1 };
      };
      for (const spec of specs) {
        const t0 = performance.now();
        try {
          await client.request('model/configure', { spec });
        } catch (e) {
          outcomes.push({ ok: false, stepped: false, ...fail(e), ms: performance.now() - t0 });
          continue;
        }
        try {
          await client.request('train/step', {});
          outcomes.push({
            ok: true,
            stepped: true,
            message: '',
            code: '',
            layer: -1,
            ms: performance.now() - t0,
          });
        } catch (e) {
          outcomes.push({ ok: true, stepped: false, ...fail(e), ms: performance.now() - t0 });
        }
      }
      clearInterval(beat);
      return { outcomes, worstGap };
    },
    cases.map((c) => JSON.stringify(c.spec)),
  );

  const problems: string[] = [];
  const sentence = (o: Outcome) =>
    o.message.length > 10 && !/\n|internal error|\[object|undefined|NaN/.test(o.message);
  run.outcomes.forEach((o, i) => {
    const c = cases[i];
    const where = `spec ${i} (${c.fault ? ('what' in c.fault ? `layer ${c.fault.layer}: ${c.fault.what}` : c.fault.top) : 'no fault'})`;
    if (o.code === 'crashed' || o.code === 'internal')
      problems.push(`${where}: ${o.code}: ${o.message}`);
    if (o.ok && o.stepped) {
      if (c.fault) problems.push(`${where}: accepted and trained`);
      return;
    }
    if (!sentence(o)) problems.push(`${where}: not one sentence: ${JSON.stringify(o.message)}`);
    if (!o.ok) {
      if (o.code !== 'spec')
        problems.push(`${where}: configure refused with code ${o.code}: ${o.message}`);
      // Layer faults name their layer, in the sentence and in the error's layer field.
      if (c.fault && 'what' in c.fault) {
        if (
          !new RegExp(`\\blayer ${c.fault.layer}\\b`).test(o.message) ||
          o.layer !== c.fault.layer
        )
          problems.push(
            `${where}: does not name layer ${c.fault.layer} (layer field ${o.layer}): ${o.message}`,
          );
      } else if (!c.fault) {
        // A spec without a planted fault is refused only for a layer's shape, named.
        const m = /\blayer (\d+) \(\w+\)/.exec(o.message);
        if (!m || Number(m[1]) !== o.layer)
          problems.push(`${where}: refused without naming its layer: ${o.message}`);
      }
    } else if (c.fault) {
      problems.push(`${where}: accepted by configure: ${o.message}`);
    } else if (o.code !== 'state' && o.code !== 'memory' && o.code !== 'diverged') {
      problems.push(`${where}: a step refused with code ${o.code}: ${o.message}`);
    }
  });
  const trained = run.outcomes.filter((o) => o.stepped).length;
  const refusedAtLayer = run.outcomes.filter((o) => !o.ok && o.layer >= 0).length;
  const slowest = Math.max(...run.outcomes.map((o) => o.ms));
  console.log(
    `random specs: ${trained} trained a step, ${run.outcomes.length - trained} refused (${refusedAtLayer} naming a layer); slowest ${slowest.toFixed(0)} ms; longest main-thread gap ${run.worstGap.toFixed(0)} ms`,
  );
  expect(problems).toEqual([]);
  // The generator reaches both outcomes often (a test that cannot fail would not).
  expect(trained).toBeGreaterThan(40);
  expect(refusedAtLayer).toBeGreaterThan(40);
  expect(run.worstGap, 'the longest time the page did not answer (ms)').toBeLessThan(500);
  await expect(page.getByTestId('banner')).toHaveCount(0);

  // Some through the editor, alternating refused and accepted: the same outcome as the worker's.
  const refused = run.outcomes.map((o, i) => ({ o, i })).filter(({ o }) => !o.ok && o.layer >= 0);
  const accepted = run.outcomes.map((o, i) => ({ o, i })).filter(({ o }) => o.stepped);
  await page.getByRole('tab', { name: 'JSON' }).click();
  const editor = page.getByLabel('Model spec as JSON');
  const specError = page.getByTestId('spec-error');
  for (let k = 0; k < 5; k++) {
    const bad = refused[k * 7];
    await editor.fill(JSON.stringify(cases[bad.i].spec, null, 1));
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(specError).toHaveText(bad.o.message);
    const good = accepted[k * 7];
    await editor.fill(JSON.stringify(cases[good.i].spec, null, 1));
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(specError).toHaveCount(0);
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(1);
  }
  // The page still works as before: a preset, a step, no crash.
  await page.locator('cnn-model-panel').getByLabel('Preset').selectOption('tiny');
  await expect(
    page.getByTestId('preset-name').or(page.locator('cnn-model-panel').getByLabel('Preset')),
  ).toBeVisible();
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await expect(page.getByTestId('banner')).toHaveCount(0);
});
