// Turns the core's evaluation of the test set into what the page shows: the confusion matrix,
// per-class accuracy, a capped list of misclassified examples per cell, the least sure examples,
// and their images (bytes cut from the raw IDX files and transferred). No arithmetic on the
// model happens here: predictions and probabilities are the core's.
import type { WasmEvalResult } from '../wasm/cnn.js';
import type { DataInfo, EvalReport, ExampleRef } from './protocol';

export const PER_CELL_LIMIT = 24;
export const LEAST_SURE_COUNT = 24;

/** Byte offset of the first item in an IDX file (4-byte magic, then 4 bytes per dimension). */
function idxDataOffset(idx: Uint8Array): number {
  return 4 + 4 * idx[3];
}

/** The raw test set the worker keeps beside the trainer, for galleries. */
export interface TestSet {
  images: Uint8Array; // IDX bytes
  labels: Uint8Array; // IDX bytes
}

export function buildReport(
  e: WasmEvalResult,
  step: number,
  epoch: number,
  test: TestSet,
  info: DataInfo,
): EvalReport {
  const C = e.classes;
  const px = info.rows * info.cols;
  const imageAt = idxDataOffset(test.images);
  const labelAt = idxDataOffset(test.labels);
  const picked: number[] = [];
  const ref = (index: number): ExampleRef => {
    const probs = Array.from(
      e.probs.subarray(index * C, index * C + C),
      (p) => Math.round(p * 1e4) / 1e4,
    );
    picked.push(index);
    return {
      index,
      label: test.labels[labelAt + index],
      predicted: e.predicted[index],
      probs,
      image: picked.length - 1,
    };
  };

  const perCell = new Map<number, number>();
  const misclassified: ExampleRef[] = [];
  for (const index of e.misclassified) {
    const cell = test.labels[labelAt + index] * C + e.predicted[index];
    const n = perCell.get(cell) ?? 0;
    if (n >= PER_CELL_LIMIT) continue;
    perCell.set(cell, n + 1);
    misclassified.push(ref(index));
  }

  // The least sure: lowest top probability, found with a small insertion-sorted list.
  const worst: Array<[number, number]> = []; // [top probability, index]
  for (let i = 0; i < e.count; i++) {
    let top = 0;
    for (let c = 0; c < C; c++) top = Math.max(top, e.probs[i * C + c]);
    if (worst.length === LEAST_SURE_COUNT && top >= worst[worst.length - 1][0]) continue;
    let j = worst.length;
    if (j === LEAST_SURE_COUNT) (worst.pop(), j--);
    while (j > 0 && worst[j - 1][0] > top) j--;
    worst.splice(j, 0, [top, i]);
  }
  const leastSure = worst.map(([, i]) => ref(i));

  const pixels = new Uint8Array(picked.length * px);
  picked.forEach((index, k) =>
    pixels.set(test.images.subarray(imageAt + index * px, imageAt + (index + 1) * px), k * px),
  );

  return {
    step,
    epoch,
    count: e.count,
    total: Math.max(info.testTotal, e.count),
    classes: C,
    loss: e.loss,
    accuracy: e.accuracy,
    perClass: Array.from(e.perClass),
    classCount: Array.from(e.classCount),
    confusion: Array.from(e.confusion),
    misclassified,
    perCellLimit: PER_CELL_LIMIT,
    leastSure,
    images: { rows: info.rows, cols: info.cols, pixels },
  };
}
