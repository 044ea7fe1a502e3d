// <cnn-line-chart>'s look around uPlot: the caption, the plot, the hover read-out and the legend.
import { css } from 'lit';

export const lineChartStyles = css`
  :host {
    display: block;
    min-width: 0;
    color: var(--fg, #1d2330);
  }
  figure {
    margin: 0;
    min-width: 0;
  }
  figcaption {
    font-weight: 600;
    font-size: 0.9rem;
    margin-bottom: 0.25rem;
  }
  .wrap {
    position: relative;
    min-width: 0;
    overflow: hidden;
  }
  .plot {
    width: 100%;
  }
  .empty {
    position: absolute;
    inset: 0;
    display: flex;
    align-items: center;
    justify-content: center;
    color: var(--muted, #5b6475);
    font-size: 0.85rem;
    pointer-events: none;
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 0.9rem;
    font-size: 0.8rem;
    color: var(--muted, #5b6475);
    font-variant-numeric: tabular-nums;
    margin-top: 0.2rem;
  }
  .key {
    display: inline-flex;
    align-items: center;
    gap: 0.3rem;
    white-space: nowrap;
  }
  .swatch {
    display: inline-block;
    width: 0.8rem;
    height: 0.2rem;
    border-radius: 1px;
  }
  .swatch.dot {
    width: 0.45rem;
    height: 0.45rem;
    border-radius: 50%;
  }
  .key b {
    color: var(--fg, #1d2330);
    font-weight: 600;
  }
`;
