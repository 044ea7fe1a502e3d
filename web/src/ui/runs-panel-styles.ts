// The Runs panel's own layout: the list of runs, the overlaid charts, the difference table and the
// queue of a link's setups.
import { css } from 'lit';

export const runsPanelStyles = css`
  summary {
    cursor: pointer;
  }
  summary h2 {
    display: inline-flex;
    margin: 0;
  }
  details[open] > summary {
    margin-bottom: 8px;
  }
  .scroll {
    overflow-x: auto;
    max-width: 100%;
  }
  table {
    border-collapse: collapse;
    width: 100%;
    font-size: 0.86rem;
  }
  th,
  td {
    text-align: left;
    padding: 3px 6px;
    border-bottom: 1px solid var(--border, #d8dce3);
    vertical-align: middle;
  }
  th {
    font-weight: 600;
    color: var(--muted, #5b6475);
  }
  td.num {
    text-align: right;
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  .swatch {
    display: inline-block;
    width: 12px;
    height: 12px;
    border-radius: 3px;
    vertical-align: middle;
  }
  input.name {
    width: 100%;
    min-width: 12em;
    border-color: transparent;
    background: transparent;
  }
  input.name:hover,
  input.name:focus {
    border-color: var(--border, #d8dce3);
    background: var(--bg, #fff);
  }
  .actions {
    white-space: nowrap;
  }
  .actions button {
    min-height: 28px;
    padding: 2px 8px;
    font-size: 0.82rem;
  }
  .badge {
    font-size: 0.75rem;
    color: var(--accent, #2563eb);
    white-space: nowrap;
  }
  .note {
    font-size: 0.78rem;
    color: var(--muted, #5b6475);
  }
  .charts {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
    gap: 12px;
    margin: 10px 0;
  }
  .diff td.result {
    font-weight: 600;
  }
  .diff tr.first-result td,
  .diff tr.first-result th {
    border-top: 2px solid var(--border, #d8dce3);
  }
  .diff td {
    max-width: 22em;
    overflow-wrap: anywhere;
  }
  .queue {
    border: 1px solid var(--accent, #2563eb);
    border-radius: 6px;
    padding: 8px 10px;
    margin: 0 0 10px;
  }
  .queue ol {
    margin: 4px 0 8px;
    padding-left: 1.4em;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
    margin: 8px 0;
  }
  .file {
    position: relative;
    overflow: hidden;
  }
  .file input {
    position: absolute;
    inset: 0;
    opacity: 0;
    cursor: pointer;
  }
  .error {
    color: var(--bad, #b91c1c);
  }
  .good {
    color: var(--good, #15803d);
  }
  h3 {
    font-size: 0.92rem;
    margin: 10px 0 4px;
  }
`;
