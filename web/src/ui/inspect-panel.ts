// <cnn-inspect-panel>: looks inside the network. Four views: every layer's feature maps for one
// input (a test digit or the drawn digit), why the network reads that input as it does
// (<cnn-why-view>), the filters, and per-layer statistics. It asks the
// worker for them only while it is on screen, at most once a second during training, and never
// with two requests in flight, so inspection costs training little.
import { LitElement, css, html, nothing } from 'lit';
import type { WorkerClient } from '../worker/client';
import type {
  Explanation,
  FeatureMap,
  FilterTensor,
  LayerStats,
  PadModel,
  TrainState,
} from '../worker/protocol';
import './feature-map-grid';
import './filter-view';
import './layer-stats';
import './why-view';
import { formatReading, panelStyles } from './shared-styles';
import { tabStrip } from './tabs';

type View = 'maps' | 'why' | 'filters' | 'stats';
const LIVE_MS = 1000;
// The explanation costs the worker about 1 + classes backward and ~150 forward passes: refreshed
// less often while training, so it slows training little.
const LIVE_WHY_MS = 3000;

export class InspectPanel extends LitElement {
  static properties = {
    client: { attribute: false },
    trainState: { type: String },
    step: { type: Number },
    modelVersion: { type: Number },
    drawn: { attribute: false },
    padModel: { type: String },
    testCount: { type: Number },
    view: { state: true },
    source: { state: true },
    testIndex: { state: true },
    live: { state: true },
    maps: { state: true },
    mapsCaption: { state: true },
    why: { state: true },
    whyCaption: { state: true },
    filters: { state: true },
    stats: { state: true },
    error: { state: true },
  };
  client: WorkerClient | null = null;
  trainState: TrainState = 'idle';
  step = 0;
  modelVersion = 0;
  drawn: Float32Array | null = null;
  padModel: PadModel = 'current';
  testCount = 0;
  private view: View = 'maps';
  private source: 'test' | 'drawn' = 'test';
  private testIndex = 0;
  private live = true;
  private maps: FeatureMap[] = [];
  private mapsCaption = '';
  private why: Explanation | null = null;
  private whyCaption = '';
  private filters: FilterTensor[] = [];
  private stats: LayerStats[] = [];
  private error = '';

  private visible = false;
  private busy = false;
  private lastFetch = 0;
  private fetchedKey = '';
  private timer = 0;
  private observer: IntersectionObserver | null = null;

  static styles = [
    panelStyles,
    css`
      .bar {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 14px;
        align-items: center;
        margin-bottom: 8px;
        font-size: 0.9rem;
      }
      input[type='number'] {
        width: 6em;
      }
      .bar label {
        display: inline-flex;
        align-items: center;
      }
      .pred {
        font-size: 0.85rem;
      }
    `,
  ];

  connectedCallback() {
    super.connectedCallback();
    this.observer = new IntersectionObserver((entries) => {
      this.visible = entries.some((e) => e.isIntersecting);
    });
    this.observer.observe(this);
    this.timer = window.setInterval(() => void this.tick(), 200);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.observer?.disconnect();
    clearInterval(this.timer);
  }

  /** What the current view shows is a function of this key; a new key means a new request. */
  private key(): string {
    const input =
      this.source === 'drawn'
        ? `drawn:${this.drawnVersion}:${this.padModel}`
        : `test:${this.testIndex}`;
    return `${this.view}|${this.modelVersion}|${this.step}|${this.testCount}|${this.view === 'maps' || this.view === 'why' ? input : ''}`;
  }
  /** The input alone: a new one resets the explained class to the network's answer. */
  private inputKey(): string {
    return this.source === 'drawn' && this.drawn
      ? `drawn:${this.drawnVersion}`
      : `test:${this.testIndex}`;
  }
  private drawnVersion = 0;

  willUpdate(changed: Map<string, unknown>) {
    if (changed.has('drawn') && this.drawn) {
      this.drawnVersion++;
      this.source = 'drawn';
    }
  }

  private async tick() {
    if (!this.client || !this.visible || this.busy) return;
    const key = this.key();
    if (key === this.fetchedKey) return;
    const training = this.trainState === 'running';
    const every = this.view === 'why' ? LIVE_WHY_MS : LIVE_MS;
    if (training && (!this.live || performance.now() - this.lastFetch < every)) return;
    this.busy = true;
    this.lastFetch = performance.now();
    try {
      await this.fetchView();
      this.fetchedKey = key;
      this.error = '';
    } catch (e) {
      this.error = (e as Error).message;
      this.fetchedKey = key; // do not retry the same failing request in a loop
    } finally {
      this.busy = false;
    }
  }

