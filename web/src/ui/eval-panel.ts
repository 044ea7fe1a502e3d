// <cnn-eval-panel>: shows one test-set evaluation (EvalReport): headline numbers, per-class
// accuracy bars, a clickable confusion matrix with a gallery of the selected cell's mistakes,
// and the least sure digits. It only displays a report; it never asks the worker for one.
import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { EvalReport } from '../worker/protocol';
import { exampleCardStyles, renderExampleList } from './example-card';

const CARDS_PER_TASK = 6;
const pct = (f: number, digits = 1) => (Number.isFinite(f) ? `${(f * 100).toFixed(digits)}%` : '–');

export class EvalPanel extends LitElement {
  static properties = {
    report: { attribute: false },
    _sel: { state: true },
    _focus: { state: true },
  };

  static styles = [
    exampleCardStyles,
    css`
      :host {
        display: block;
        color: var(--fg, #1d2330);
        min-width: 0;
        background: var(--bg, #fff);
        border: 1px solid var(--border, #d8dce3);
        border-radius: var(--radius, 8px);
        padding: 12px 14px;
      }
      .hint {
        color: var(--muted, #5b6475);
      }
      .gallery,
      section[data-testid='cell-gallery'] {
        content-visibility: auto;
        contain-intrinsic-size: auto 320px;
      }
      h2.title {
        font-size: 1rem;
        margin: 0 0 8px;
      }
      h3 {
        font-size: 0.95rem;
        margin: 1rem 0 0.4rem;
      }
      .headline {
        margin: 0;
        line-height: 1.5;
      }
      .headline strong {
        font-size: 1.5rem;
      }
      .sub {
        color: var(--muted, #5b6475);
      }
      .classes {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        grid-template-columns: 1.2em 1fr auto;
        gap: 0.15rem 0.5rem;
        align-items: center;
        font-size: 0.8rem;
        font-variant-numeric: tabular-nums;
      }
      .classes li {
        display: contents;
      }
      .track {
        height: 0.7rem;
        background: var(--surface, #f6f7f9);
        border: 1px solid var(--border, #d8dce3);
        border-radius: 3px;
        overflow: hidden;
      }
      .fill {
        display: block;
        height: 100%;
        background: var(--accent, #2563eb);
      }
      .scroll {
        overflow-x: auto;
        max-width: 100%;
      }
      table {
        border-collapse: collapse;
        font-size: 0.65rem;
        font-variant-numeric: tabular-nums;
      }
      caption {
        text-align: left;
        color: var(--muted, #5b6475);
        font-size: 0.75rem;
        padding-bottom: 0.3rem;
      }
      th {
        font-weight: 600;
        color: var(--muted, #5b6475);
        padding: 0 2px;
      }
      th.axis {
        color: var(--fg, #1d2330);
      }
      th.axis.v {
        writing-mode: vertical-rl;
        transform: rotate(180deg);
      }
      td {
        padding: 1px;
      }
      td button {
        --t: 0%;
        min-width: 1.6rem;
        width: 100%;
        height: 1.6rem;
        padding: 0 1px;
        font: inherit;
        border: 1px solid var(--border, #d8dce3);
        border-radius: 3px;
        color: var(--fg, #1d2330);
        background: color-mix(in srgb, var(--bad, #b91c1c) var(--t), var(--bg, #fff));
        cursor: pointer;
      }
      td button.diag {
        background: color-mix(in srgb, var(--good, #15803d) var(--t), var(--bg, #fff));
      }
      td button.zero {
        color: var(--muted, #5b6475);
        cursor: default;
      }
      td button[aria-pressed='true'] {
        outline: 2px solid var(--accent, #2563eb);
        outline-offset: 1px;
      }
      td button:focus-visible {
        outline: 2px solid var(--accent, #2563eb);
        outline-offset: 1px;
      }
      .note {
        color: var(--muted, #5b6475);
        font-size: 0.85rem;
      }
    `,
  ];

  declare report: EvalReport | null;
  declare private _sel: { t: number; p: number } | null;
  /** The confusion cell that takes Tab focus (roving tabindex), as t * classes + p. */
  declare private _focus: number;

