// Training controls: Train / Pause / Step / Reset, the hyper-parameters (which apply while
// training), and the progress line (epoch, step, examples/s, ETA, elapsed). It shows what the
// playground tells it and emits what the user asks for; it owns no training state.
import { LitElement, css, html } from 'lit';
import type { Hparams } from '../state/spec';
import type { ThreadInfo, TrainState } from '../worker/protocol';
import { formatCount, formatDuration, panelStyles } from './shared-styles';

export interface TrainProgress {
  step: number;
  epoch: number; // fractional
  stepsPerEpoch: number;
  totalSteps: number;
  examplesPerSec: number;
  trainMs: number;
  wallMs: number;
  lr: number;
  /** Wall time left for the planned epochs at the recent pace, evaluations included. */
  etaMs: number;
}

export class TrainPanel extends LitElement {
  static properties = {
    state: { type: String },
    hparams: { attribute: false },
    progress: { attribute: false },
    ready: { type: Boolean },
    message: { type: String },
    hide: { attribute: false },
    threads: { attribute: false },
  };
  state: TrainState = 'idle';
  hparams: Hparams | null = null;
  progress: TrainProgress | null = null;
  ready = false;
  message = '';
  /** Controls a lesson link hides (keys of HIDEABLE in state/app-state.ts). */
  hide: string[] = [];
  /** The engine's threads (null until the worker has started). */
  threads: ThreadInfo | null = null;

  static styles = [
    panelStyles,
    css`
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(130px, 1fr));
        gap: 8px 12px;
        margin: 12px 0;
      }
      .grid label {
        display: flex;
        flex-direction: column;
        font-size: 0.8rem;
        color: var(--muted, #5b6475);
        gap: 2px;
      }
      .grid label.check {
        flex-direction: row;
        align-items: center;
        gap: 6px;
        color: var(--fg, #1d2330);
        font-size: 0.9rem;
      }
      .grid input[type='number'],
      .grid select {
        width: 100%;
      }
      .stats {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 16px;
        font-size: 0.9rem;
        margin-top: 6px;
      }
      .stats b {
        font-variant-numeric: tabular-nums;
      }
      .state {
        font-weight: 600;
      }
    `,
  ];

  private emit(name: string, detail?: unknown) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private change(field: keyof Hparams, value: unknown) {
    if (typeof value === 'number' && !Number.isFinite(value)) return;
    this.emit('hparams-change', { [field]: value });
  }

  private num(
    field: keyof Hparams,
    label: string,
    opts: {
      step?: string;
      min?: string;
      max?: string;
      int?: boolean;
      disabled?: boolean;
      hint?: string;
    } = {},
  ) {
    const v = this.hparams?.[field];
    return html`<label
      >${label}
      <input
        type="number"
        aria-label=${label}
        title=${opts.hint ?? ''}
        .value=${v === null || v === undefined ? '' : String(v)}
        step=${opts.step ?? 'any'}
        min=${opts.min ?? '0'}
        max=${opts.max ?? ''}
        ?disabled=${opts.disabled ?? false}
        @change=${(e: Event) => {
          const raw = (e.target as HTMLInputElement).value;
          this.change(field, opts.int ? parseInt(raw, 10) : Number(raw));
        }}
    /></label>`;
  }

  private shows(key: string): boolean {
    return !this.hide.includes(key);
  }

  /** "2 threads" with a choice of 1..max, or "1 thread: why not more". */
  private renderThreads() {
    const t = this.threads;
    if (!t) return '';
    const text = `${t.threads} thread${t.threads === 1 ? '' : 's'}`;
    if (t.max <= 1)
      return html`<p class="muted engine" data-testid="threads">
        Engine: <b>${text}</b>${t.why ? html`: ${t.why}` : ''}
      </p>`;
    return html`<p class="muted engine" data-testid="threads">
      <label
        >Engine threads
        <select
          aria-label="Engine threads"
          @change=${(e: Event) => this.emit('threads-change', Number((e.target as HTMLSelectElement).value))}
        >
          ${Array.from({ length: t.max }, (_, i) => i + 1).map((n) => html`<option value=${n} ?selected=${n === t.threads}>${n}</option>`)}
        </select></label
      >
      <b>${text}</b> (the same results with any count)
    </p>`;
  }

