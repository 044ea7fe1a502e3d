// <cnn-feature-maps>: every layer's feature maps of the pretrained network for one digit: an MNIST
// test digit (attribute `digit`, with ‹ › and Random) or the drawing of a <cnn-digit-pad> it is
// linked to (attribute `for` = the pad's id). It asks the worker for the maps and passes them to
// <cnn-feature-map-grid>, which draws them; it computes nothing itself.
import { LitElement, css, html, nothing } from 'lit';
import type { WorkerClient } from '../worker/client';
import type { FeatureMap, InspectInput } from '../worker/protocol';
import type { DigitDrawnDetail } from './digit-pad-reader';
import './feature-map-grid';
import { formatReading, panelStyles } from './shared-styles';
import { Standalone } from './standalone';

const TEST_COUNT = 10_000;

export class FeatureMaps extends LitElement {
  static properties = {
    client: { attribute: false },
    digit: { type: Number },
    for: { type: String },
    source: { state: true },
    maps: { state: true },
    caption: { state: true },
    error: { state: true },
    busy: { state: true },
  };
  /** The worker to ask; without one by the first update the element runs alone. */
  client: WorkerClient | null = null;
  /** The MNIST test digit shown (index into the 10,000 test images). */
  digit = 0;
  /** The id of a <cnn-digit-pad> whose finished drawings are shown. */
  for = '';
  private source: 'test' | 'drawn' = 'test';
  private maps: FeatureMap[] = [];
  private caption = '';
  private error = '';
  private busy = false;

  private drawnImage: Float32Array | null = null;
  private standalone = new Standalone(this);
  private drawnVersion = 0;
  /** What the maps on screen (or in flight) show: 'test:<index>' or 'drawn:<version>'. */
  private shownKey = '';
  private seq = 0;
  private listeningOn: Node | null = null;

  static styles = [
    panelStyles,
    css`
      :host {
        display: block;
      }
      .bar {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 10px;
        align-items: center;
        margin-bottom: 8px;
        font-size: 0.9rem;
      }
      .bar label {
        display: inline-flex;
        align-items: center;
        gap: 4px;
      }
      input[type='number'] {
        width: 6em;
      }
    `,
  ];

  connectedCallback() {
    super.connectedCallback();
    // Drawings bubble up from the pad: listen where the pad lives (the page, or a shadow root),
    // so the pad may come before or after this element, or later.
    this.listeningOn = this.getRootNode();
    this.listeningOn.addEventListener('digit-drawn', this.onDrawn);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.listeningOn?.removeEventListener('digit-drawn', this.onDrawn);
    this.listeningOn = null;
  }

  firstUpdated() {
    this.standalone.start();
    void this.fetch();
  }

  updated(changed: Map<string, unknown>) {
    if (changed.has('digit') && changed.get('digit') !== undefined) {
      this.source = 'test';
      void this.fetch();
    }
  }

  private onDrawn = (e: Event) => {
    if (!this.for || (e.target as Element | null)?.id !== this.for) return;
    const detail = (e as CustomEvent<DigitDrawnDetail>).detail;
    this.drawnImage = detail?.image ?? null;
    this.drawnVersion++;
    this.source = detail ? 'drawn' : 'test';
    void this.fetch();
  };

  private setDigit(i: number) {
    const n = TEST_COUNT;
    this.digit = ((Math.round(i) % n) + n) % n;
    this.source = 'test';
    void this.fetch();
  }

  private async fetch() {
    if (!this.client) return;
    const drawn = this.source === 'drawn' && this.drawnImage;
    const key = drawn ? `drawn:${this.drawnVersion}` : `test:${this.digit}`;
    if (key === this.shownKey) return;
    this.shownKey = key;
    const seq = ++this.seq;
    const input: InspectInput = drawn
      ? { kind: 'image', image: this.drawnImage!.slice() }
      : { kind: 'test', index: this.digit };
    this.busy = true;
    try {
      const c = await this.standalone.need('pretrained', 'mnist-test');
      const r = await c.request('inspect/activations', { input, model: 'pretrained' });
      if (seq !== this.seq) return;
      this.maps = r.layers;
      const net = r.model === 'pretrained' ? 'the pretrained network' : 'the network';
      this.caption = drawn
        ? `Your drawing, as ${net} sees it: it reads ${formatReading(r.probabilities)}.`
        : `Test digit #${this.digit} (a ${r.label}): ${net} reads ${formatReading(r.probabilities)}.`;
      this.error = '';
    } catch (e) {
      if (seq !== this.seq) return;
      this.error = (e as Error).message;
      this.shownKey = ''; // the same digit may be asked for again
    } finally {
      if (seq === this.seq) this.busy = false;
    }
  }

  render() {
    return html`
      <div class="bar" role="group" aria-label="Which digit">
        <button aria-label="Previous test digit" @click=${() => this.setDigit(this.digit - 1)}>
          ‹
        </button>
        <label
          >Test digit
          <input
            type="number"
            min="0"
            max=${TEST_COUNT - 1}
            aria-label="Test digit number"
            .value=${String(this.digit)}
            @change=${(e: Event) => this.setDigit(Number((e.target as HTMLInputElement).value) || 0)}
          />
        </label>
        <button aria-label="Next test digit" @click=${() => this.setDigit(this.digit + 1)}>
          ›
        </button>
        <button @click=${() => this.setDigit(Math.floor(Math.random() * TEST_COUNT))}>
          Random
        </button>
        ${
          this.for
            ? html`<button
                ?disabled=${!this.drawnImage}
                aria-pressed=${this.source === 'drawn' ? 'true' : 'false'}
                @click=${() => {
                  this.source = 'drawn';
                  void this.fetch();
                }}
              >
                Your drawing
              </button>`
            : nothing
        }
        ${this.busy ? html`<span class="muted" role="status">Loading…</span>` : nothing}
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <cnn-feature-map-grid .maps=${this.maps} .caption=${this.caption}></cnn-feature-map-grid>
    `;
  }
}

if (!customElements.get('cnn-feature-maps')) customElements.define('cnn-feature-maps', FeatureMaps);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-feature-maps': FeatureMaps;
  }
}
