// <cnn-conv-network-view>: the explainer's "Your network" source. One conv layer of the current
// model, one test digit: the layer's real input and kernel, a chosen output position, the
// products and the output. Not a feature-map browser (that is the inspect panel): the output and
// the padding come from the core (the layer's own activation, the padding the layer used).
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { absMax, paintTiles } from '../charts/colormap';
import type { WorkerClient } from '../worker/client';
import type { LayerConv } from '../worker/protocol';
import { fmt, term } from './conv-geometry';
import { panelStyles } from './shared-styles';
import { convNetworkViewStyles } from './conv-network-view-styles';

const SCALE = 7; // CSS pixels per map pixel at 28x28
const MAX_PRODUCT_CHANNELS = 4; // channels whose products are written out term by term

export class ConvNetworkView extends LitElement {
  static properties = {
    client: { attribute: false },
    modelVersion: { type: Number },
    testCount: { type: Number },
    layer: { state: true },
    testIndex: { state: true },
    k: { state: true },
    oy: { state: true },
    ox: { state: true },
    data: { state: true },
    error: { state: true },
  };
  client: WorkerClient | null = null;
  modelVersion = 0;
  testCount = 0;
  private layer = -1;
  private testIndex = 0;
  private k = 0;
  private oy = 0;
  private ox = 0;
  private data: LayerConv | null = null;
  private error = '';
  private seq = 0;
  private placed = false; // the position was chosen once (then the user's choice stays)

  static styles = [panelStyles, convNetworkViewStyles];

  updated(changed: Map<string, unknown>) {
    if (
      changed.has('client') ||
      changed.has('modelVersion') ||
      changed.has('layer') ||
      changed.has('testIndex')
    )
      void this.load();
    this.paint();
  }

  private async load() {
    const c = this.client;
    if (!c) return;
    const seq = ++this.seq;
    try {
      const d = await c.request('inspect/layer-conv', {
        layer: this.layer,
        input: { kind: 'test', index: this.testIndex },
      });
      if (seq !== this.seq) return;
      this.data = d;
      this.k = Math.min(this.k, d.kernelShape[3] - 1);
      if (!this.placed) {
        // Start where channel k responds most, so the first products are not all zeros.
        const [, OW, K] = d.outputShape;
        let best = 0;
        for (let i = 1; i < d.outputShape[0] * OW; i++)
          if (d.output[i * K + this.k] > d.output[best * K + this.k]) best = i;
        this.oy = Math.floor(best / OW);
        this.ox = best % OW;
        this.placed = true;
      }
      this.oy = Math.min(this.oy, d.outputShape[0] - 1);
      this.ox = Math.min(this.ox, d.outputShape[1] - 1);
      this.error = '';
    } catch (e) {
      if (seq !== this.seq) return;
      this.error = `${(e as Error).message}. Load MNIST and configure a model with a conv2d layer to explain your network.`;
    }
  }

  private paint() {
    const d = this.data;
    if (!d) return;
    const [H, W, C] = d.inputShape;
    const inCanvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.in');
    const outCanvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.out');
    if (inCanvas) {
      const ch = 0;
      const plane = new Float32Array(H * W);
      for (let i = 0; i < H * W; i++) plane[i] = d.input[i * C + ch];
      paintTiles(
        inCanvas,
        { tiles: 1, tileH: H, tileW: W, cols: 1, gap: 0 },
        absMax(plane) || 1,
        (_t, y, x) => plane[y * W + x],
      );
    }
    if (outCanvas) {
      const [OH, OW, K] = d.outputShape;
      const plane = new Float32Array(OH * OW);
      for (let i = 0; i < OH * OW; i++) plane[i] = d.output[i * K + this.k];
      paintTiles(
        outCanvas,
        { tiles: 1, tileH: OH, tileW: OW, cols: 1, gap: 0 },
        absMax(plane) || 1,
        (_t, y, x) => plane[y * OW + x],
      );
    }
  }

  private move(dy: number, dx: number) {
    if (!this.data) return;
    this.oy = Math.max(0, Math.min(this.data.outputShape[0] - 1, this.oy + dy));
    this.ox = Math.max(0, Math.min(this.data.outputShape[1] - 1, this.ox + dx));
  }

