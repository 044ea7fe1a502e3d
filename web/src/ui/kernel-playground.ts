// <cnn-kernel-playground>: a 3x3 kernel editor applied by the core (conv/apply, SAME padding) to
// an MNIST test digit or the digit drawn on the pad, scaled to 0..255, with optional ReLU and clamp
// at 255; input and output as images. "Use as a first-layer filter" copies the kernel into one
// filter of the network's first conv layer (model/set-filter) and fires `model-changed` so the
// page's other views refresh. It does no convolution itself and trains nothing.
import { LitElement, html, nothing } from 'lit';
import type { WorkerClient } from '../worker/client';
import type { FilterPlacement } from '../worker/protocol';
import { fmt } from './conv-geometry';
import { panelStyles } from './shared-styles';
import { kernelPlaygroundStyles } from './kernel-playground-styles';
import { Standalone } from './standalone';

const PRESETS: Record<string, number[]> = {
  'edge detect': [-1, -1, -1, -1, 8, -1, -1, -1, -1],
  sharpen: [0, -1, 0, -1, 5, -1, 0, -1, 0],
  'box blur': [1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
  'Sobel x': [-1, 0, 1, -2, 0, 2, -1, 0, 1],
  'Sobel y': [-1, -2, -1, 0, 0, 0, 1, 2, 1],
  identity: [0, 0, 0, 0, 1, 0, 0, 0, 0],
};
const RETRY_MS = 1500;

type Source = 'test' | 'drawn';

export class KernelPlayground extends LitElement {
  static properties = {
    client: { attribute: false },
    drawn: { attribute: false },
    source: { state: true },
    testIndex: { state: true },
    filterIndex: { state: true },
    filterStatus: { state: true },
    filterError: { state: true },
    filterBusy: { state: true },
    kernel: { state: true },
    relu: { state: true },
    clamp: { state: true },
    status: { state: true },
    error: { state: true },
  };
  client: WorkerClient | null = null;
  /** The digit drawn on the pad, 28x28 in [0, 1] as the network sees it, or null. */
  drawn: Float32Array | null = null;
  private source: Source = 'test';
  private testIndex = 0;
  private filterIndex = 0;
  private filterStatus = '';
  private filterError = '';
  private filterBusy = false;
  private kernel: number[] = PRESETS['edge detect'];
  private relu = true;
  private clamp = true;
  private status = '';
  private error = '';

  private image: Float32Array | null = null; // 28x28, 0..255
  private imageFrom: number | Float32Array | null = null; // the test index or drawing it came from
  private output: Float32Array | null = null;
  /** Alone on a page (no client given): the page's standalone worker, with the MNIST test set. */
  private standalone = new Standalone(this);
  private retry = 0;
  private seq = 0;

  static styles = [panelStyles, kernelPlaygroundStyles];

  disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.retry);
  }

  firstUpdated() {
    this.standalone.start();
    void this.apply();
  }

  updated(changed: Map<string, unknown>) {
    if (changed.has('client') && changed.get('client') !== undefined) void this.apply();
    else if (changed.has('drawn') && this.source === 'drawn') void this.apply();
  }

  private setSource(source: Source) {
    this.source = source;
    void this.apply();
  }

  private async apply() {
    if (!this.client) return;
    const seq = ++this.seq;
    clearTimeout(this.retry);
    try {
      const c = await this.standalone.need('mnist-test');
      // The classic tutorials work on 0..255 pixels, so that 255 is the clamp.
      if (this.source === 'drawn') {
        if (!this.drawn) {
          this.image = this.output = this.imageFrom = null;
          this.status = 'Nothing drawn yet: draw a digit on the pad';
          this.outRange = '';
          this.error = '';
          this.draw();
          return;
        }
        if (this.imageFrom !== this.drawn) {
          this.image = this.drawn.map((v) => v * 255);
          this.imageFrom = this.drawn;
          this.status = 'The digit you drew, as the network sees it, on 0..255';
        }
      } else if (this.imageFrom !== this.testIndex || !this.image) {
        const index = this.testIndex;
        const r = await c.request('data/test-image', { index });
        if (seq !== this.seq) return;
        this.image = r.image.map((v) => v * 255);
        this.imageFrom = index;
        this.status = `MNIST test image ${index}, a ${r.label}, on 0..255`;
      }
      const image = this.image;
      if (!image) return;
      const out = await c.request('conv/apply', {
        inputShape: [28, 28, 1],
        input: image,
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

  /** Copies the kernel into filter `filterIndex` of the first conv layer; the core checks the fit. */
  private async useAsFilter() {
    const c = this.client;
    if (!c || this.filterBusy) return;
    this.filterBusy = true;
    try {
      const p = await c.request('model/set-filter', {
        layer: -1,
        filter: this.filterIndex,
        kernel: Float32Array.from(this.kernel),
        kh: 3,
        kw: 3,
      });
      this.filterStatus = describePlacement(p);
      this.filterError = '';
      this.dispatchEvent(
        new CustomEvent<FilterPlacement>('model-changed', {
          detail: p,
          bubbles: true,
          composed: true,
        }),
      );
    } catch (e) {
      this.filterError = `The kernel was not copied: ${(e as Error).message}.`;
      this.filterStatus = '';
    } finally {
      this.filterBusy = false;
    }
  }

  private draw() {
    const inC = this.renderRoot.querySelector<HTMLCanvasElement>('[data-testid="kernel-input"]');
    const outC = this.renderRoot.querySelector<HTMLCanvasElement>('[data-testid="kernel-output"]');
    if (inC) paint(inC, this.image, 255);
    if (outC && !this.output) {
      paint(outC, null, 1);
      this.requestUpdate();
    }
    if (outC && this.output) {
      let hi = 0;
      for (const v of this.output) hi = Math.max(hi, Math.abs(v));
      // Clamped output is on the 0..255 scale already; otherwise scale by its own largest |value|.
      paint(outC, this.output, this.clamp ? 255 : hi || 1);
      let lo = Infinity,
        top = -Infinity;
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
        <label
          >Preset
          <select
            aria-label="Kernel preset"
            data-testid="kernel-preset"
            @change=${(e: Event) => {
              const name = (e.target as HTMLSelectElement).value;
              if (PRESETS[name]) {
                this.kernel = PRESETS[name].slice();
                void this.apply();
              }
            }}
          >
            ${Object.keys(PRESETS).map((n) => html`<option value=${n} ?selected=${sameKernel(PRESETS[n], this.kernel)}>${n}</option>`)}
            ${Object.values(PRESETS).some((k) => sameKernel(k, this.kernel)) ? nothing : html`<option selected value="">custom</option>`}
          </select>
        </label>
        <span role="radiogroup" aria-label="Digit to filter" class="src">
          <label
            ><input
              type="radio"
              name="kernel-src"
              data-testid="kernel-source-test"
              .checked=${this.source === 'test'}
              @change=${() => this.setSource('test')}
            />
            MNIST test digit</label
          >
          <input
            class="idx"
            type="number"
            min="0"
            aria-label="Test digit for the kernel"
            .value=${String(this.testIndex)}
            @change=${(e: Event) => {
              this.testIndex = Math.max(
                0,
                Math.round(Number((e.target as HTMLInputElement).value)) || 0,
              );
              this.setSource('test');
            }}
          />
          <label
            title=${this.drawn ? 'The digit on the pad, prepared like MNIST' : 'Draw a digit on the pad first'}
            ><input
              type="radio"
              name="kernel-src"
              data-testid="kernel-source-drawn"
              .checked=${this.source === 'drawn'}
              @change=${() => this.setSource('drawn')}
            />
            ${this.drawn ? 'the digit you drew' : html`the digit you drew <span class="muted">(nothing drawn yet)</span>`}</label
          >
        </span>
        <label
          ><input
            type="checkbox"
            .checked=${this.relu}
            @change=${(e: Event) => {
              this.relu = (e.target as HTMLInputElement).checked;
              void this.apply();
            }}
          />
          ReLU</label
        >
        <label
          ><input
            type="checkbox"
            .checked=${this.clamp}
            @change=${(e: Event) => {
              this.clamp = (e.target as HTMLInputElement).checked;
              void this.apply();
            }}
          />
          Clamp at 255</label
        >
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <div class="row">
        <figure>
          <figcaption>Kernel</figcaption>
          <div class="kernel" role="group" aria-label="3 by 3 kernel">
            ${this.kernel.map(
              (v, i) =>
                html`<input
                  type="number"
                  step="any"
                  aria-label=${`Kernel row ${Math.floor(i / 3) + 1} column ${(i % 3) + 1}`}
                  .value=${fmt(v)}
                  @change=${(e: Event) => this.setCell(i, Number((e.target as HTMLInputElement).value))}
                />`,
            )}
          </div>
        </figure>
        <figure>
          <figcaption>${this.status || 'Input'}</figcaption>
          <canvas
            data-testid="kernel-input"
            width="28"
            height="28"
            role="img"
            aria-label="The input digit"
          ></canvas>
        </figure>
        <figure>
          <figcaption>
            Output (SAME padding${this.relu ? ', ReLU' : ''}${this.clamp ? ', clamp 255' : ''})
            ${this.outRange}
          </figcaption>
          <canvas
            data-testid="kernel-output"
            width="28"
            height="28"
            role="img"
            aria-label="The filtered digit"
          ></canvas>
        </figure>
      </div>
      <div class="bar use" role="group" aria-label="Use the kernel in the network">
        <label
          >Filter
          <input
            class="idx"
            type="number"
            min="0"
            data-testid="kernel-filter-index"
            aria-label="First-layer filter number"
            .value=${String(this.filterIndex)}
            @change=${(e: Event) => (this.filterIndex = Math.max(0, Math.round(Number((e.target as HTMLInputElement).value)) || 0))}
        /></label>
        <button
          data-testid="kernel-use-filter"
          ?disabled=${this.filterBusy}
          @click=${() => void this.useAsFilter()}
        >
          Use as a first-layer filter
        </button>
        ${this.filterStatus ? html`<span role="status" data-testid="kernel-filter-status">${this.filterStatus}</span>` : nothing}
      </div>
      ${this.filterError ? html`<p class="error" role="alert" data-testid="kernel-filter-error">${this.filterError}</p>` : nothing}
      <p class="muted">
        The nine numbers go into the network as weights exactly as they are, and its bias stays. The
        network sees pixels on 0..1, not 0..255, so there "edge detect" gives outputs up to 8; ReLU
        and clamp here only shape this preview (the layer uses its own activation). In a 5×5 layer
        the 3×3 kernel sits in the centre with zeros around it, which filters exactly like the 3×3
        alone. Training then goes on from your filter.
      </p>
    `;
  }
}

function sameKernel(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
}

/** What model/set-filter did, in one sentence. */
function describePlacement(p: FilterPlacement): string {
  const size = `${p.layerKh}×${p.layerKw}`;
  const where =
    p.offsetY || p.offsetX ? ` (${size}: the 3×3 sits in the centre, zeros around it)` : '';
  return `Copied into filter ${p.filter} of ${p.layerName}${where}; its bias is unchanged.`;
}

/** Values on a 0..scale range as gray (negative values black, like the tutorials' uint8 view); null: all black. */
function paint(canvas: HTMLCanvasElement, values: Float32Array | null, scale: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 28 * 28; i++) {
    const g = values ? Math.round(255 * Math.max(0, Math.min(1, values[i] / scale))) : 0;
    img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = g;
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

if (!customElements.get('cnn-kernel-playground'))
  customElements.define('cnn-kernel-playground', KernelPlayground);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-kernel-playground': KernelPlayground;
  }
}
