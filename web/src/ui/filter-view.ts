// <cnn-filter-view>: what the network has learnt to look for. Conv kernels as small images (one
// row per output channel, one column per input channel), and the last dense layer's weights as
// one template per class when its inputs form an image (e.g. 28x28 for a network without
// convolutions). Colours are diverging and scaled per layer; the worker sends the raw weights.
import { LitElement, css, html, nothing } from 'lit';
import { absMax, gridSize, paintTiles, type TileLayout } from '../charts/colormap';
import type { FilterTensor } from '../worker/protocol';

interface Plan {
  f: FilterTensor;
  title: string;
  note: string;
  layout: TileLayout;
  scale: number;
  value: (tile: number, y: number, x: number) => number;
  absMax: number;
}

const MAX_INPUT_COLUMNS = 16; // input channels shown per output channel

function planConv(f: FilterTensor): Plan {
  const [kh, kw, c, k] = f.shape;
  const cols = Math.min(c, MAX_INPUT_COLUMNS);
  const scale = Math.max(2, Math.min(10, Math.floor(36 / Math.max(kh, kw))));
  return {
    f,
    title: `${f.index} conv2d`,
    note: `${k} filters of ${kh}×${kw}×${c}${c > cols ? ` (first ${cols} input channels shown)` : ''}: row = output channel, column = input channel`,
    layout: { tiles: k * cols, tileH: kh, tileW: kw, cols, gap: 1 },
    scale,
    value: (t, y, x) => {
      const o = Math.floor(t / cols);
      const i = t % cols;
      return f.data[((y * kw + x) * c + i) * k + o];
    },
    absMax: absMax(f.data),
  };
}

function planDense(f: FilterTensor): Plan | null {
  const [inputs, units] = f.shape;
  const s = f.inputShape;
  if (!s || s[0] * s[1] * s[2] !== inputs || s[2] > 16) return null;
  const [h, w, c] = s;
  const scale = Math.max(1, Math.min(8, Math.floor(56 / Math.max(h, w))));
  // One row per class; one tile per input channel.
  return {
    f,
    title: `${f.index} dense`,
    note: `the weights into each of the ${units} outputs, arranged as the ${h}×${w}×${c} input they read: row = class${c > 1 ? ', column = input channel' : ''}`,
    layout: { tiles: units * c, tileH: h, tileW: w, cols: c, gap: 1 },
    scale,
    value: (t, y, x) => {
      const u = Math.floor(t / c);
      const ch = t % c;
      return f.data[((y * w + x) * c + ch) * units + u];
    },
    absMax: absMax(f.data),
  };
}

export class FilterView extends LitElement {
  static properties = { filters: { attribute: false } };
  filters: FilterTensor[] = [];
  private plans: Array<Plan | { f: FilterTensor; skip: string }> = [];

  static styles = css`
    :host {
      display: block;
    }
    section {
      border-top: 1px solid var(--border, #d8dce3);
      padding: 6px 0;
    }
    h3 {
      margin: 0;
      font-size: 0.85rem;
      font-family: var(--mono, monospace);
    }
    p {
      margin: 2px 0 6px;
      font-size: 0.8rem;
      color: var(--muted, #5b6475);
    }
    .scroll {
      overflow: auto;
      max-height: 420px;
    }
    .scroll:focus-visible {
      outline: 3px solid var(--accent, #2563eb);
      outline-offset: 2px;
    }
    canvas {
      image-rendering: pixelated;
    }
  `;

  willUpdate() {
    this.plans = this.filters.map((f) => {
      if (f.type === 'conv2d') return planConv(f);
      return (
        planDense(f) ?? {
          f,
          skip: `reads ${f.shape[0]} features that are not laid out as an image, so there are no templates to show (${f.shape[0]}×${f.shape[1]} weights)`,
        }
      );
    });
  }

  updated() {
    const canvases = this.renderRoot.querySelectorAll<HTMLCanvasElement>('canvas');
    let k = 0;
    for (const p of this.plans) {
      if ('skip' in p) continue;
      const c = canvases[k++];
      paintTiles(c, p.layout, p.absMax, p.value);
      const { width, height } = gridSize(p.layout);
      c.style.width = `${width * p.scale}px`;
      c.style.height = `${height * p.scale}px`;
    }
  }

  render() {
    if (!this.filters.length) return html`<p>No convolution or dense weights to show.</p>`;
    return html`${this.plans.map((p) =>
      'skip' in p
        ? html`<section>
            <h3>${p.f.index} ${p.f.type}</h3>
            <p>The last layer ${p.skip}.</p>
          </section>`
        : html`<section data-testid="filter-layer">
            <h3>
              ${p.title}
              <span style="font-weight:normal"
                >(${p.f.name}, max |w| ${p.absMax.toPrecision(3)})</span
              >
            </h3>
            <p>${p.note}</p>
            <!-- Focusable so that a large layer scrolls from the keyboard too. -->
            <div class="scroll" tabindex="0" role="group" aria-label=${`${p.title} weights`}>
              <canvas role="img" aria-label=${`${p.title} weights: ${p.note}`}></canvas>
            </div>
          </section>`,
    )}${nothing}`;
  }
}

if (!customElements.get('cnn-filter-view')) customElements.define('cnn-filter-view', FilterView);