  private onKey(e: KeyboardEvent) {
    const m: Record<string, [number, number]> = {
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
    };
    const d = m[e.key];
    if (!d) return;
    e.preventDefault();
    e.stopPropagation();
    this.move(d[0], d[1]);
  }

  private onClick(e: MouseEvent) {
    if (!this.data) return;
    const [OH, OW] = this.data.outputShape;
    const c = e.target as HTMLCanvasElement;
    const box = c.getBoundingClientRect();
    this.oy = Math.min(OH - 1, Math.floor(((e.clientY - box.top) / box.height) * OH));
    this.ox = Math.min(OW - 1, Math.floor(((e.clientX - box.left) / box.width) * OW));
  }

  render() {
    const d = this.data;
    return html`
      <div class="bar">
        <label
          >Layer
          <select
            aria-label="Conv layer"
            @change=${(e: Event) => (this.layer = Number((e.target as HTMLSelectElement).value))}
          >
            ${(d?.convLayers ?? []).map((l) => html`<option value=${l.index} ?selected=${l.index === d?.layer}>${l.name}</option>`)}
          </select>
        </label>
        <label
          >Test digit
          <input
            type="number"
            min="0"
            aria-label="Test digit for the explainer"
            .value=${String(this.testIndex)}
            @change=${(e: Event) => (this.testIndex = Math.max(0, Math.min(Math.max(0, this.testCount - 1), Math.round(Number((e.target as HTMLInputElement).value)) || 0)))}
        /></label>
        ${
          d
            ? html`<label
                >Output channel
                <input
                  type="number"
                  min="0"
                  max=${d.kernelShape[3] - 1}
                  aria-label="Output channel"
                  .value=${String(this.k)}
                  @change=${(e: Event) => (this.k = Math.max(0, Math.min(d.kernelShape[3] - 1, Math.round(Number((e.target as HTMLInputElement).value)) || 0)))}
              /></label>`
            : nothing
        }
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${d ? this.renderBody(d) : nothing}
    `;
  }

