// The training scheduler: trains in chunks of a few batches (about CHUNK_TARGET_MS each) and yields
// between them, so pause, step and hyper-parameter changes land between chunks; evaluates on a
// sample of the test set QUICK_EVALS_PER_EPOCH times an epoch and on all of it at each epoch's
// end; reports steps, examples per second and wall time to the page.
import type { WasmEvalResult, WasmStepResult } from '../wasm/cnn.js';
import { ctx, codeOf, need, post, unwrap } from './engine';
import { buildReport } from './eval-report';
import type { TrainState } from './protocol';

const CHUNK_TARGET_MS = 40;
const QUICK_EVAL_COUNT = 1000;
const QUICK_EVALS_PER_EPOCH = 8;

export const run = {
  state: 'idle' as TrainState,
  msPerStep: 0, // running estimate, sizes the chunks
  stepsPerEpoch: 0,
  epochs: 1,
  batchSize: 1,
  trainMs: 0, // training time since the last reset
  examplesTrained: 0, // examples trained since the last reset
  lastExamplesSeen: null as number | null, // the core's counter at the previous chunk
  wallStart: 0, // performance.now() when the current run started
  wallBefore: 0, // wall time of earlier runs since the last reset
  nextQuickEval: 0, // fractional epoch of the next sampled test evaluation
};

export function readSpecCounts(): void {
  const spec = JSON.parse(need().specJson() || '{}') as { epochs?: number; batch_size?: number };
  run.epochs = spec.epochs ?? 1;
  run.batchSize = spec.batch_size ?? 1;
}

export function setState(s: TrainState, message?: string): void {
  run.state = s;
  const t = ctx.trainer;
  post({ type: 'train/state', state: s, step: t ? t.step() : 0, epochs: run.epochs, message });
}

export function resetCounters(): void {
  run.msPerStep = 0;
  run.trainMs = 0;
  run.examplesTrained = 0;
  run.lastExamplesSeen = null;
  run.wallBefore = 0;
  run.nextQuickEval = 1 / QUICK_EVALS_PER_EPOCH;
}

// Yields to the event loop through a MessageChannel (setTimeout(0) is clamped to 4 ms).
const channel = new MessageChannel();
const waiting: Array<() => void> = [];
channel.port1.onmessage = () => waiting.shift()?.();
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}

function wallNow(): number {
  return run.wallBefore + (run.state === 'running' ? performance.now() - run.wallStart : 0);
}

export function postStep(r: WasmStepResult): void {
  run.stepsPerEpoch = r.stepsPerEpoch;
  run.trainMs += r.ms;
  // Exact counts from the core (the last batch of an epoch may be short).
  run.examplesTrained +=
    run.lastExamplesSeen === null ? r.steps * run.batchSize : r.examplesSeen - run.lastExamplesSeen;
  run.lastExamplesSeen = r.examplesSeen;
  const eps = run.trainMs > 0 ? (run.examplesTrained / run.trainMs) * 1000 : 0;
  post({
    type: 'metrics/step',
    step: r.step,
    epoch: r.epoch + r.epochProgress,
    loss: r.loss,
    accuracy: r.batchAccuracy,
    lr: r.lr,
    examplesPerSec: eps,
    trainMs: run.trainMs,
    wallMs: wallNow(),
    stepsPerEpoch: r.stepsPerEpoch,
    totalSteps: run.epochs * r.stepsPerEpoch,
  });
}

export function evaluate(limit: number, epoch: number): WasmEvalResult {
  const t = need();
  const e = unwrap(t.evaluate(limit));
  const total = Math.max(ctx.dataInfo?.testTotal ?? 0, e.count);
  post({
    type: 'metrics/eval',
    step: t.step(),
    epoch,
    accuracy: e.accuracy,
    loss: e.loss,
    count: e.count,
    total,
  });
  return e;
}

export function fullEvaluation(epoch: number): void {
  const e = evaluate(0, epoch);
  const report = buildReport(e, need().step(), epoch, ctx.testSet!, ctx.dataInfo!);
  post({ type: 'eval/report', report }, [report.images.pixels.buffer]);
}

/** One chunk of training; returns false when the run should stop. */
function trainChunk(): boolean {
  const t = need();
  const before = t.step();
  let n = run.msPerStep > 0 ? Math.round(CHUNK_TARGET_MS / run.msPerStep) : 1;
  n = Math.max(1, Math.min(n, 256));
  if (run.stepsPerEpoch > 0) {
    const inEpoch = before % run.stepsPerEpoch; // exact while the batch size is unchanged
    n = Math.min(n, run.stepsPerEpoch - inEpoch);
  }
  const r = unwrap(t.trainSteps(n));
  const per = r.ms / r.steps;
  run.msPerStep = run.msPerStep > 0 ? 0.7 * run.msPerStep + 0.3 * per : per;
  postStep(r);
  const epochEnd = r.epochProgress >= 1 - 1e-9;
  const at = r.epoch + r.epochProgress;
  if (epochEnd) {
    fullEvaluation(at);
    run.nextQuickEval = r.epoch + 1 + 1 / QUICK_EVALS_PER_EPOCH;
    if (r.epoch + 1 >= run.epochs) return false;
  } else if (at >= run.nextQuickEval) {
    evaluate(Math.min(QUICK_EVAL_COUNT, ctx.dataInfo!.testCount), at);
    run.nextQuickEval = Math.floor(at * QUICK_EVALS_PER_EPOCH + 1) / QUICK_EVALS_PER_EPOCH;
  }
  return true;
}

export async function runLoop(): Promise<void> {
  run.wallStart = performance.now();
  while (run.state === 'running') {
    try {
      if (!trainChunk()) {
        run.wallBefore += performance.now() - run.wallStart;
        setState('done');
        return;
      }
    } catch (e) {
      run.wallBefore += performance.now() - run.wallStart;
      run.state = 'paused';
      const message = e instanceof Error ? e.message : String(e);
      post({ type: 'error', message, code: codeOf(e) });
      setState('paused', message);
      return;
    }
    await yieldToEvents();
  }
  run.wallBefore += performance.now() - run.wallStart;
}

export function finishedAllEpochs(): boolean {
  const t = need();
  return run.stepsPerEpoch > 0 && t.step() >= run.epochs * run.stepsPerEpoch;
}
