// One tab strip for every panel: the WAI-ARIA tabs pattern with automatic activation. Only the
// selected tab is in the Tab order; Left/Right (wrapping), Home and End select another tab and
// move the focus with it.
import { html, nothing, type TemplateResult } from 'lit';

export interface TabStrip<T extends string> {
  /** The tablist's accessible name. */
  label: string;
  tabs: ReadonlyArray<readonly [T, string]>;
  selected: T;
  select: (tab: T) => void;
  /** The id of the tabpanel the tabs control. */
  panel?: string;
  /** Gives each tab the id `${idPrefix}${tab}` (for the panel's aria-labelledby). */
  idPrefix?: string;
  /** Gives each tab the data-testid `${testIdPrefix}${tab}`. */
  testIdPrefix?: string;
  hidden?: boolean;
}

const MOVES: Record<string, (i: number, n: number) => number> = {
  ArrowRight: (i, n) => (i + 1) % n,
  ArrowLeft: (i, n) => (i - 1 + n) % n,
  Home: () => 0,
  End: (_i, n) => n - 1,
};

export function tabStrip<T extends string>(s: TabStrip<T>): TemplateResult {
  const onKey = (e: KeyboardEvent) => {
    const move = MOVES[e.key];
    if (!move || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    const next = move(
      Math.max(
        0,
        s.tabs.findIndex(([t]) => t === s.selected),
      ),
      s.tabs.length,
    );
    s.select(s.tabs[next][0]);
    // The buttons are rendered in order and kept by Lit, so the focus can move right away.
    (e.currentTarget as HTMLElement)
      .querySelectorAll<HTMLButtonElement>('[role="tab"]')
      [next]?.focus();
  };
  return html`<div
    role="tablist"
    aria-label=${s.label}
    ?hidden=${s.hidden ?? false}
    @keydown=${onKey}
  >
    ${s.tabs.map(([t, label]) => {
      const on = t === s.selected;
      return html`<button
        role="tab"
        id=${s.idPrefix ? s.idPrefix + t : nothing}
        data-testid=${s.testIdPrefix ? s.testIdPrefix + t : nothing}
        tabindex=${on ? 0 : -1}
        aria-selected=${on ? 'true' : 'false'}
        aria-controls=${s.panel ?? nothing}
        @click=${() => s.select(t)}
      >
        ${label}
      </button>`;
    })}
  </div>`;
}
