// Timing helpers shared by every system and environment (Node, Web Workers). performance.now()
// is global in both. Every measurement: a warm-up, then repeat until both a minimum time and a
// minimum count are reached.

export const now = () => performance.now();

/**
 * Throughput of `step` (async or not; returns nothing), each call processing `perCall` examples.
 * opts: {warmup: calls before timing, warmupSeconds: and at least this long, seconds: minimum
 * timed duration, minCalls, beforeTiming: awaited between the warm-up and the timing}. Returns
 * {examplesPerS, calls, seconds, warmupCalls}.
 *
 * warmupSeconds is for steady state: V8 compiles a WebAssembly module's hot functions again, in
 * the optimising tier, on background threads during its first second or so of work. With every
 * core busy (2 threads on 2 cores) that compiler takes time from one of them, and a fork-join
 * step waits for the slower thread.
 */
export async function throughput(
  step,
  perCall,
  { warmup = 2, warmupSeconds = 0, seconds = 3, minCalls = 2, beforeTiming } = {},
) {
  const w0 = now();
  let warmupCalls = 0;
  while (warmupCalls < warmup || now() - w0 < warmupSeconds * 1000) {
    await step();
    warmupCalls++;
  }
  if (beforeTiming) await beforeTiming();
  let calls = 0;
  const t0 = now();
  let t = t0;
  while (calls < minCalls || t - t0 < seconds * 1000) {
    await step();
    calls++;
    t = now();
  }
  const s = (t - t0) / 1000;
  return { examplesPerS: (calls * perCall) / s, calls, seconds: s, warmupCalls };
}

/**
 * Single-example latency in ms: the median over many timed groups of consecutive calls. A group
 * is one call when a call takes at least 1 ms, otherwise as many calls as take about 1 ms (browser
 * timers are coarsened to 0.1 ms outside cross-origin isolation), and its time is divided by its
 * size. opts: {warmup, seconds, maxSamples}. Returns {ms, samples, groupSize, p10, p90}.
 */
export async function latency(call, { warmup = 5, seconds = 1.5, maxSamples = 400 } = {}) {
  for (let i = 0; i < warmup; i++) await call();
  const w0 = now(); // calibrate the group size after the warm-up
  let n = 0;
  while (n < 3 || (n < 200 && now() - w0 < 20)) {
    await call();
    n++;
  }
  const single = Math.max((now() - w0) / n, 1e-3);
  const groupSize = single >= 1 ? 1 : Math.min(64, Math.ceil(1 / single));
  const samples = [];
  const t0 = now();
  while (samples.length < 5 || (now() - t0 < seconds * 1000 && samples.length < maxSamples)) {
    const g0 = now();
    for (let i = 0; i < groupSize; i++) await call();
    samples.push((now() - g0) / groupSize);
  }
  samples.sort((a, b) => a - b);
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  const mid = samples.length >> 1;
  const median = samples.length % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
  return { ms: median, samples: samples.length, groupSize, p10: q(0.1), p90: q(0.9) };
}

/** GFLOP/s of a throughput: examples/s * MACs * 2 * (3 when training: forward + two backward). */
export function gflops(examplesPerS, macs, training) {
  return (examplesPerS * macs * 2 * (training ? 3 : 1)) / 1e9;
}

/** Forward multiply-accumulates per example of the two benchmark models (checked against ours). */
export const MODEL_MACS = { 'keras-book': 2794240, tiny: 786560 };

/** Measurement durations (seconds); scale with BENCH_SCALE (e.g. 0.5 for a quick run). */
export function durations(scale = 1) {
  return { warmup: 1 * scale, train: 3 * scale, infer: 2 * scale, latency: 1.5 * scale };
}
