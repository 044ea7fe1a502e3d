// <cnn-playground>'s own layout: the header, the banners, two columns that become one in the
// order a learner uses the panels below 900 px, and the compact header of an embedded playground.
import { css } from 'lit';

export const playgroundStyles = css`
  :host {
    display: block;
    color: var(--fg, #1d2330);
    background: var(--surface, #f6f7f9);
    min-height: 100vh;
  }
  .header {
    padding: 12px 20px;
    background: var(--bg, #fff);
    border-bottom: 1px solid var(--border, #d8dce3);
    display: flex;
    align-items: baseline;
    gap: 12px;
    flex-wrap: wrap;
  }
  h1 {
    font-size: 1.25rem;
    margin: 0;
  }
  .header p {
    margin: 0;
    color: var(--muted, #5b6475);
  }
  .banner {
    margin: 12px 20px 0;
    padding: 8px 12px;
    border-radius: 6px;
    background: #fdecec;
    border: 1px solid var(--bad, #b91c1c);
    color: var(--bad, #b91c1c);
    display: flex;
    gap: 12px;
    align-items: flex-start;
  }
  .banner.notice {
    background: var(--warn-bg, #fff4e5);
    border-color: #d97706;
    color: #7a4a00;
  }
  .banner span {
    flex: 1;
  }
  .banner button {
    font: inherit;
    background: none;
    border: 1px solid currentColor;
    color: inherit;
    border-radius: 4px;
    cursor: pointer;
  }
  .main {
    display: grid;
    grid-template-columns: minmax(320px, 420px) minmax(0, 1fr);
    gap: 14px;
    padding: 14px 20px 24px;
    align-items: start;
  }
  .col {
    display: grid;
    gap: 14px;
    min-width: 0;
  }
  .main.one {
    grid-template-columns: minmax(0, 1fr);
  }
  [hidden] {
    display: none !important;
  }
  :host(:not([sync-url])) {
    min-height: 0;
  }
  .header.compact {
    padding: 6px 14px;
    align-items: center;
  }
  .header.compact h1 {
    font-size: 1rem;
  }
  .lesson {
    margin: 0;
    font-size: 0.9rem;
    color: var(--muted, #5b6475);
  }
  .open {
    margin-left: auto;
    font-size: 0.9rem;
    color: var(--accent, #2563eb);
  }
  button.link {
    font: inherit;
    background: none;
    border: none;
    padding: 0 2px;
    color: var(--accent, #2563eb);
    text-decoration: underline;
    cursor: pointer;
  }
  button.link:focus-visible,
  .open:focus-visible {
    outline: 3px solid var(--accent, #2563eb);
    outline-offset: 2px;
  }
  @media (max-width: 900px) {
    .main {
      grid-template-columns: minmax(0, 1fr);
      padding: 10px;
    }
    /* One column: the lessons (a learner's way in, as at the top of the wide layout), then the
       panels in the order a learner uses them, training first. */
    .col {
      display: contents;
    }
    cnn-lessons-panel {
      order: 1;
    }
    cnn-train-panel {
      order: 2;
    }
    cnn-metrics-panel {
      order: 3;
    }
    cnn-runs-panel {
      order: 4;
    }
    cnn-data-panel {
      order: 5;
    }
    cnn-model-panel {
      order: 6;
    }
    cnn-draw-panel {
      order: 7;
    }
    cnn-inspect-panel {
      order: 8;
    }
    cnn-learn-panel {
      order: 9;
    }
    cnn-eval-panel {
      order: 10;
    }
    cnn-share-panel {
      order: 11;
    }
    .header {
      padding: 10px;
    }
  }
  .loading {
    padding: 40px 20px;
    color: var(--muted, #5b6475);
  }
`;
