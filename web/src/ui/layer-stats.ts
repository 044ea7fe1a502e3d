// <cnn-layer-stats>: a table of per-layer health numbers the core computes: weights and
// gradients (range, mean, std, a histogram), the share of zero activations (dead ReLUs),
// NaN/Inf counts of all three and the last update's size relative to the weights.
import { LitElement, css, html, nothing, svg } from 'lit';
import type { LayerStats, TensorStats } from '../worker/protocol';

const num = (v: number) =>
  v === 0 ? '0' : Math.abs(v) >= 1000 || Math.abs(v) < 1e-3 ? v.toExponential(1) : v.toPrecision(3);

function histogram(s: TensorStats, label: string) {
  const h = s.histogram;
  if (!h.length || s.count === 0) return nothing;
  const max = Math.max(...h, 1);
  const w = 60;
  const bw = w / h.length;
  return html`<svg
    width=${w}
    height="16"
    viewBox="0 0 ${w} 16"
    role="img"
    aria-label=${`${label} histogram from ${num(s.histMin)} to ${num(s.histMax)}`}
  >
    ${h.map((c, i) => {
      const bh = (c / max) * 16;
      return svg`<rect x=${i * bw} y=${16 - bh} width=${Math.max(0.5, bw - 0.5)} height=${bh} fill="currentColor"></rect>`;
    })}
  </svg>`;
}

/** "3 NaN, 0 Inf" in red when a tensor holds any, else nothing. */
function nonFinite(s: TensorStats) {
  return s.nanCount + s.infCount
    ? html`<br /><b class="bad" data-testid="non-finite">${s.nanCount} NaN, ${s.infCount} Inf</b>`
    : nothing;
}

function cell(s: TensorStats, label: string) {
  if (s.count === 0) return html`<td class="muted" colspan="2">–</td>`;
  return html`<td class="num" title=${`min ${s.min}, max ${s.max}, mean ${s.mean}, std ${s.std}`}>
      ${num(s.min)} … ${num(s.max)}<br /><span class="muted">μ ${num(s.mean)} σ ${num(s.std)}</span>
      ${nonFinite(s)}
    </td>
    <td>${histogram(s, label)}</td>`;
}

export class LayerStatsTable extends LitElement {
  static properties = { stats: { attribute: false } };
  stats: LayerStats[] = [];

  static styles = css`
    :host {
      display: block;
      overflow-x: auto;
    }
    table {
      border-collapse: collapse;
      font-size: 0.78rem;
      width: 100%;
    }
    th,
    td {
      padding: 3px 5px;
      border-bottom: 1px solid var(--border, #d8dce3);
      text-align: left;
      vertical-align: top;
      white-space: nowrap;
    }
    .num {
      font-variant-numeric: tabular-nums;
    }
    .muted {
      color: var(--muted, #5b6475);
    }
    .bad {
      color: var(--bad, #b91c1c);
    }
    svg {
      color: var(--accent, #2563eb);
      display: block;
    }
    .warn {
      color: #a15c00;
      font-weight: 600;
    }
  `;

  render() {
    if (!this.stats.length)
      return html`<p class="muted">Statistics appear after the first training step.</p>`;
    return html`<table data-testid="layer-stats">
      <caption class="muted" style="text-align:left;caption-side:bottom;padding-top:4px">
        Update ratio: size of the last step's change over the size of the weights (about 1e-3 is
        typical; much larger can diverge, much smaller learns slowly). Zeros: share of the layer's
        outputs that are exactly 0 (dead ReLUs when high). NaN and Inf (in red) after a step that
        diverged are that step's outputs and gradients; the weights are those from before it.
      </caption>
      <thead>
        <tr>
          <th scope="col">Layer</th>
          <th scope="col" colspan="2">Weights</th>
          <th scope="col" colspan="2">Gradients</th>
          <th scope="col">Zeros</th>
          <th scope="col">Update ratio</th>
        </tr>
      </thead>
      <tbody>
        ${this.stats.map(
          (s) =>
            html`<tr>
              <th scope="row">${s.layer} ${s.type}</th>
              ${s.hasParams ? cell(s.weights, 'weights') : html`<td class="muted" colspan="2">no weights</td>`}
              ${s.hasParams ? cell(s.gradients, 'gradients') : html`<td class="muted" colspan="2"></td>`}
              <td class=${`num ${s.activations.zeroFraction > 0.9 ? 'warn' : ''}`}>
                ${s.activations.count ? html`${(100 * s.activations.zeroFraction).toFixed(1)}%${nonFinite(s.activations)}` : '–'}
              </td>
              <td class=${`num ${s.updateRatio > 0.05 ? 'warn' : ''}`}>
                ${s.hasParams && s.updateRatio > 0 ? s.updateRatio.toExponential(1) : '–'}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  }
}

if (!customElements.get('cnn-layer-stats'))
  customElements.define('cnn-layer-stats', LayerStatsTable);
