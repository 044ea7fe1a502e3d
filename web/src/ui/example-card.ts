// One test example as a small card for the evaluation galleries: the digit, its test index,
// true and predicted class, and a tiny bar chart of the class probabilities. Template helpers
// and their styles only, used inside <cnn-eval-panel>'s shadow root; not a custom element.
import { css, html, type TemplateResult } from 'lit';
import { ref } from 'lit/directives/ref.js';
import type { DigitImages, ExampleRef } from '../worker/protocol';
import { drawDigit } from './digit-canvas';

const pct = (p: number) => `${(p * 100).toFixed(p >= 0.995 || p < 0.1 ? 1 : 0)}%`;

function topClass(probs: number[]): number {
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
  return best;
}

/** A short spoken summary of the probabilities: the three most likely classes. */
function probsLabel(probs: number[]): string {
  const order = probs.map((p, c) => [p, c] as const).sort((a, b) => b[0] - a[0]);
  return 'probabilities: ' + order.slice(0, 3).map(([p, c]) => `${c} ${pct(p)}`).join(', ');
}

export function renderExampleCard(e: ExampleRef, images: DigitImages): TemplateResult {
  const top = topClass(e.probs);
  const ok = e.label === e.predicted;
  const draw = (el?: Element) => {
    if (el instanceof HTMLCanvasElement) drawDigit(el, images.pixels, images.rows, images.cols, e.image);
  };
  return html`
    <li class="card" data-testid="example" data-index=${e.index}>
      <canvas
        class="digit"
        width=${images.cols}
        height=${images.rows}
        role="img"
        aria-label=${`test digit #${e.index}, true ${e.label}, predicted ${e.predicted}`}
        ${ref(draw)}
      ></canvas>
      <span class="meta"
        >#${e.index} <span class=${ok ? 'ok' : 'wrong'}>${e.label}→${e.predicted}</span></span
      >
      <span class="probs" role="img" aria-label=${probsLabel(e.probs)}>
        ${e.probs.map(
          (p, c) =>
            html`<span class="col"
              ><span class="track"
                ><span
                  class="bar ${c === e.label ? 'true' : c === e.predicted ? 'pred' : ''}"
                  style="height:${Math.max(p * 100, p > 0 ? 4 : 0).toFixed(1)}%"
                ></span></span
              ><span class="d">${c}</span></span
            >`,
        )}
      </span>
      <span class="top">top ${top}: ${pct(e.probs[top] ?? 0)}</span>
    </li>
  `;
}

export function renderExampleList(list: ExampleRef[], images: DigitImages): TemplateResult {
  return html`<ul class="cards">
    ${list.map((e) => renderExampleCard(e, images))}
  </ul>`;
}

export const exampleCardStyles = css`
  .cards {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(92px, 1fr));
    gap: 0.5rem;
  }
  .card {
    display: flex;
    flex-direction: column;
    align-items: center;
    gap: 0.2rem;
    padding: 0.4rem 0.3rem;
    border: 1px solid var(--border, #d8dce3);
    border-radius: 6px;
    background: var(--bg, #fff);
    font-size: 0.75rem;
    font-variant-numeric: tabular-nums;
  }
  .digit {
    width: 56px;
    height: 56px;
    image-rendering: pixelated;
    border: 1px solid var(--border, #d8dce3);
  }
  .meta {
    color: var(--muted, #5b6475);
  }
  .ok {
    color: var(--good, #15803d);
    font-weight: 600;
  }
  .wrong {
    color: var(--bad, #b91c1c);
    font-weight: 600;
  }
  .probs {
    display: flex;
    gap: 1px;
    width: 80px;
  }
  .col {
    flex: 1;
    display: flex;
    flex-direction: column;
    align-items: center;
  }
  .track {
    width: 100%;
    height: 22px;
    display: flex;
    align-items: flex-end;
    background: var(--surface, #f6f7f9);
  }
  .bar {
    width: 100%;
    background: var(--muted, #5b6475);
  }
  .bar.true {
    background: var(--good, #15803d);
  }
  .bar.pred {
    background: var(--bad, #b91c1c);
  }
  .d {
    font-size: 7px;
    line-height: 1.1;
    color: var(--muted, #5b6475);
  }
  .top {
    color: var(--fg, #1d2330);
  }
`;
