// <cnn-conv-explainer>'s look: the controls bar, the input, kernel and output grids with their
// highlighted window, the formula and the tabs.
import { css } from 'lit';

export const convExplainerStyles = css`
  .bar {
    display: flex;
    flex-wrap: wrap;
    gap: 8px 14px;
    align-items: center;
    margin-bottom: 8px;
    font-size: 0.9rem;
  }
  .bar label {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    max-width: 100%;
  }
  .bar select {
    min-width: 0;
    max-width: 100%;
  }
  input[type='number'] {
    width: 4.5em;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 18px;
    align-items: flex-start;
    margin: 8px 0;
  }
  figure {
    margin: 0;
  }
  figcaption {
    font-size: 0.8rem;
    color: var(--muted, #5b6475);
    margin-bottom: 3px;
  }
  .grids {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
  }
  .grid {
    display: inline-grid;
    gap: 1px;
    background: var(--border, #d8dce3);
    border: 1px solid var(--border, #d8dce3);
  }
  .grid-row {
    display: contents;
  }
  .cell {
    width: 30px;
    height: 26px;
    display: flex;
    align-items: center;
    justify-content: center;
    background: var(--bg, #fff);
    font-size: 0.78rem;
    font-variant-numeric: tabular-nums;
  }
  .cell.pad {
    background: repeating-linear-gradient(45deg, #f3f4f6, #f3f4f6 3px, #e5e7eb 3px, #e5e7eb 6px);
    color: #9aa1ad;
  }
  .cell.win {
    outline: 2px solid var(--accent, #2563eb);
    outline-offset: -2px;
    background: #dbeafe;
  }
  .cell.pad.win {
    background: #e0e7ff;
  }
  .cell.out {
    cursor: pointer;
  }
  .cell.sel {
    background: var(--accent, #2563eb);
    color: #fff;
    font-weight: 600;
  }
  .out-grid:focus-visible {
    outline: 3px solid var(--accent, #2563eb);
    outline-offset: 2px;
  }
  .formula {
    font-family: var(--mono, monospace);
    font-size: 0.82rem;
    background: var(--surface, #f6f7f9);
    padding: 6px 8px;
    border-radius: 6px;
    margin: 6px 0;
    overflow-wrap: anywhere;
  }
  .math {
    font-family: var(--mono, monospace);
    font-size: 0.8rem;
    line-height: 1.5;
    overflow-wrap: anywhere;
  }
  .math .total {
    font-weight: 600;
    font-size: 0.9rem;
  }
  .ok {
    color: var(--good, #15803d);
  }
  .bad {
    color: var(--bad, #b91c1c);
  }
`;
