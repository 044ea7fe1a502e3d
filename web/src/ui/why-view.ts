// <cnn-why-view>: why the network reads a digit as it does. For the class the learner picks (the
// network's answer by default) it overlays three maps on the 28x28 digit: saliency, Grad-CAM and
// occlusion, in the feature maps' purple-white-orange colours with a legend. It draws what it is
// given; the worker computes every class's maps at once (inspect/explain), so picking another
// class repaints three small canvases and asks the worker nothing.
import { LitElement, css, html, nothing } from 'lit';
import { absMax, divergingCss, divergingRgb } from '../charts/colormap';
import type { Explanation } from '../worker/protocol';
import { argmax } from './shared-styles';

type MapKind = 'saliency' | 'gradcam' | 'occlusion';

const SCALE = 6; // display pixels per image pixel (CSS)
const pct = (p: number) => `${(100 * p).toFixed(p < 0.001 ? 2 : 1)}%`;
const num = (v: number) =>
  v !== 0 && Math.abs(v) < 0.01 ? v.toExponential(1) : v.toFixed(Math.abs(v) < 1 ? 3 : 2);

/**
 * Paints the digit in grey (ink dark) with the map blended over it: a value's colour on the
 * diverging scale [-scale, scale], more opaque the larger |value|, so zero leaves the digit as is.
 */
