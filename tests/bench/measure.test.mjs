// Node tests of the benchmarks' timing helper (bench/lib/measure.mjs): the warm-up runs for at
// least its count and its seconds and is left out of the figure, which counts only timed calls.
//   node --test tests/bench/
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { throughput } from '../../bench/lib/measure.mjs';

// A step that takes about `ms` milliseconds and records when each call started.
function recorder(ms) {
  const starts = [];
  const step = () => {
    const t0 = performance.now();
    starts.push(t0);
    while (performance.now() - t0 < ms);
  };
  return { starts, step };
}

test('the warm-up lasts at least warmupSeconds and its calls are not timed', async () => {
  const { starts, step } = recorder(5);
  const r = await throughput(step, 10, {
    warmup: 2,
    warmupSeconds: 0.2,
    seconds: 0.1,
    minCalls: 3,
  });
  assert.ok(r.warmupCalls >= 2);
  assert.equal(starts.length, r.warmupCalls + r.calls);
  // The first timed call starts after the warm-up's 0.2 s.
  assert.ok(
    starts[r.warmupCalls] - starts[0] >= 200,
    `warm-up ended after ${starts[r.warmupCalls] - starts[0]} ms`,
  );
  assert.ok(r.calls >= 3 && r.seconds >= 0.1);
  // The figure is the timed calls' examples over the timed seconds (no bound on the speed itself:
  // a busy machine stretches every call).
  assert.equal(r.examplesPerS, (r.calls * 10) / r.seconds);
});

test('without warmupSeconds the warm-up is its count of calls', async () => {
  const { starts, step } = recorder(1);
  const r = await throughput(step, 1, { warmup: 3, seconds: 0.05, minCalls: 2 });
  assert.equal(r.warmupCalls, 3);
  assert.equal(starts.length, 3 + r.calls);
});

test('beforeTiming runs once, after the warm-up and before the first timed call', async () => {
  const { starts, step } = recorder(1);
  let gateAt = null,
    callsAtGate = null;
  const r = await throughput(step, 1, {
    warmup: 2,
    seconds: 0.05,
    minCalls: 2,
    // an asynchronous gate, as the concurrent trainings' workers wait for the page's 'go'
    beforeTiming: async () => {
      assert.equal(gateAt, null, 'beforeTiming ran twice');
      callsAtGate = starts.length;
      await new Promise((resolve) => setTimeout(resolve, 30));
      gateAt = performance.now();
    },
  });
  assert.equal(callsAtGate, r.warmupCalls);
  assert.ok(starts[r.warmupCalls] >= gateAt, 'a timed call started before the gate opened');
  // The time spent waiting at the gate is not in the timed seconds.
  assert.ok(r.seconds * 1000 <= performance.now() - gateAt + 1);
});