  private renderBody(d: LayerConv): TemplateResult {
    const [H, W, C] = d.inputShape;
    const [KH, KW, , K] = d.kernelShape;
    const [OH, OW] = d.outputShape;
    const sIn = Math.max(2, Math.round((SCALE * 28) / Math.max(H, W)));
    const sOut = Math.max(2, Math.round((SCALE * 28) / Math.max(OH, OW)));
    const iy0 = this.oy * d.strideH - d.padTop;
    const ix0 = this.ox * d.strideW - d.padLeft;
    return html`
      <p class="muted">
        ${d.name}: input
        ${H}×${W}×${C}${d.label !== null ? ` (test digit #${this.testIndex}, a ${d.label})` : ''},
        kernel ${KH}×${KW}×${C}×${K}, stride ${d.strideH}×${d.strideW}, padding ${d.padding} (core:
        top ${d.padTop}, left ${d.padLeft}, bottom ${d.padBottom}, right ${d.padRight}), activation
        ${d.activation} → output ${OH}×${OW}×${K}.
      </p>
      <div class="row">
        <figure>
          <figcaption>Layer input, channel 0, with the window</figcaption>
          <div class="map">
            <canvas
              class="in"
              style="width:${W * sIn}px;height:${H * sIn}px"
              role="img"
              aria-label="The layer's input with the receptive window"
            ></canvas>
            <div
              class="box"
              style="left:${ix0 * sIn}px;top:${iy0 * sIn}px;width:${KW * sIn}px;height:${KH * sIn}px"
            ></div>
          </div>
        </figure>
        <figure>
          <figcaption>Output channel ${this.k}: click or use the arrow keys</figcaption>
          <div class="map">
            <canvas
              class="out"
              tabindex="0"
              style="width:${OW * sOut}px;height:${OH * sOut}px"
              role="img"
              aria-label=${`Output channel ${this.k}; position ${this.oy}, ${this.ox}; arrow keys move it`}
              @keydown=${this.onKey}
              @click=${this.onClick}
            ></canvas>
            <div
              class="box"
              style="left:${this.ox * sOut}px;top:${this.oy * sOut}px;width:${sOut}px;height:${sOut}px"
            ></div>
          </div>
        </figure>
      </div>
      ${this.renderMath(d, iy0, ix0)}
    `;
  }

  private renderMath(d: LayerConv, iy0: number, ix0: number): TemplateResult {
    const [H, W, C] = d.inputShape;
    const [KH, KW, , K] = d.kernelShape;
    const OW = d.outputShape[1];
    const lines: TemplateResult[] = [];
    const channelSums: string[] = [];
    let total = 0;
    for (let ch = 0; ch < C; ch++) {
      const terms: string[] = [];
      let sum = 0;
      for (let dy = 0; dy < KH; dy++)
        for (let dx = 0; dx < KW; dx++) {
          const y = iy0 + dy,
            x = ix0 + dx;
          const v = y < 0 || x < 0 || y >= H || x >= W ? 0 : d.input[(y * W + x) * C + ch];
          const w = d.kernel[((dy * KW + dx) * C + ch) * K + this.k];
          terms.push(`${term(v)}·${term(w)}`);
          sum += v * w;
        }
      total += sum;
      if (ch < MAX_PRODUCT_CHANNELS)
        lines.push(html`<div>${C > 1 ? `ch ${ch}: ` : ''}${terms.join(' + ')} = ${fmt(sum)}</div>`);
      else channelSums.push(`ch ${ch}: ${fmt(sum)}`);
    }
    const b = d.bias ? d.bias[this.k] : 0;
    const z = total + b;
    const js = activate(
      d.activation,
      (k) => (k === this.k ? z : preActivation(d, iy0, ix0, k)),
      this.k,
      K,
    );
    const core = d.output[(this.oy * OW + this.ox) * K + this.k];
    return html`<div class="math" aria-live="polite">
      ${lines}
      ${channelSums.length ? html`<div>other channels' sums: ${channelSums.join(', ')}</div>` : nothing}
      <div>
        sum of products ${fmt(total)} + bias ${fmt(b)} =
        ${fmt(z)}${d.activation === 'linear' ? '; linear' : `; ${d.activation} → ${fmt(js)}`}
      </div>
      <div class="total">
        output (${this.oy}, ${this.ox}, ${this.k}) =
        <span data-testid="net-core-value">${fmt(core)}</span> (the network's own activation,
        computed by the core)
        <span class=${Math.abs(js - core) < 1e-3 * Math.max(1, Math.abs(core)) ? 'ok' : 'bad'}
          >JS check: ${fmt(js)}</span
        >
      </div>
    </div>`;
  }
}

/** Sum of products plus bias of output channel k for the window whose top-left input pixel is (iy0, ix0). */
function preActivation(d: LayerConv, iy0: number, ix0: number, k: number): number {
  const [H, W, C] = d.inputShape;
  const [KH, KW, , K] = d.kernelShape;
  let z = d.bias ? d.bias[k] : 0;
  for (let dy = 0; dy < KH; dy++)
    for (let dx = 0; dx < KW; dx++) {
      const y = iy0 + dy,
        x = ix0 + dx;
      if (y < 0 || x < 0 || y >= H || x >= W) continue;
      for (let ch = 0; ch < C; ch++)
        z += d.input[(y * W + x) * C + ch] * d.kernel[((dy * KW + dx) * C + ch) * K + k];
    }
  return z;
}

/** The layer's activation of channel k, given each channel's pre-activation z(c) (softmax needs them all). */
function activate(name: string, z: (c: number) => number, k: number, K: number): number {
  switch (name) {
    case 'relu':
      return Math.max(0, z(k));
    case 'tanh':
      return Math.tanh(z(k));
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z(k)));
    case 'softmax': {
      const zs = Array.from({ length: K }, (_, c) => z(c));
      const m = Math.max(...zs);
      const e = zs.map((v) => Math.exp(v - m));
      return e[k] / e.reduce((a, v) => a + v, 0);
    }
    default:
      return z(k);
  }
}

if (!customElements.get('cnn-conv-network-view'))
  customElements.define('cnn-conv-network-view', ConvNetworkView);