  constructor() {
    super();
    this.report = null;
    this._sel = null;
    this._focus = 0;
  }

  // The galleries (dozens of digit canvases) render after the matrix, CARDS_PER_TASK cards per
  // task, so no main-thread task grows long while the worker keeps training.
  private _galleries = false;
  private _cards = 0;
  private _galleryTimer = 0;

  protected updated(): void {
    const r = this.report;
    if (!r) return;
    const wanted = Math.max(r.leastSure.length, r.perCellLimit);
    if (this._galleries && this._cards >= wanted) return;
    clearTimeout(this._galleryTimer);
    this._galleryTimer = window.setTimeout(() => {
      this._galleries = true;
      this._cards += CARDS_PER_TASK;
      this.requestUpdate();
    }, 0);
  }

  protected willUpdate(changed: PropertyValues): void {
    if (changed.has('report')) {
      this._galleries = false;
      this._cards = 0;
    }
    const old = changed.get('report') as EvalReport | null | undefined;
    if (changed.has('report') && (!this.report || (old && old.classes !== this.report.classes))) {
      this._sel = null;
      this._focus = 0;
    }
  }

  protected render() {
    const r = this.report;
    const title = html`<h2 class="title">Evaluation on the test set</h2>`;
    if (!r)
      return html`${title}
        <p class="hint">Train one epoch or press Evaluate to see test results here.</p>`;
    return html`
      ${title}
      <p class="headline">
        <strong>${pct(r.accuracy, 2)}</strong> test accuracy<br />
        <span class="sub"
          >loss ${r.loss.toFixed(4)} ·
          ${
            r.count < r.total
              ? `${r.count.toLocaleString('en-US')} of ${r.total.toLocaleString('en-US')} test examples (the rest had not arrived)`
              : `${r.count.toLocaleString('en-US')} test examples`
          }
          · epoch ${r.epoch.toFixed(2)}, step ${r.step.toLocaleString('en-US')}</span
        >
      </p>
      <h3 id="per-class">Accuracy per digit</h3>
      <ul class="classes" aria-labelledby="per-class">
        ${r.perClass.map(
          (a, c) =>
            html`<li>
              <span>${c}</span>
              <span class="track" aria-hidden="true"
                ><span
                  class="fill"
                  style="width:${Number.isFinite(a) ? (a * 100).toFixed(1) : 0}%"
                ></span
              ></span>
              <span title=${`${r.classCount[c] ?? 0} test examples`}>${pct(a)}</span>
            </li>`,
        )}
      </ul>
      <h3>Confusion matrix</h3>
      <div class="scroll">${this._renderMatrix(r)}</div>
      ${
        this._galleries
          ? html`${this._renderCellGallery(r)}
              <section class="gallery" data-testid="least-sure" aria-labelledby="least-sure-title">
                <h3 id="least-sure-title">The test digits the model is least sure about</h3>
                ${r.leastSure.length ? renderExampleList(r.leastSure, r.images, this._cards) : html`<p class="note">None.</p>`}
              </section>`
          : ''
      }
    `;
  }

