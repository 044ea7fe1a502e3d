// The explainer's presets and the output-size rule written out as sentences (the formula line,
// TensorFlow's SAME and VALID rules) with the numbers the core answered. Display text only: the
// convolution, its output size, the padding it really uses and what is wrong with a combination
// always come from the core.
import type { Padding } from '../worker/protocol';

export type PresetName =
  'cs231n' | 'tf-valid-1' | 'tf-same-1' | 'tf-same-2' | 'tf-valid-2' | 'multichannel';
export const PRESET_NAMES: PresetName[] = [
  'cs231n',
  'tf-valid-1',
  'tf-same-1',
  'tf-same-2',
  'tf-valid-2',
  'multichannel',
];
export const PRESET_LABELS: Record<PresetName, string> = {
  cs231n: 'cs231n demo: 5×5×3, two 3×3×3 filters, stride 2, pad 1',
  'tf-valid-1': 'tf.nn.conv2d 5×5, 3×3, VALID, stride 1',
  'tf-same-1': 'tf.nn.conv2d 5×5, 3×3, SAME, stride 1',
  'tf-same-2': 'tf.nn.conv2d 5×5, 3×3, SAME, stride 2',
  'tf-valid-2': 'tf.nn.conv2d 5×5, 3×3, VALID, stride 2',
  multichannel: 'multi-channel: 5×5×5 input, one 3×3×5 filter',
};

/** A square toy problem: input [W, W, C], K filters [F, F, C, K], stride S. */
export interface ConvSetup {
  W: number;
  C: number;
  F: number;
  K: number;
  S: number;
  padding: Padding;
  input: Float32Array;
  kernel: Float32Array;
  bias: Float32Array;
}

/** The numbers of a setup, from the same formulas as tests/native/kernels_known_values_test.cpp. */
export function fillSetup(
  W: number,
  C: number,
  F: number,
  K: number,
  S: number,
  padding: Padding,
  cs231n: boolean,
): ConvSetup {
  const input = new Float32Array(W * W * C);
  for (let r = 0; r < W; r++)
    for (let c = 0; c < W; c++)
      for (let ch = 0; ch < C; ch++) input[(r * W + c) * C + ch] = (r * W + c + ch) % 3;
  const kernel = new Float32Array(F * F * C * K);
  for (let ky = 0; ky < F; ky++)
    for (let kx = 0; kx < F; kx++)
      for (let ch = 0; ch < C; ch++)
        for (let k = 0; k < K; k++) {
          const v = k % 2 === 0 ? (ky * 3 + kx + 2 * ch) % 3 : (ky + 2 * kx + ch) % 3;
          kernel[((ky * F + kx) * C + ch) * K + k] = v - 1;
        }
  const bias = new Float32Array(K);
  if (cs231n) bias[0] = 1;
  return { W, C, F, K, S, padding, input, kernel, bias };
}

export function presetSetup(name: PresetName): ConvSetup {
  switch (name) {
    case 'cs231n':
      return fillSetup(5, 3, 3, 2, 2, 1, true);
    case 'tf-valid-1':
      return fillSetup(5, 1, 3, 1, 1, 'valid', false);
    case 'tf-same-1':
      return fillSetup(5, 1, 3, 1, 1, 'same', false);
    case 'tf-same-2':
      return fillSetup(5, 1, 3, 1, 2, 'same', false);
    case 'tf-valid-2':
      return fillSetup(5, 1, 3, 1, 2, 'valid', false);
    case 'multichannel':
      return fillSetup(5, 5, 3, 1, 1, 'valid', false);
  }
}

/** The output-size rule written out for one side, and a note when it is surprising. */
export interface Formula {
  /** The rule with the actual numbers, one line. */
  formula: string;
  /** Why part of the padded input is never covered, one sentence; '' when all of it is. */
  note: string;
}

/**
 * Writes the rule for a side of length W, kernel F, stride S with the numbers the core answered:
 * its output size `out` and the padding it used before and after (for explicit padding, P is the
 * padding before). Display text only: the rules themselves are the core's window geometry.
 */
export function formula(
  W: number,
  F: number,
  S: number,
  padding: Padding,
  out: number,
  padBefore: number,
  padAfter: number,
): Formula {
  if (padding === 'same') {
    const total = padBefore + padAfter;
    return {
      formula:
        `SAME: out = ceil(W/S) = ceil(${W}/${S}) = ${out}; pad total = max((out − 1)·S + F − W, 0) = max(${out - 1}·${S} + ${F} − ${W}, 0) = ${total}; ` +
        `pad top/left = floor(${total}/2) = ${padBefore}, bottom/right = ${padAfter}${padAfter > padBefore ? ' (the extra pixel goes bottom/right)' : ''}`,
      note: '',
    };
  }
  if (padding === 'valid')
    return {
      formula: `VALID: out = ceil((W − F + 1)/S) = ceil((${W} − ${F} + 1)/${S}) = ${out}`,
      note: '',
    };
  const P = padBefore;
  const num = W - F + 2 * P;
  const exact = num / S + 1;
  const unused = num % S;
  return {
    formula: `(W − F + 2P)/S + 1 = (${W} − ${F} + 2·${P})/${S} + 1 = ${fmt(exact)}${Number.isInteger(exact) ? '' : ` → floor → ${out}`}`,
    note: unused
      ? `(W − F + 2P)/S = ${num}/${S} is not an integer: the core takes the floor (${out} positions) and the last ${unused} row(s)/column(s) of the padded input are never covered by a window` +
        (padAfter < P ? ` (it pads ${padAfter} after, not ${P}).` : '.')
      : '',
  };
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3).replace(/0+$/, '') : v.toPrecision(3);
}

/** A factor in a product: negative numbers in parentheses, "0·(−1)". */
export function term(v: number): string {
  return v < 0 ? `(−${fmt(-v)})` : fmt(v);
}

export function paddingLabel(p: Padding): string {
  return p === 'same' || p === 'valid' ? p.toUpperCase() : `pad ${p}`;
}