  render() {
    const h = this.hparams;
    const p = this.progress;
    const running = this.state === 'running';
    const stateText = { idle: 'Ready', running: 'Training', paused: 'Paused', done: 'Done' }[
      this.state
    ];
    const epochs = h?.epochs ?? 1;
    const eta = running && p ? p.etaMs : NaN;
    return html`
      <h2>
        Training <small class="state" role="status" data-testid="train-state">${stateText}</small>
      </h2>
      <div class="buttons">
        <button
          class="primary"
          data-testid="train"
          aria-keyshortcuts="Space"
          title="Train (Space)"
          ?disabled=${!this.ready || running}
          @click=${() => this.emit('train-start')}
        >
          Train<kbd>Space</kbd>
        </button>
        <button
          data-testid="pause"
          aria-keyshortcuts="Space"
          title="Pause (Space)"
          ?disabled=${!running}
          @click=${() => this.emit('train-pause')}
        >
          Pause
        </button>
        <button
          data-testid="step"
          aria-keyshortcuts="S"
          title="Train one batch (S)"
          ?disabled=${!this.ready}
          @click=${() => this.emit('train-step')}
        >
          Step<kbd>S</kbd>
        </button>
        <button
          data-testid="reset"
          aria-keyshortcuts="R"
          title="Fresh weights from the seed (R)"
          ?disabled=${!this.ready}
          @click=${() => this.emit('train-reset')}
        >
          Reset<kbd>R</kbd>
        </button>
        <button
          data-testid="evaluate"
          title="Evaluate on the whole test set"
          ?disabled=${!this.ready}
          @click=${() => this.emit('eval-run')}
        >
          Evaluate
        </button>
      </div>
      ${this.message ? html`<p class="muted" role="status">${this.message}</p>` : ''}
      <div class="grid">
        ${
          this.shows('opt')
            ? html`<label
                >Optimizer
                <select
                  aria-label="Optimizer"
                  @change=${(e: Event) => this.change('optimizer', (e.target as HTMLSelectElement).value)}
                >
                  ${[
                    ['sgd', 'SGD'],
                    ['adam', 'Adam'],
                    ['rmsprop', 'RMSprop'],
                  ].map(
                    ([v, l]) =>
                      html`<option value=${v} ?selected=${h?.optimizer === v}>${l}</option>`,
                  )}
                </select></label
              >`
            : ''
        }
        ${this.shows('lr') ? this.num('lr', 'Learning rate', { min: '0', hint: 'Applies from the next batch' }) : ''}
        ${this.shows('opt') ? this.num('momentum', 'Momentum', { max: '0.999', disabled: h?.optimizer !== 'sgd', hint: 'SGD only' }) : ''}
        ${this.shows('batch') ? this.num('batchSize', 'Batch size', { step: '1', min: '1', max: '4096', int: true }) : ''}
        ${this.shows('l2') ? this.num('l2', 'L2 (conv + dense)', { hint: 'Weight decay on every kernel' }) : ''}
        ${this.shows('dropout') ? this.num('dropout', 'Dropout rate', { max: '0.95', disabled: h?.dropout === null, hint: h?.dropout === null ? 'The model has no dropout layer' : '' }) : ''}
        ${this.shows('epochs') ? this.num('epochs', 'Epochs', { step: '1', min: '1', int: true }) : ''}
        ${this.shows('seed') ? this.num('seed', 'Seed', { step: '1', min: '0', int: true, hint: 'Used by Reset' }) : ''}
        ${
          this.shows('augment')
            ? html`<label class="check"
                ><input
                  type="checkbox"
                  aria-label="Augmentation"
                  .checked=${h?.augment ?? false}
                  @change=${(e: Event) => this.change('augment', (e.target as HTMLInputElement).checked)}
                />
                Augment (shift, rotate, scale)</label
              >`
            : ''
        }
      </div>
      ${this.renderThreads()}
      <progress
        aria-label="Training progress"
        max=${epochs}
        .value=${p ? Math.min(epochs, p.epoch) : 0}
      ></progress>
      <div class="stats" data-testid="train-stats">
        <span>Epoch <b>${p ? p.epoch.toFixed(2) : '0.00'}</b> of ${epochs}</span>
        <span>Step <b>${formatCount(p?.step ?? 0)}</b></span>
        <span
          ><b data-testid="examples-per-sec"
            >${p ? formatCount(Math.round(p.examplesPerSec)) : '–'}</b
          >
          examples/s</span
        >
        <span>Elapsed <b data-testid="elapsed">${formatDuration(p?.wallMs ?? 0)}</b></span>
        <span>ETA <b data-testid="eta">${formatDuration(eta)}</b></span>
        <span>lr <b>${p ? p.lr.toPrecision(3) : '–'}</b></span>
      </div>
    `;
  }
}

if (!customElements.get('cnn-train-panel')) customElements.define('cnn-train-panel', TrainPanel);
