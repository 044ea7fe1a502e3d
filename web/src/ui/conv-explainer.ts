// <cnn-conv-explainer>: one convolution (or pooling) step by step: input grid with its padding,
// the kernels, the output grid, and for a chosen output position the window, the products, their
// sum, the bias and the output value. It is not a convolution implementation: every output value
// (and the padding used) comes from the core through the worker; the JS sum beside it is a check.
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { WorkerClient } from '../worker/client';
import type { ConvOutput, Padding } from '../worker/protocol';
import {
  PRESET_LABELS,
  PRESET_NAMES,
  fillSetup,
  fmt,
  term,
  formula,
  paddingLabel,
  presetSetup,
  type ConvSetup,
  type PresetName,
} from './conv-geometry';
import './conv-network-view';
import { panelStyles } from './shared-styles';
import { convExplainerStyles } from './conv-explainer-styles';
import { tabStrip } from './tabs';
import { Standalone } from './standalone';

type Mode = 'conv' | 'max' | 'avg';
const ANIMATE_MS = 900;

export class ConvExplainer extends LitElement {
  static properties = {
    client: { attribute: false },
    modelVersion: { type: Number },
    testCount: { type: Number },
    preset: { type: String },
    inputSize: { type: Number, attribute: 'input-size' },
    kernelSize: { type: Number, attribute: 'kernel-size' },
    stride: { type: Number },
    padding: { type: String },
    mode: { state: true },
    source: { state: true },
    relu: { state: true },
    result: { state: true },
    error: { state: true },
    pos: { state: true },
    filter: { state: true },
    animating: { state: true },
  };
  client: WorkerClient | null = null;
  modelVersion = 0;
  testCount = 0;
  preset: PresetName = 'cs231n';
  inputSize: number | null = null;
  kernelSize: number | null = null;
  stride: number | null = null;
  padding: string | null = null;
  private mode: Mode = 'conv';
  private source: 'toy' | 'network' = 'toy';
  private relu = false;
  private result: ConvOutput | null = null;
  private error = '';
  /** The setup the result or error is the core's answer for. */
  private answered: ConvSetup | null = null;
  private pos = 0; // flat output position oy * OW + ox
  private filter = 0;
  private animating = false;

  private setup: ConvSetup = presetSetup('cs231n');
  /** Alone on a page (no client given): the page's standalone worker. */
  private standalone = new Standalone(this);
  private timer = 0;
  private seq = 0;

  static styles = [panelStyles, convExplainerStyles];

