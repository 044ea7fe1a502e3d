// The explainer's presets and the output-size arithmetic written out as sentences (the formula
// line, TensorFlow's SAME and VALID rules, what is wrong with a combination). Display text only:
// the convolution itself, and the padding it really uses, always come from the core.
import type { Padding } from '../worker/protocol';

export type PresetName = 'cs231n' | 'tf-valid-1' | 'tf-same-1' | 'tf-same-2' | 'tf-valid-2' | 'multichannel';
export const PRESET_NAMES: PresetName[] = ['cs231n', 'tf-valid-1', 'tf-same-1', 'tf-same-2', 'tf-valid-2', 'multichannel'];
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
export function fillSetup(W: number, C: number, F: number, K: number, S: number, padding: Padding, cs231n: boolean): ConvSetup {
  const input = new Float32Array(W * W * C);
  for (let r = 0; r < W; r++)
    for (let c = 0; c < W; c++) for (let ch = 0; ch < C; ch++) input[(r * W + c) * C + ch] = (r * W + c + ch) % 3;
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

export function parsePadding(s: string | null | undefined): Padding | null {
  if (s === 'same' || s === 'valid') return s;
  if (s !== null && s !== undefined && /^\d+$/.test(s.trim())) return Number(s);
  return null;
}

export interface Geometry {
  /** Output size along one side, as the rule gives it (0 when no window fits). */
  out: number;
  padBefore: number;
  padAfter: number;
  /** The rule with the actual numbers, one line. */
  formula: string;
  /** What is wrong or surprising with this combination, one sentence; '' when nothing. */
  problem: string;
  invalid: boolean;
}

/** Output size and padding along one side of length W for kernel F, stride S. */
export function geometry(W: number, F: number, S: number, padding: Padding): Geometry {
  if (padding === 'same') {
    const out = Math.ceil(W / S);
    const total = Math.max((out - 1) * S + F - W, 0);
    const before = Math.floor(total / 2);
    return {
      out,
      padBefore: before,
      padAfter: total - before,
      formula:
        `SAME: out = ceil(W/S) = ceil(${W}/${S}) = ${out}; pad total = max((out − 1)·S + F − W, 0) = max(${out - 1}·${S} + ${F} − ${W}, 0) = ${total}; ` +
        `pad top/left = floor(${total}/2) = ${before}, bottom/right = ${total - before}${total % 2 ? ' (the extra pixel goes bottom/right)' : ''}`,
      problem: '',
      invalid: false,
    };
  }
  if (padding === 'valid') {
    const out = W >= F ? Math.ceil((W - F + 1) / S) : 0;
    return {
      out,
      padBefore: 0,
      padAfter: 0,
      formula: `VALID: out = ceil((W − F + 1)/S) = ceil((${W} − ${F} + 1)/${S}) = ${out}`,
      problem: W < F ? `The ${F}×${F} kernel is larger than the ${W}×${W} input and VALID adds no padding, so there is no position for it: use SAME, padding, or a smaller kernel.` : '',
      invalid: W < F,
    };
  }
  const P = padding;
  const num = W - F + 2 * P;
  const exact = num / S + 1;
  const out = num >= 0 ? Math.floor(num / S) + 1 : 0;
  const formula = `(W − F + 2P)/S + 1 = (${W} − ${F} + 2·${P})/${S} + 1 = ${fmt(exact)}${Number.isInteger(exact) ? '' : ` → floor → ${out}`}`;
  if (num < 0)
    return {
      out: 0,
      padBefore: P,
      padAfter: P,
      formula,
      problem: `The ${F}×${F} kernel is larger than the padded ${W + 2 * P}×${W + 2 * P} input, so it fits nowhere: use more padding or a smaller kernel.`,
      invalid: true,
    };
  const unused = num % S;
  return {
    out,
    padBefore: P,
    padAfter: Math.max(0, (out - 1) * S + F - W - P),
    formula,
    problem: unused
      ? `(W − F + 2P)/S = ${num}/${S} is not an integer: the core takes the floor (${out} positions) and the last ${unused} row(s)/column(s) of the padded input are never covered by a window.`
      : '',
    invalid: false,
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
  return typeof p === 'number' ? `pad ${p}` : p.toUpperCase();
}
