// <cnn-draw-panel>: the playground's "Draw a digit" panel: a heading, a hint and the digit pad
// reading with the playground's worker (<cnn-digit-pad>, which does the work), and once a digit
// is drawn a "Why this answer?" button (a why-open event: the playground opens the inspect
// panel's view of that name). It mirrors the
// pad's pointer-up-to-bars latency in data-latency-ms for the tests.
import { LitElement, css, html } from 'lit';
import type { WorkerClient } from '../worker/client';
import './digit-pad-reader';
import { panelStyles } from './shared-styles';

export class DrawPanel extends LitElement {
  static properties = {
    client: { attribute: false },
    modelVersion: { type: Number },
    hasDrawing: { state: true },
    whyShown: { type: Boolean },
  };
  client: WorkerClient | null = null;
  modelVersion = 0;
  /** Whether the page shows the inspect panel (a lesson may hide it): the button needs it. */
  whyShown = true;
  private hasDrawing = false;

  static styles = [
    panelStyles,
    css`
      p.hint {
        margin-top: 0;
      }
      .why {
        margin-top: 8px;
      }
    `,
  ];

  render() {
    // digit-drawn bubbles on to the playground, which passes the drawing to the inspect panel.
    return html`
      <h2>Draw a digit</h2>
      <p class="hint muted">
        Draw 0–9 in the box with a mouse, finger or pen, or read one from a photo or scan (Photo…).
        The page prepares it like MNIST (centred by mass in 28×28) and the network reads it.
      </p>
      <cnn-digit-pad
        .client=${this.client}
        .modelVersion=${this.modelVersion}
        @digit-drawn=${(e: Event) => {
          const ms = (e.currentTarget as HTMLElement).dataset.latencyMs;
          if (ms) this.dataset.latencyMs = ms;
          this.hasDrawing = !!(e as CustomEvent<unknown>).detail;
        }}
      ></cnn-digit-pad>
      ${
        this.whyShown && this.hasDrawing
          ? html`<p class="why">
              <button
                data-testid="pad-why"
                @click=${() =>
                  this.dispatchEvent(
                    new CustomEvent('why-open', { bubbles: true, composed: true }),
                  )}
              >
                Why this answer?
              </button>
              <span class="muted">Which pixels made the network read it so.</span>
            </p>`
          : ''
      }
    `;
  }
}

if (!customElements.get('cnn-draw-panel')) customElements.define('cnn-draw-panel', DrawPanel);