function paintOverlay(
  canvas: HTMLCanvasElement,
  image: Float32Array,
  map: Float32Array,
  h: number,
  w: number,
  scale: number,
): void {
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(w, h);
  const px = img.data;
  const inv = scale > 0 ? 1 / scale : 0;
  for (let i = 0; i < h * w; i++) {
    const grey = 255 * (1 - 0.6 * Math.min(1, Math.max(0, image[i])));
    const v = Math.max(-1, Math.min(1, map[i] * inv));
    const [r, g, b] = divergingRgb(v);
    const a = 0.9 * Math.min(1, Math.abs(v) * 1.5);
    px[i * 4] = grey * (1 - a) + r * a;
    px[i * 4 + 1] = grey * (1 - a) + g * a;
    px[i * 4 + 2] = grey * (1 - a) + b * a;
    px[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

export class WhyView extends LitElement {
  static properties = {
    explanation: { attribute: false },
    caption: { type: String },
    inputKey: { type: String },
    picked: { state: true },
  };
  explanation: Explanation | null = null;
  /** What the input is, e.g. "Test digit #3 (a 5)". */
  caption = '';
  /** A new key (another digit or drawing) resets the class to the network's answer. */
  inputKey = '';
  private picked: number | null = null;

  static styles = css`
    :host {
      display: block;
    }
    .classes {
      display: flex;
      flex-wrap: wrap;
      gap: 4px;
      margin: 6px 0 10px;
      align-items: center;
    }
    .classes button {
      font: inherit;
      font-size: 0.85rem;
      min-width: 3.2em;
      min-height: 34px;
      padding: 2px 6px;
      border-radius: 6px;
      border: 1px solid var(--border, #d8dce3);
      background: var(--surface, #f6f7f9);
      color: var(--fg, #1d2330);
      cursor: pointer;
      display: inline-flex;
      flex-direction: column;
      align-items: center;
      line-height: 1.1;
    }
    .classes button small {
      font-size: 0.7rem;
      color: var(--muted, #5b6475);
    }
    .classes button[aria-checked='true'] {
      background: var(--accent, #2563eb);
      border-color: var(--accent, #2563eb);
      color: var(--accent-fg, #fff);
    }
    .classes button[aria-checked='true'] small {
      color: inherit;
    }
    .classes button:focus-visible {
      outline: 3px solid var(--focus, #f59e0b);
      outline-offset: 2px;
    }
    .maps {
      display: flex;
      flex-wrap: wrap;
      gap: 12px;
      margin: 0;
    }
    figure {
      margin: 0;
      width: ${28 * SCALE}px;
      max-width: 100%;
    }
    canvas {
      width: ${28 * SCALE}px;
      height: ${28 * SCALE}px;
      max-width: 100%;
      image-rendering: pixelated;
      border: 1px solid var(--border, #d8dce3);
      display: block;
    }
    figcaption {
      font-size: 0.8rem;
      margin-top: 4px;
    }
    figcaption b {
      display: block;
      font-size: 0.85rem;
    }
    .none {
      width: ${28 * SCALE}px;
      height: ${28 * SCALE}px;
      max-width: 100%;
      display: flex;
      align-items: center;
      padding: 10px;
      box-sizing: border-box;
      border: 1px dashed var(--border, #d8dce3);
      font-size: 0.85rem;
    }
    .legend {
      display: flex;
      align-items: center;
      gap: 8px;
      font-size: 0.8rem;
      margin-top: 10px;
      flex-wrap: wrap;
    }
    .bar {
      width: 140px;
      height: 12px;
      border: 1px solid var(--border, #d8dce3);
    }
    .muted {
      color: var(--muted, #5b6475);
    }
    p {
      margin: 6px 0;
    }
  `;

  willUpdate(changed: Map<string, unknown>) {
    if (changed.has('inputKey') && changed.get('inputKey') !== undefined) this.picked = null;
  }

  /** The class the maps are for: the learner's pick, else the network's answer. */
  get chosenClass(): number {
    const e = this.explanation;
    if (!e) return 0;
    return this.picked !== null && this.picked < e.classes ? this.picked : argmax(e.probabilities);
  }

  updated() {
    const e = this.explanation;
    if (!e) return;
    const c = this.chosenClass;
    const n = e.height * e.width;
    const draw = (kind: MapKind, data: Float32Array, positiveOnly: boolean) => {
      const canvas = this.renderRoot.querySelector<HTMLCanvasElement>(`canvas[data-map="${kind}"]`);
      if (!canvas || data.length < (c + 1) * n) return;
      const slice = data.subarray(c * n, (c + 1) * n);
      const scale = positiveOnly ? Math.max(...slice) : absMax(slice);
      paintOverlay(canvas, e.image, slice, e.height, e.width, scale);
      canvas.dataset.scale = String(scale);
      canvas.dataset.class = String(c);
    };
    draw('saliency', e.saliency, false);
    if (e.gradCamLayer >= 0) draw('gradcam', e.gradCam, true);
    draw('occlusion', e.occlusion, false);
  }

  private pick(c: number) {
    this.picked = c;
  }

  private onKey(ev: KeyboardEvent) {
    const e = this.explanation;
    if (!e) return;
    const step =
      ev.key === 'ArrowRight' || ev.key === 'ArrowDown'
        ? 1
        : ev.key === 'ArrowLeft' || ev.key === 'ArrowUp'
          ? -1
          : 0;
    if (!step) return;
    ev.preventDefault();
    const next = (this.chosenClass + step + e.classes) % e.classes;
    this.picked = next;
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLButtonElement>(`button[data-class="${next}"]`)?.focus(),
    );
  }

  render() {
    const e = this.explanation;
    if (!e) return html`<p class="muted">Computing the maps…</p>`;
    const c = this.chosenClass;
    const top = argmax(e.probabilities);
    const n = e.height * e.width;
    const range = (data: Float32Array) => absMax(data.subarray(c * n, (c + 1) * n));
    const figure = (kind: MapKind, title: string, line: string, scaleText: string) => html`
      <figure data-testid=${`why-${kind}`}>
        <canvas
          data-map=${kind}
          role="img"
          aria-label=${`${title} of class ${c} over the digit. ${line}`}
        ></canvas>
        <figcaption><b>${title}</b>${line} <span class="muted">${scaleText}</span></figcaption>
      </figure>
    `;
    return html`
      <p data-testid="why-caption">
        ${this.caption} The network answers <strong>${top}</strong> (${pct(e.probabilities[top])}).
        ${
          c === top
            ? html`Why ${c}? Pick another class to ask why not.`
            : html`Showing the evidence for <strong>${c}</strong> (${pct(e.probabilities[c])}).`
        }
      </p>
      <div
        class="classes"
        role="radiogroup"
        aria-label="Class to explain"
        data-testid="why-classes"
        @keydown=${this.onKey}
      >
        ${Array.from(
          { length: e.classes },
          (_, k) =>
            html`<button
              data-class=${k}
              role="radio"
              aria-checked=${k === c ? 'true' : 'false'}
              aria-label=${`Explain class ${k} (${pct(e.probabilities[k])})`}
              tabindex=${k === c ? 0 : -1}
              @click=${() => this.pick(k)}
            >
              ${k}<small>${pct(e.probabilities[k])}</small>
            </button>`,
        )}
      </div>
      <div class="maps">
        ${figure(
          'saliency',
          'Saliency',
          `How much each pixel, made a little brighter, would change the score (logit) of ${c}.`,
          `±${num(range(e.saliency))}`,
        )}
        ${
          e.gradCamLayer >= 0
            ? figure(
                'gradcam',
                'Grad-CAM',
                `Where the last conv layer (${e.gradCamHeight}×${e.gradCamWidth}) found features that raise the score of ${c}.`,
                `max ${num(range(e.gradCam))}`,
              )
            : html`<figure data-testid="why-gradcam">
                <div class="none" role="note" data-testid="why-gradcam-none">
                  Grad-CAM looks at the last conv2d layer's feature maps, and this model has no
                  conv2d layer.
                </div>
                <figcaption><b>Grad-CAM</b>Not available for this model.</figcaption>
              </figure>`
        }
        ${figure(
          'occlusion',
          'Occlusion',
          `How much the probability of ${c} drops when a ${e.occlusionPatch}×${e.occlusionPatch} patch (stride ${e.occlusionStride}) there is erased (set to ${e.occlusionFill}, the background).`,
          `±${num(range(e.occlusion))}`,
        )}
      </div>
      <div class="legend" aria-hidden="true">
        <span>lowers ${c}</span>
        <span
          class="bar"
          style=${`background: linear-gradient(to right, ${divergingCss(-1)}, ${divergingCss(0)}, ${divergingCss(1)})`}
        ></span>
        <span>raises ${c}</span>
      </div>
      <p class="muted">
        Orange: this pixel speaks for ${c}; purple: against it; no colour: it does not matter. Each
        map is scaled to its own largest value (printed under it).
        ${e.model === 'pretrained' ? 'Explained with the pretrained network.' : nothing}
      </p>
    `;
  }
}

if (!customElements.get('cnn-why-view')) customElements.define('cnn-why-view', WhyView);
