// <cnn-conv-network-view>'s look: the layer's input, kernel and output tiles and the sum read-out.
import { css } from 'lit';

export const convNetworkViewStyles = css`
  :host {
    border: none;
    padding: 0;
  }
  .bar {
    display: flex;
    flex-wrap: wrap;
    gap: 8px 14px;
    align-items: center;
    margin: 8px 0;
    font-size: 0.9rem;
  }
  .bar label {
    display: inline-flex;
    align-items: center;
    gap: 4px;
  }
  input[type='number'] {
    width: 5em;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 18px;
  }
  figure {
    margin: 0;
  }
  figcaption {
    font-size: 0.8rem;
    color: var(--muted, #5b6475);
    margin-bottom: 3px;
  }
  .map {
    position: relative;
    display: inline-block;
    line-height: 0;
  }
  canvas {
    image-rendering: pixelated;
    border: 1px solid var(--border, #d8dce3);
  }
  .box {
    position: absolute;
    border: 2px solid var(--accent, #2563eb);
    box-sizing: border-box;
    pointer-events: none;
  }
  canvas.out {
    cursor: crosshair;
  }
  canvas:focus-visible {
    outline: 3px solid var(--accent, #2563eb);
    outline-offset: 2px;
  }
  .math {
    font-family: var(--mono, monospace);
    font-size: 0.78rem;
    line-height: 1.5;
    overflow-wrap: anywhere;
    max-height: 220px;
    overflow: auto;
  }
  .total {
    font-weight: 600;
  }
  .ok {
    color: var(--good, #15803d);
  }
  .bad {
    color: var(--bad, #b91c1c);
  }
`;
