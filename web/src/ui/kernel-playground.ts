// <cnn-kernel-playground>: a 3x3 kernel editor applied by the core (conv/apply, SAME padding) to
// an MNIST test digit scaled to 0..255, with optional ReLU and clamp at 255; input and output as
// images. Not a training tool: it cannot yet copy the kernel into the network (no weight-setting
// binding), and it does no convolution itself.
import { LitElement, css, html, nothing } from 'lit';
import { createTrainingWorker, type WorkerClient } from '../worker/client';
import { fmt } from './conv-geometry';
import { panelStyles } from './shared-styles';

const PRESETS: Record<string, number[]> = {
  'edge detect': [-1, -1, -1, -1, 8, -1, -1, -1, -1],
  sharpen: [0, -1, 0, -1, 5, -1, 0, -1, 0],
  'box blur': [1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
  'Sobel x': [-1, 0, 1, -2, 0, 2, -1, 0, 1],
  'Sobel y': [-1, -2, -1, 0, 0, 0, 1, 2, 1],
  identity: [0, 0, 0, 0, 1, 0, 0, 0, 0],
};
const RETRY_MS = 1500;

export class KernelPlayground extends LitElement {
  static properties = {
    client: { attribute: false },
    testIndex: { state: true },
    kernel: { state: true },
    relu: { state: true },
    clamp: { state: true },
    status: { state: true },
    error: { state: true },
  };
  client: WorkerClient | null = null;
  private testIndex = 0;
  private kernel: number[] = PRESETS['edge detect'];
  private relu = true;
  private clamp = true;
  private status = '';
  private error = '';

  private image: Float32Array | null = null; // 28x28, 0..255
  private imageIndex = -1;
  private output: Float32Array | null = null;
  private ownClient = false;
  private ready: Promise<unknown> | null = null;
  private retry = 0;
  private seq = 0;

  static styles = [
    panelStyles,
    css`
      .row { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
      .kernel { display: grid; grid-template-columns: repeat(3, 4.2em); gap: 4px; }
      .kernel input { width: 100%; text-align: right; }
      .bar { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 8px 0; font-size: 0.9rem; }
      .bar label { display: inline-flex; align-items: center; gap: 4px; }
      input[type='number'].idx { width: 5.5em; }
      figure { margin: 0; }
      figcaption { font-size: 0.8rem; color: var(--muted, #5b6475); margin-bottom: 3px; }
      canvas { width: 168px; height: 168px; image-rendering: pixelated; border: 1px solid var(--border, #d8dce3); background: #000; }
    `,
  ];

  disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.retry);
    if (this.ownClient) {
      this.client?.terminate();
      this.client = null;
    }
  }

  firstUpdated() {
    if (!this.client) {
      // Standalone: a worker of our own; the digits need MNIST loaded into it.
      this.ownClient = true;
      this.client = createTrainingWorker();
      this.ready = this.client.request('init', {});
    }
    void this.apply();
  }

  updated(changed: Map<string, unknown>) {
    if (changed.has('client') && changed.get('client') !== undefined) void this.apply();
  }

  private async apply() {
    const c = this.client;
    if (!c) return;
    const seq = ++this.seq;
    clearTimeout(this.retry);
    try {
      await this.ready;
      if (this.imageIndex !== this.testIndex || !this.image) {
        const r = await c.request('data/test-image', { index: this.testIndex });
        // The classic tutorials work on 0..255 pixels, so that 255 is the clamp.
        this.image = r.image.map((v) => v * 255);
        this.imageIndex = this.testIndex;
        this.status = `MNIST test image ${this.testIndex}, a ${r.label}, on 0..255`;
      }
      const out = await c.request('conv/apply', {
        inputShape: [28, 28, 1],
        input: this.image,
        kernelShape: [3, 3, 1, 1],
        kernel: Float32Array.from(this.kernel),
        strideH: 1,
        strideW: 1,
        padding: 'same',
        relu: this.relu,
        clampMax: this.clamp ? 255 : undefined,
      });
      if (seq !== this.seq) return;
      this.output = out.output;
      this.error = '';
      this.draw();
    } catch (e) {
      if (seq !== this.seq) return;
      this.error = (e as Error).message;
      this.retry = window.setTimeout(() => void this.apply(), RETRY_MS); // MNIST may still be loading
    }
  }

  private draw() {
    const inC = this.renderRoot.querySelector<HTMLCanvasElement>('[data-testid="kernel-input"]');
    const outC = this.renderRoot.querySelector<HTMLCanvasElement>('[data-testid="kernel-output"]');
    if (inC && this.image) paint(inC, this.image, 255);
    if (outC && this.output) {
      let hi = 0;
      for (const v of this.output) hi = Math.max(hi, Math.abs(v));
      // Clamped output is on the 0..255 scale already; otherwise scale by its own largest |value|.
      paint(outC, this.output, this.clamp ? 255 : hi || 1);
      let lo = Infinity, top = -Infinity;
      for (const v of this.output) {
        lo = Math.min(lo, v);
        top = Math.max(top, v);
      }
      this.outRange = `range ${fmt(lo)} … ${fmt(top)}`;
      this.requestUpdate();
    }
  }
  private outRange = '';

  private setCell(i: number, v: number) {
    if (!Number.isFinite(v)) return;
    this.kernel = this.kernel.map((k, j) => (j === i ? v : k));
    void this.apply();
  }

  render() {
    return html`
      <h2>Kernel playground <small>a 3×3 filter on a digit, applied by the core</small></h2>
      <div class="bar">
        <label>Preset
          <select aria-label="Kernel preset" data-testid="kernel-preset" @change=${(e: Event) => {
            const name = (e.target as HTMLSelectElement).value;
            if (PRESETS[name]) {
              this.kernel = PRESETS[name].slice();
              void this.apply();
            }
          }}>
            ${Object.keys(PRESETS).map((n) => html`<option value=${n} ?selected=${sameKernel(PRESETS[n], this.kernel)}>${n}</option>`)}
            ${Object.values(PRESETS).some((k) => sameKernel(k, this.kernel)) ? nothing : html`<option selected value="">custom</option>`}
          </select>
        </label>
        <label>Test digit <input class="idx" type="number" min="0" aria-label="Test digit for the kernel" .value=${String(this.testIndex)}
          @change=${(e: Event) => { this.testIndex = Math.max(0, Math.round(Number((e.target as HTMLInputElement).value)) || 0); void this.apply(); }} /></label>
        <label><input type="checkbox" .checked=${this.relu} @change=${(e: Event) => { this.relu = (e.target as HTMLInputElement).checked; void this.apply(); }} /> ReLU</label>
        <label><input type="checkbox" .checked=${this.clamp} @change=${(e: Event) => { this.clamp = (e.target as HTMLInputElement).checked; void this.apply(); }} /> Clamp at 255</label>
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <div class="row">
        <figure>
          <figcaption>Kernel</figcaption>
          <div class="kernel" role="group" aria-label="3 by 3 kernel">
            ${this.kernel.map(
              (v, i) => html`<input type="number" step="any" aria-label=${`Kernel row ${Math.floor(i / 3) + 1} column ${(i % 3) + 1}`}
                .value=${fmt(v)} @change=${(e: Event) => this.setCell(i, Number((e.target as HTMLInputElement).value))} />`,
            )}
          </div>
        </figure>
        <figure>
          <figcaption>${this.status || 'Input'}</figcaption>
          <canvas data-testid="kernel-input" width="28" height="28" role="img" aria-label="The input digit"></canvas>
        </figure>
        <figure>
          <figcaption>Output (SAME padding${this.relu ? ', ReLU' : ''}${this.clamp ? ', clamp 255' : ''}) ${this.outRange}</figcaption>
          <canvas data-testid="kernel-output" width="28" height="28" role="img" aria-label="The filtered digit"></canvas>
        </figure>
      </div>
      <p class="muted">Copying this kernel into the network's first layer is not possible yet (the core has no weight-setting call).</p>
    `;
  }
}

function sameKernel(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
}

/** Values on a 0..scale range as gray (negative values black, like the tutorials' uint8 view). */
function paint(canvas: HTMLCanvasElement, values: Float32Array, scale: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 28 * 28; i++) {
    const g = Math.round(255 * Math.max(0, Math.min(1, values[i] / scale)));
    img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = g;
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

if (!customElements.get('cnn-kernel-playground')) customElements.define('cnn-kernel-playground', KernelPlayground);
