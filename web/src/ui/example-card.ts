// One test example as a small card for the evaluation galleries: the digit, its test index,
// true and predicted class, and a tiny bar chart of the class probabilities. Template helpers
// and their styles only, used inside <cnn-eval-panel>'s shadow root; not a custom element.
import { css, html, type TemplateResult } from 'lit';
import { ref } from 'lit/directives/ref.js';
import type { DigitImages, ExampleRef } from '../worker/protocol';
import { drawDigit } from './digit-canvas';
import { argmax } from './shared-styles';

const pct = (p: number) => `${(p * 100).toFixed(p >= 0.995 || p < 0.1 ? 1 : 0)}%`;

/** A short spoken summary of the probabilities: the three most likely classes. */
function probsLabel(probs: number[]): string {
  const order = probs.map((p, c) => [p, c] as const).sort((a, b) => b[0] - a[0]);
  return (
    'probabilities: ' +
    order
      .slice(0, 3)
      .map(([p, c]) => `${c} ${pct(p)}`)
      .join(', ')
  );
}

const BAR_COLOURS = {
  true: '#15803d',
  pred: '#b91c1c',
  other: '#5b6475',
  track: '#eef0f3',
  text: '#5b6475',
};

/** Ten bars in one small canvas (one element, not forty): true class green, predicted red. */
function drawProbabilities(
  canvas: HTMLCanvasElement,
  probs: number[],
  label: number,
  predicted: number,
): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const w = canvas.width,
    h = canvas.height,
    n = probs.length,
    barH = h - 8;
  const slot = w / n;
  ctx.clearRect(0, 0, w, h);
  ctx.font = '7px sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  for (let c = 0; c < n; c++) {
    const x = c * slot;
    ctx.fillStyle = BAR_COLOURS.track;
    ctx.fillRect(x + 0.5, 0, slot - 1, barH);
    const p = probs[c];
    const bh = p > 0 ? Math.max(1.5, p * barH) : 0;
    ctx.fillStyle =
      c === label ? BAR_COLOURS.true : c === predicted ? BAR_COLOURS.pred : BAR_COLOURS.other;
    ctx.fillRect(x + 0.5, barH - bh, slot - 1, bh);
    ctx.fillStyle = BAR_COLOURS.text;
    ctx.fillText(String(c), x + slot / 2, h);
  }
}

export function renderExampleCard(e: ExampleRef, images: DigitImages): TemplateResult {
  const top = argmax(e.probs);
  const ok = e.label === e.predicted;
  const drawBars = (el?: Element) => {
    if (el instanceof HTMLCanvasElement) drawProbabilities(el, e.probs, e.label, e.predicted);
  };
  const draw = (el?: Element) => {
    if (el instanceof HTMLCanvasElement)
      drawDigit(el, images.pixels, images.rows, images.cols, e.image);
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
      <canvas
        class="probs"
        width="80"
        height="30"
        role="img"
        aria-label=${probsLabel(e.probs)}
        ${ref(drawBars)}
      ></canvas>
      <span class="top">top ${top}: ${pct(e.probs[top] ?? 0)}</span>
    </li>
  `;
}

/** The first `limit` cards of a list (the panel raises the limit a few cards per task). */
export function renderExampleList(
  list: ExampleRef[],
  images: DigitImages,
  limit = Infinity,
): TemplateResult {
  return html`<ul class="cards">
    ${list.slice(0, limit).map((e) => renderExampleCard(e, images))}
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
    width: 80px;
    height: 30px;
  }
  .top {
    color: var(--fg, #1d2330);
  }
`;
