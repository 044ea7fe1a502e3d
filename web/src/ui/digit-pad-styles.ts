// <cnn-digit-pad-view>'s look: the black drawing square, its buttons, the 28x28 preview, the ten
// class bars and the top class, laid out side by side or stacked by the container's width.
import { css } from 'lit';

export const digitPadStyles = css`
  :host {
    container-type: inline-size;
  }
  .layout {
    display: flex;
    flex-wrap: wrap;
    gap: 16px;
    align-items: flex-start;
  }
  .pad-col {
    flex: 0 1 280px;
    min-width: 0;
    max-width: 100%;
    display: flex;
    flex-direction: column;
    gap: 8px;
  }
  .pad-wrap {
    position: relative;
    width: min(280px, 100%);
    aspect-ratio: 1;
  }
  canvas.pad {
    display: block;
    width: 100%;
    height: 100%;
    aspect-ratio: 1;
    background: #000;
    border-radius: 6px;
    touch-action: none;
    cursor: crosshair;
    user-select: none;
    -webkit-user-select: none;
    -webkit-touch-callout: none;
  }
  canvas.pad:focus-visible {
    outline: 3px solid var(--accent, #2563eb);
    outline-offset: 2px;
  }
  .hint {
    position: absolute;
    inset: 0;
    display: flex;
    align-items: center;
    justify-content: center;
    color: #8a93a3;
    font-size: 0.95rem;
    pointer-events: none;
    text-align: center;
    padding: 12px;
  }
  .out-col {
    flex: 1 1 200px;
    min-width: 200px;
    max-width: 440px;
    display: flex;
    flex-direction: column;
    gap: 10px;
  }
  .top-row {
    display: flex;
    gap: 16px;
    align-items: center;
    flex-wrap: wrap;
  }
  figure {
    margin: 0;
    display: flex;
    flex-direction: column;
    gap: 4px;
    width: 112px;
  }
  figcaption {
    font-size: 0.75rem;
    color: var(--muted, #5b6475);
    line-height: 1.2;
  }
  canvas.preview {
    display: block;
    width: 112px;
    height: 112px;
    image-rendering: pixelated;
    background: #000;
    border-radius: 4px;
    border: 1px solid var(--border, #d8dce3);
  }
  .top {
    display: flex;
    flex-direction: column;
    align-items: center;
    min-width: 84px;
  }
  .top .label {
    font-size: 0.75rem;
    color: var(--muted, #5b6475);
  }
  .top .digit {
    font-size: 3.4rem;
    font-weight: 700;
    line-height: 1;
    color: var(--accent, #2563eb);
    font-variant-numeric: tabular-nums;
  }
  .top .digit.none {
    color: var(--muted, #5b6475);
    font-weight: 400;
  }
  .top .conf {
    font-size: 1.1rem;
    font-weight: 600;
    font-variant-numeric: tabular-nums;
  }
  ol.probs {
    list-style: none;
    margin: 0;
    padding: 0;
    display: flex;
    flex-direction: column;
    gap: 3px;
  }
  ol.probs li {
    display: grid;
    grid-template-columns: 1.1em 1fr 3.2em;
    align-items: center;
    gap: 6px;
    font-size: 0.85rem;
    font-variant-numeric: tabular-nums;
  }
  ol.probs .cls {
    text-align: center;
    font-weight: 600;
  }
  ol.probs .track {
    height: 12px;
    background: var(--surface, #f6f7f9);
    border: 1px solid var(--border, #d8dce3);
    border-radius: 3px;
    overflow: hidden;
  }
  ol.probs .fill {
    height: 100%;
    background: #9aa3b2;
    transition: width 80ms linear;
  }
  ol.probs li.is-top .fill {
    background: var(--accent, #2563eb);
  }
  ol.probs li.is-top .cls,
  ol.probs li.is-top .p {
    color: var(--accent, #2563eb);
    font-weight: 700;
  }
  ol.probs .p {
    text-align: right;
    color: var(--muted, #5b6475);
  }
  .meta {
    font-size: 0.8rem;
    color: var(--muted, #5b6475);
    display: flex;
    flex-wrap: wrap;
    gap: 2px 12px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  @container (max-width: 520px) {
    .layout {
      flex-direction: column;
      align-items: stretch;
    }
    .pad-col {
      flex: none;
      width: 100%;
      align-items: center;
    }
    .out-col {
      flex: none;
      width: 100%;
      min-width: 0;
      max-width: none;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    ol.probs .fill {
      transition: none;
    }
  }
`;
