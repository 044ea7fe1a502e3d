// Styles every panel shares: the card, headings, buttons, form fields and focus rings. Panels add
// their own layout on top; colours come from the page's custom properties.
import { css } from 'lit';

export const panelStyles = css`
  :host {
    display: block;
    box-sizing: border-box;
    background: var(--bg, #fff);
    border: 1px solid var(--border, #d8dce3);
    border-radius: var(--radius, 8px);
    padding: 12px 14px;
    min-width: 0;
    contain: content;
  }
  * {
    box-sizing: border-box;
  }
  [hidden] {
    display: none !important;
  }
  h2 {
    font-size: 1rem;
    margin: 0 0 8px;
    display: flex;
    align-items: baseline;
    gap: 8px;
  }
  h2 small {
    font-weight: normal;
    color: var(--muted, #5b6475);
    font-size: 0.85rem;
  }
  p {
    margin: 6px 0;
  }
  .muted {
    color: var(--muted, #5b6475);
    font-size: 0.9rem;
  }
  button {
    font: inherit;
    padding: 6px 12px;
    border-radius: 6px;
    border: 1px solid var(--border, #d8dce3);
    background: var(--surface, #f6f7f9);
    color: var(--fg, #1d2330);
    cursor: pointer;
    min-height: 34px;
  }
  button.primary {
    background: var(--accent, #2563eb);
    border-color: var(--accent, #2563eb);
    color: var(--accent-fg, #fff);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  button:focus-visible,
  input:focus-visible,
  select:focus-visible,
  textarea:focus-visible,
  summary:focus-visible {
    outline: 3px solid var(--accent, #2563eb);
    outline-offset: 2px;
  }
  input,
  select,
  textarea {
    font: inherit;
    color: var(--fg, #1d2330);
    background: var(--bg, #fff);
    border: 1px solid var(--border, #d8dce3);
    border-radius: 6px;
    padding: 4px 6px;
    min-height: 32px;
  }
  input[type='checkbox'],
  input[type='radio'] {
    min-height: 0;
    margin: 0 4px 0 0;
  }
  textarea {
    font-family: var(--mono, monospace);
    font-size: 0.8rem;
  }
  .error {
    color: var(--bad, #b91c1c);
    background: #fdecec;
    border-left: 3px solid var(--bad, #b91c1c);
    padding: 6px 8px;
    border-radius: 4px;
    margin: 6px 0;
  }
  progress {
    width: 100%;
    height: 10px;
    accent-color: var(--accent, #2563eb);
  }
  .num {
    font-variant-numeric: tabular-nums;
  }
  .buttons {
    display: flex;
    gap: 8px;
    flex-wrap: wrap;
  }
  .buttons button {
    min-width: 76px;
  }
  kbd {
    font-family: var(--mono, monospace);
    font-size: 0.75rem;
    border: 1px solid var(--border, #d8dce3);
    border-radius: 3px;
    padding: 0 3px;
    margin-left: 4px;
    opacity: 0.8;
  }
  /* Faded white on the accent blue falls below 4.5:1: full strength there. */
  button.primary kbd {
    opacity: 1;
    border-color: currentColor;
  }
  [role='tablist'] {
    display: flex;
    gap: 4px;
    border-bottom: 1px solid var(--border, #d8dce3);
    margin-bottom: 8px;
  }
  [role='tab'] {
    border: none;
    border-bottom: 3px solid transparent;
    border-radius: 0;
    background: none;
    padding: 4px 10px;
  }
  [role='tab'][aria-selected='true'] {
    border-bottom-color: var(--accent, #2563eb);
    font-weight: 600;
  }
`;

/** 1234567 -> "1,234,567"; large counts get a suffix. */
export function formatCount(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + ' G';
  if (n >= 1e7) return (n / 1e6).toFixed(1) + ' M';
  return n.toLocaleString('en-US');
}

/** 156800 -> "156.8 K", 2794240 -> "2.79 M": for tight table columns. */
export function formatCompact(n: number): string {
  if (n >= 1e6) return (n / 1e6).toFixed(2) + ' M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + ' K';
  return n.toLocaleString('en-US');
}

/** The index of the largest value (the first one on a tie): the class a network reads. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Probabilities as what the network reads: "7 (98.2%)". */
export function formatReading(p: ArrayLike<number>): string {
  const best = argmax(p);
  return `${best} (${(100 * p[best]).toFixed(1)}%)`;
}

/** Milliseconds as "1:05" or "1:02:03". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