  connectedCallback() {
    super.connectedCallback();
    this.timer = window.setInterval(() => this.tick(), ANIMATE_MS);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.timer);
  }

  firstUpdated() {
    this.standalone.start();
    this.rebuild();
  }

  willUpdate(changed: Map<string, unknown>) {
    if (
      ['preset', 'inputSize', 'kernelSize', 'stride', 'padding'].some((k) => changed.has(k)) &&
      this.hasUpdated
    )
      this.rebuild();
  }

  /** Shows one of the worked examples as it is (a lesson opens it): sizes from the example. */
  showExample(name: PresetName) {
    this.inputSize = this.kernelSize = this.stride = this.padding = null;
    this.source = 'toy';
    this.mode = 'conv';
    this.preset = name;
    if (this.hasUpdated) this.rebuild();
  }

  /** Re-creates the toy numbers from the preset and the size attributes, then asks the core. */
  private rebuild() {
    const p = presetSetup(PRESET_NAMES.includes(this.preset) ? this.preset : 'cs231n');
    const W = this.inputSize ?? p.W;
    const F = this.kernelSize ?? p.F;
    const S = this.stride ?? p.S;
    // The attribute's text goes to the core as it is: its padding parser reads it or says why not.
    const pad = this.padding === null ? p.padding : (this.padding.trim() as Padding);
    const custom = W !== p.W || F !== p.F || S !== p.S || String(pad) !== String(p.padding);
    this.setup = custom ? fillSetup(W, p.C, F, p.K, S, pad, this.preset === 'cs231n') : p;
    this.pos = 0;
    this.filter = 0;
    void this.compute();
  }

  private async compute() {
    if (!this.client) return;
    const s = this.setup;
    const seq = ++this.seq;
    try {
      const c = await this.standalone.need();
      const r =
        this.mode === 'conv'
          ? await c.request('conv/apply', {
              inputShape: [s.W, s.W, s.C],
              input: s.input,
              kernelShape: [s.F, s.F, s.C, s.K],
              kernel: s.kernel,
              bias: s.bias,
              strideH: s.S,
              strideW: s.S,
              padding: s.padding,
              relu: this.relu,
            })
          : await c.request('conv/pool', {
              inputShape: [s.W, s.W, s.C],
              input: s.input,
              poolH: s.F,
              poolW: s.F,
              strideH: s.S,
              strideW: s.S,
              padding: s.padding,
              op: this.mode,
            });
      if (seq !== this.seq) return;
      this.result = r;
      this.answered = s;
      this.error = '';
      const n = r.outputShape[0] * r.outputShape[1];
      if (this.pos >= n) this.pos = 0;
    } catch (e) {
      if (seq !== this.seq) return;
      this.result = null;
      this.answered = s;
      this.error = (e as Error).message;
    }
  }

  private tick() {
    if (!this.animating || !this.result || this.source !== 'toy') return;
    this.step(1);
  }

  private step(d: number) {
    if (!this.result) return;
    const [OH, OW, K] = this.result.outputShape;
    const n = OH * OW;
    let p = this.pos + d;
    if (p >= n) {
      p = 0;
      if (this.mode === 'conv' && d > 0) this.filter = (this.filter + 1) % K;
    } else if (p < 0) p = n - 1;
    this.pos = p;
  }

  private onGridKey(e: KeyboardEvent) {
    if (!this.result) return;
    const OW = this.result.outputShape[1];
    const n = this.result.outputShape[0] * OW;
    const moves: Record<string, number> = {
      ArrowLeft: -1,
      ArrowRight: 1,
      ArrowUp: -OW,
      ArrowDown: OW,
    };
    const d = moves[e.key];
    if (d === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    this.pos = Math.max(0, Math.min(n - 1, this.pos + d));
  }

  private setMode(m: Mode) {
    this.mode = m;
    void this.compute();
  }

  render() {
    return html`
      <h2>Convolution, step by step <small>computed by the core, explained here</small></h2>
      ${
        this.standalone.own
          ? nothing // alone on a page there is no network being trained to look into
          : tabStrip({
              label: 'What to explain',
              tabs: [
                ['toy', 'Worked examples'],
                ['network', 'Your network'],
              ],
              selected: this.source,
              select: (t) => (this.source = t),
            })
      }
      ${
        this.source === 'toy' || this.standalone.own
          ? this.renderToy()
          : html`<cnn-conv-network-view
              .client=${this.client}
              .modelVersion=${this.modelVersion}
              .testCount=${this.testCount}
            ></cnn-conv-network-view>`
      }
    `;
  }

  private renderToy(): TemplateResult {
    const s = this.setup;
    // The rule written out with the core's answer for this setup (not one still on its way).
    const r = this.answered === s ? this.result : null;
    const g = r ? formula(s.W, s.F, s.S, s.padding, r.outputShape[0], r.padTop, r.padBottom) : null;
    return html`
      <div class="bar">
        <label
          >Example
          <select
            aria-label="Example"
            data-testid="conv-preset"
            .value=${live(this.preset)}
            @change=${(e: Event) => {
              this.inputSize = this.kernelSize = this.stride = this.padding = null;
              this.preset = (e.target as HTMLSelectElement).value as PresetName;
            }}
          >
            ${PRESET_NAMES.map((p) => html`<option value=${p} ?selected=${p === this.preset}>${PRESET_LABELS[p]}</option>`)}
          </select>
        </label>
        <label
          >Operation
          <select
            aria-label="Operation"
            @change=${(e: Event) => this.setMode((e.target as HTMLSelectElement).value as Mode)}
          >
            <option value="conv" ?selected=${this.mode === 'conv'}>convolution</option>
            <option value="max" ?selected=${this.mode === 'max'}>max pooling</option>
            <option value="avg" ?selected=${this.mode === 'avg'}>average pooling</option>
          </select>
        </label>
      </div>
      <div class="bar">
        <label
          >Input W
          <input
            type="number"
            min="1"
            max="12"
            aria-label="Input size"
            data-testid="conv-input-size"
            .value=${String(s.W)}
            @change=${(e: Event) => (this.inputSize = num(e))}
        /></label>
        <label
          >Kernel F
          <input
            type="number"
            min="1"
            max="9"
            aria-label="Kernel size"
            data-testid="conv-kernel-size"
            .value=${String(s.F)}
            @change=${(e: Event) => (this.kernelSize = num(e))}
        /></label>
        <label
          >Stride S
          <input
            type="number"
            min="1"
            max="5"
            aria-label="Stride"
            data-testid="conv-stride"
            .value=${String(s.S)}
            @change=${(e: Event) => (this.stride = num(e))}
        /></label>
        <label
          >Padding
          <select
            aria-label="Padding"
            data-testid="conv-padding"
            @change=${(e: Event) => (this.padding = (e.target as HTMLSelectElement).value)}
          >
            ${['valid', 'same', '0', '1', '2', '3'].map((p) => html`<option value=${p} ?selected=${String(s.padding) === p}>${p === 'valid' || p === 'same' ? p.toUpperCase() : `P = ${p}`}</option>`)}
          </select>
        </label>
        ${
          this.mode === 'conv'
            ? html`<label
                ><input
                  type="checkbox"
                  .checked=${this.relu}
                  @change=${(e: Event) => {
                    this.relu = (e.target as HTMLInputElement).checked;
                    void this.compute();
                  }}
                />
                ReLU</label
              >`
            : nothing
        }
      </div>
      ${g ? html`<p class="formula" data-testid="conv-formula">${g.formula}</p>` : nothing}
      ${g?.note ? html`<p class="muted" role="note" data-testid="conv-invalid">${g.note}</p>` : nothing}
      ${this.error ? html`<p class="error" role="alert" data-testid="conv-invalid">${this.error}</p>` : nothing}
      ${this.result ? this.renderGrids(this.result) : nothing}
    `;
  }

  private renderGrids(r: ConvOutput): TemplateResult {
    const s = this.setup;
    const [OH, OW, K] = r.outputShape;
    const oy = Math.floor(this.pos / OW);
    const ox = this.pos % OW;
    const k = Math.min(this.filter, K - 1);
    const PH = s.W + r.padTop + r.padBottom;
    const PW = s.W + r.padLeft + r.padRight;
    const y0 = oy * s.S; // window top-left in padded coordinates
    const x0 = ox * s.S;
    const inWin = (py: number, px: number) =>
      py >= y0 && py < y0 + s.F && px >= x0 && px < x0 + s.F;
    const conv = this.mode === 'conv';
    return html`
      <div class="row">
        <figure>
          <figcaption>
            Input ${s.W}×${s.W}×${s.C}, ${paddingLabel(s.padding)} (core padding: top ${r.padTop},
            left ${r.padLeft}, bottom ${r.padBottom}, right ${r.padRight})
          </figcaption>
          <div class="grids">
            ${range(s.C).map(
              (ch) =>
                html`<div
                  class="grid"
                  style="grid-template-columns: repeat(${PW}, auto)"
                  role="img"
                  aria-label=${`Input channel ${ch}`}
                >
                  ${range(PH * PW).map((i) => {
                    const py = Math.floor(i / PW),
                      px = i % PW;
                    const y = py - r.padTop,
                      x = px - r.padLeft;
                    const pad = y < 0 || x < 0 || y >= s.W || x >= s.W;
                    const v = pad ? 0 : s.input[(y * s.W + x) * s.C + ch];
                    return html`<span class="cell ${pad ? 'pad' : ''} ${inWin(py, px) ? 'win' : ''}"
                      >${fmt(v)}</span
                    >`;
                  })}
                </div>`,
            )}
          </div>
        </figure>
        ${
          conv
            ? html`<figure>
                <figcaption>
                  Filter ${k} of ${K}: ${s.F}×${s.F}×${s.C}, bias ${fmt(s.bias[k])}
                </figcaption>
                <div class="grids">
                  ${range(s.C).map(
                    (ch) =>
                      html`<div
                        class="grid"
                        style="grid-template-columns: repeat(${s.F}, auto)"
                        role="img"
                        aria-label=${`Filter ${k} channel ${ch}`}
                      >
                        ${range(s.F * s.F).map((i) => html`<span class="cell">${fmt(s.kernel[(i * s.C + ch) * K + k])}</span>`)}
                      </div>`,
                  )}
                </div>
              </figure>`
            : html`<figure>
                <figcaption>
                  ${this.mode === 'max' ? 'Max' : 'Average'} pooling, window ${s.F}×${s.F}, per
                  channel
                </figcaption>
              </figure>`
        }
        <figure>
          <figcaption>
            Output <span data-testid="conv-output-shape">${OH}×${OW}×${K}</span>
          </figcaption>
          <div class="grids">
            ${range(K).map(
              (kk) =>
                html`<div
                  class="grid out-grid"
                  style="grid-template-columns: repeat(${OW}, auto)"
                  tabindex="0"
                  role="grid"
                  aria-label=${`Output ${conv ? 'filter' : 'channel'} ${kk}: arrow keys move the position`}
                  @keydown=${(e: KeyboardEvent) => {
                    this.filter = kk;
                    this.onGridKey(e);
                  }}
                >
                  ${range(OH).map(
                    (y) =>
                      html`<div class="grid-row" role="row">
                        ${range(OW).map((x) => {
                          const i = y * OW + x;
                          return html`<span
                            class="cell out ${i === this.pos && kk === k ? 'sel' : ''}"
                            role="gridcell"
                            aria-selected=${i === this.pos && kk === k ? 'true' : 'false'}
                            @click=${() => {
                              this.pos = i;
                              this.filter = kk;
                            }}
                            >${fmt(r.output[i * K + kk])}</span
                          >`;
                        })}
                      </div>`,
                  )}
                </div>`,
            )}
          </div>
        </figure>
      </div>
      <div class="bar">
        <button aria-label="Previous output position" @click=${() => this.step(-1)}>‹ Step</button>
        <button aria-label="Next output position" @click=${() => this.step(1)}>Step ›</button>
        <label
          ><input
            type="checkbox"
            .checked=${this.animating}
            @change=${(e: Event) => (this.animating = (e.target as HTMLInputElement).checked)}
          />
          Animate</label
        >
        <span class="muted"
          >Position (${oy}, ${ox}) of ${conv ? 'filter' : 'channel'} ${k}; the window starts at row
          ${oy}·${s.S} − ${r.padTop}, column ${ox}·${s.S} − ${r.padLeft} of the input.</span
        >
      </div>
      ${this.renderMath(r, oy, ox, k)}
    `;
  }

  /** The products for one output position (display arithmetic) beside the core's value. */
  private renderMath(r: ConvOutput, oy: number, ox: number, k: number): TemplateResult {
    const s = this.setup;
    const K = r.outputShape[2];
    const core = r.output[(oy * r.outputShape[1] + ox) * K + k];
    const iy0 = oy * s.S - r.padTop;
    const ix0 = ox * s.S - r.padLeft;
    const at = (y: number, x: number, ch: number) =>
      y < 0 || x < 0 || y >= s.W || x >= s.W ? null : s.input[(y * s.W + x) * s.C + ch];
    if (this.mode !== 'conv') {
      const vals: number[] = [];
      for (let dy = 0; dy < s.F; dy++)
        for (let dx = 0; dx < s.F; dx++) {
          const v = at(iy0 + dy, ix0 + dx, k);
          if (v !== null) vals.push(v); // padding never counts, as in the core and TensorFlow
        }
      const js =
        this.mode === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / vals.length;
      return html`<div class="math" aria-live="polite">
        <div>
          ${this.mode}(${vals.map(fmt).join(', ')})
          <span class="muted">(padding cells are left out)</span>
        </div>
        <div class="total">
          =
          <span data-testid="conv-core-value" data-value=${String(core)}>${fmt(core)}</span> (core)
          <span class=${Math.abs(js - core) < 1e-4 ? 'ok' : 'bad'}>JS check: ${fmt(js)}</span>
        </div>
      </div>`;
    }
    const lines: TemplateResult[] = [];
    let total = 0;
    for (let ch = 0; ch < s.C; ch++) {
      const terms: string[] = [];
      let sum = 0;
      for (let dy = 0; dy < s.F; dy++)
        for (let dx = 0; dx < s.F; dx++) {
          const v = at(iy0 + dy, ix0 + dx, ch);
          const w = s.kernel[((dy * s.F + dx) * s.C + ch) * K + k];
          terms.push(`${v === null ? '0' : term(v)}·${term(w)}`);
          sum += (v ?? 0) * w;
        }
      total += sum;
      lines.push(
        html`<div>${s.C > 1 ? `channel ${ch}: ` : ''}${terms.join(' + ')} = ${fmt(sum)}</div>`,
      );
    }
    const b = s.bias[k];
    const js = this.relu ? Math.max(0, total + b) : total + b;
    return html`<div class="math" aria-live="polite">
      ${lines}
      <div>
        sum of products ${fmt(total)} + bias ${fmt(b)} =
        ${fmt(total + b)}${this.relu ? `; ReLU → ${fmt(Math.max(0, total + b))}` : '; no activation'}
      </div>
      <div class="total">
        output (${oy}, ${ox}, ${k}) =
        <span data-testid="conv-core-value" data-value=${String(core)}>${fmt(core)}</span> (core)
        <span class=${Math.abs(js - core) < 1e-4 ? 'ok' : 'bad'}
          >JS check of the products: ${fmt(js)} ${Math.abs(js - core) < 1e-4 ? '✓' : '✗'}</span
        >
      </div>
    </div>`;
  }
}

function range(n: number): number[] {
  return Array.from({ length: Math.max(0, n) }, (_, i) => i);
}

function num(e: Event): number | null {
  const v = Math.round(Number((e.target as HTMLInputElement).value));
  return Number.isFinite(v) && v >= 1 ? v : null;
}

if (!customElements.get('cnn-conv-explainer'))
  customElements.define('cnn-conv-explainer', ConvExplainer);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-conv-explainer': ConvExplainer;
  }
}