  private _renderMatrix(r: EvalReport): TemplateResult {
    const C = r.classes;
    const digits = Array.from({ length: C }, (_, i) => i);
    const rowTotal = digits.map((t) => {
      let s = 0;
      for (let p = 0; p < C; p++) s += r.confusion[t * C + p] ?? 0;
      return s;
    });
    const cell = (t: number, p: number) => {
      const n = r.confusion[t * C + p] ?? 0;
      const diag = t === p;
      const frac = rowTotal[t] > 0 ? n / rowTotal[t] : 0;
      // Off-diagonal fractions are small, so a square root makes a few percent visible. The tint
      // stops where the dark count on it still reads at 4.5:1 (65% green, 60% red).
      const tint =
        n === 0
          ? 0
          : Math.round((diag ? 65 : 60) * (diag ? frac : Math.min(1, 0.1 + Math.sqrt(frac) * 1.4)));
      const selected = this._sel?.t === t && this._sel?.p === p;
      const disabled = !diag && n === 0;
      const cls = [diag ? 'diag' : '', n === 0 ? 'zero' : ''].join(' ');
      return html`<td>
        <button
          class=${cls}
          style="--t:${tint}%"
          data-true=${t}
          data-pred=${p}
          tabindex=${this._focus === t * C + p ? 0 : -1}
          aria-pressed=${selected ? 'true' : 'false'}
          aria-label=${`true ${t}, predicted ${p}: ${n} example${n === 1 ? '' : 's'}`}
          aria-disabled=${disabled ? 'true' : 'false'}
          @click=${() => this._select(t, p)}
          @keydown=${(ev: KeyboardEvent) => this._key(ev, t, p)}
        >
          ${n}
        </button>
      </td>`;
    };
    return html`<table data-testid="confusion">
      <caption>
        Rows: true digit, columns: predicted digit. Select a cell off the diagonal to see its
        mistakes.
      </caption>
      <thead>
        <tr>
          <td colspan="2" rowspan="2"></td>
          <th class="axis" colspan=${C} scope="colgroup">predicted</th>
        </tr>
        <tr>
          ${digits.map((p) => html`<th scope="col">${p}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${digits.map(
          (t) =>
            html`<tr>
              ${t === 0 ? html`<th class="axis v" rowspan=${C} scope="rowgroup">true</th>` : nothing}
              <th scope="row">${t}</th>
              ${digits.map((p) => cell(t, p))}
            </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private _renderCellGallery(r: EvalReport): TemplateResult | typeof nothing {
    const sel = this._sel;
    if (!sel || sel.t >= r.classes || sel.p >= r.classes) return nothing;
    const { t, p } = sel;
    if (t === p) {
      return html`<section data-testid="cell-gallery" aria-live="polite">
        <p class="note">Correct predictions are not listed.</p>
      </section>`;
    }
    const total = r.confusion[t * r.classes + p] ?? 0;
    const shown = r.misclassified.filter((e) => e.label === t && e.predicted === p);
    return html`<section data-testid="cell-gallery" aria-labelledby="cell-title">
      <h3 id="cell-title" aria-live="polite">
        Misclassified: true ${t} predicted as ${p} (showing ${shown.length} of ${total})
      </h3>
      ${
        total > shown.length
          ? html`<p class="note">
              Only the first ${r.perCellLimit} examples of each cell are kept.
            </p>`
          : nothing
      }
      ${shown.length ? renderExampleList(shown, r.images, this._cards) : html`<p class="note">No examples in this cell.</p>`}
    </section>`;
  }

  private _select(t: number, p: number): void {
    const r = this.report;
    if (!r) return;
    this._focus = t * r.classes + p;
    if (t !== p && (r.confusion[t * r.classes + p] ?? 0) === 0) return;
    this._sel = this._sel?.t === t && this._sel?.p === p ? null : { t, p };
  }

  /** Arrow keys, Home and End move between the matrix cells (one Tab stop for the grid). */
  private _key(ev: KeyboardEvent, t: number, p: number): void {
    const C = this.report?.classes ?? 0;
    const moves: Record<string, [number, number]> = {
      ArrowUp: [t - 1, p],
      ArrowDown: [t + 1, p],
      ArrowLeft: [t, p - 1],
      ArrowRight: [t, p + 1],
      Home: [t, 0],
      End: [t, C - 1],
    };
    const to = moves[ev.key];
    if (!to) return;
    ev.preventDefault();
    const nt = Math.min(C - 1, Math.max(0, to[0]));
    const np = Math.min(C - 1, Math.max(0, to[1]));
    this._focus = nt * C + np;
    this.renderRoot
      .querySelector<HTMLButtonElement>(`button[data-true="${nt}"][data-pred="${np}"]`)
      ?.focus();
  }
}

if (!customElements.get('cnn-eval-panel')) customElements.define('cnn-eval-panel', EvalPanel);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-eval-panel': EvalPanel;
  }
}