  private async fetchView() {
    const c = this.client!;
    if (this.view === 'maps') {
      if (this.source === 'drawn' && this.drawn) {
        const r = await c.request('inspect/activations', {
          input: { kind: 'image', image: this.drawn.slice() },
          model: this.padModel,
        });
        this.maps = r.layers;
        this.mapsCaption = `The drawn digit through the ${r.model === 'pretrained' ? 'pretrained' : 'current'} network: it reads ${formatReading(r.probabilities)}.`;
      } else {
        const r = await c.request('inspect/activations', {
          input: { kind: 'test', index: this.testIndex },
        });
        this.maps = r.layers;
        this.mapsCaption = `Test digit #${this.testIndex} (a ${r.label}): the network reads ${formatReading(r.probabilities)}.`;
      }
    } else if (this.view === 'why') {
      const drawn = this.source === 'drawn' && this.drawn;
      const r = await c.request(
        'inspect/explain',
        drawn
          ? { input: { kind: 'image', image: this.drawn!.slice() }, model: this.padModel }
          : { input: { kind: 'test', index: this.testIndex } },
      );
      this.why = r;
      this.whyCaption = drawn
        ? 'The drawn digit.'
        : `Test digit #${this.testIndex} (a ${r.label}).`;
    } else if (this.view === 'filters') {
      this.filters = (await c.request('inspect/filters', {})).layers;
    } else {
      this.stats = (await c.request('inspect/stats', {})).layers;
    }
  }

  /** Opens "Why this answer" on the drawn digit (the draw panel's link) and scrolls to it. */
  showWhy() {
    this.view = 'why';
    if (this.drawn) this.source = 'drawn';
    this.scrollIntoView({ block: 'start' });
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>('[role="tab"][aria-selected="true"]')?.focus(),
    );
  }

  private setIndex(i: number) {
    const n = Math.max(1, this.testCount);
    this.testIndex = ((Math.round(i) % n) + n) % n;
    this.source = 'test';
  }

  render() {
    const tabs: Array<[View, string]> = [
      ['maps', 'Feature maps'],
      ['why', 'Why this answer'],
      ['filters', 'Filters'],
      ['stats', 'Statistics'],
    ];
    return html`
      <h2>Inside the network</h2>
      ${tabStrip({ label: 'Inspection views', tabs, selected: this.view, select: (v) => (this.view = v), panel: 'inspect-view' })}
      <div class="bar">
        ${
          this.view === 'maps' || this.view === 'why'
            ? html`<label
                  ><input
                    type="radio"
                    name="src"
                    .checked=${this.source === 'test'}
                    @change=${() => (this.source = 'test')}
                  />
                  Test digit</label
                >
                <button
                  aria-label="Previous test digit"
                  @click=${() => this.setIndex(this.testIndex - 1)}
                >
                  ‹
                </button>
                <input
                  type="number"
                  aria-label="Test digit number"
                  min="0"
                  .value=${String(this.testIndex)}
                  @change=${(e: Event) => this.setIndex(Number((e.target as HTMLInputElement).value))}
                />
                <button
                  aria-label="Next test digit"
                  @click=${() => this.setIndex(this.testIndex + 1)}
                >
                  ›
                </button>
                <button @click=${() => this.setIndex(Math.floor(Math.random() * this.testCount))}>
                  Random
                </button>
                <label
                  ><input
                    type="radio"
                    name="src"
                    .checked=${this.source === 'drawn'}
                    ?disabled=${!this.drawn}
                    @change=${() => (this.source = 'drawn')}
                  />
                  The drawn digit</label
                >`
            : nothing
        }
        <label title="Refresh about once a second while training"
          ><input
            type="checkbox"
            .checked=${this.live}
            @change=${(e: Event) => (this.live = (e.target as HTMLInputElement).checked)}
          />
          Live during training</label
        >
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <div id="inspect-view" role="tabpanel">
        ${
          this.view === 'maps'
            ? html`<cnn-feature-map-grid
                .maps=${this.maps}
                .caption=${this.mapsCaption}
              ></cnn-feature-map-grid>`
            : this.view === 'why'
              ? html`<cnn-why-view
                  .explanation=${this.why}
                  .caption=${this.whyCaption}
                  .inputKey=${this.inputKey()}
                ></cnn-why-view>`
              : this.view === 'filters'
                ? html`<cnn-filter-view .filters=${this.filters}></cnn-filter-view>`
                : html`<cnn-layer-stats .stats=${this.stats}></cnn-layer-stats>`
        }
      </div>
    `;
  }
}

if (!customElements.get('cnn-inspect-panel'))
  customElements.define('cnn-inspect-panel', InspectPanel);
