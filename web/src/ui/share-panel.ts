// <cnn-share-panel>: "Share / make a lesson link". The current state (preset, spec, every
// hyper-parameter, seed) is already a link; a teacher ticks the parts a lesson should hide (like the
// TensorFlow Playground's classroom links) and copies the link, the iframe code, or the element.
// It can add the runs ticked in the Runs panel, which the link then queues to train and compare.
import { LitElement, css, html } from 'lit';
import { HIDEABLE, normalizeHide, type HideGroup } from '../state/app-state';
import { panelStyles } from './shared-styles';

const GROUPS: HideGroup[] = ['Panels', 'Model controls', 'Training controls'];

export class SharePanel extends LitElement {
  static properties = {
    link: { type: String },
    hide: { attribute: false },
    pageUrl: { type: String },
    runsLink: { type: String },
    runsCount: { type: Number },
    addRuns: { state: true },
    chosen: { state: true },
    copied: { state: true },
    open: { state: true },
  };
  /** The state's hash without '#' and without `hide`. */
  link = '';
  /** What the page hides now; the checkboxes start from it. */
  hide: string[] = [];
  /** The page's address without query and hash. */
  pageUrl = '';
  /** The ticked runs' setups as the value of `runs=` ('' when none can go in the link). */
  runsLink = '';
  runsCount = 0;
  private addRuns = false;
  private chosen: string[] = [];
  private copied = '';
  /** The checkboxes exist only while their list is open (fewer nodes, no clash with the controls' labels). */
  private open = false;
  private copyTimer = 0;

  static styles = [
    panelStyles,
    css`
      .field {
        display: flex;
        gap: 6px;
        align-items: stretch;
        margin: 4px 0 10px;
      }
      .field input,
      .field textarea {
        flex: 1;
        min-width: 0;
        font-family: var(--mono, monospace);
        font-size: 0.8rem;
      }
      textarea {
        resize: vertical;
        min-height: 4.2em;
      }
      details {
        margin: 6px 0 10px;
      }
      summary {
        cursor: pointer;
      }
      fieldset {
        border: 1px solid var(--border, #d8dce3);
        border-radius: 6px;
        margin: 8px 0 0;
        padding: 6px 10px 8px;
      }
      legend {
        font-size: 0.85rem;
        color: var(--muted, #5b6475);
        padding: 0 4px;
      }
      .checks {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(160px, 1fr));
        gap: 2px 10px;
        font-size: 0.88rem;
      }
      .checks label {
        display: flex;
        gap: 6px;
        align-items: center;
      }
      label.block {
        display: block;
        font-size: 0.88rem;
        margin-top: 4px;
      }
      .copied {
        color: var(--good, #15803d);
        font-size: 0.85rem;
        min-height: 1.2em;
        margin: 0;
      }
    `,
  ];

  willUpdate(changed: Map<string, unknown>) {
    if (changed.has('hide')) this.chosen = [...this.hide];
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.copyTimer);
  }

  /** The lesson's hash, without '#'. */
  get lessonHash(): string {
    const runs = this.addRuns && this.runsLink ? `&runs=${this.runsLink}` : '';
    return this.chosen.length
      ? `${this.link}&hide=${this.chosen.join(',')}${runs}`
      : `${this.link}${runs}`;
  }

  get lessonUrl(): string {
    return `${this.pageUrl}#${this.lessonHash}`;
  }

  get iframeCode(): string {
    return `<iframe src="${this.pageUrl}?embed=1#${this.lessonHash}" title="CNN Playground" width="100%" height="900" style="border:0" loading="lazy"></iframe>`;
  }

  get elementCode(): string {
    return `<script type="module" src="${new URL('lib/cnn-playground.js', this.pageUrl || location.href).href}"></script>\n<cnn-playground lesson="${this.lessonHash.replace(/&/g, '&amp;')}"></cnn-playground>`;
  }

  private toggle(key: string, on: boolean) {
    this.chosen = normalizeHide(on ? [...this.chosen, key] : this.chosen.filter((k) => k !== key));
  }

  private async copy(
    text: string,
    what: string,
    field: HTMLInputElement | HTMLTextAreaElement | null,
  ) {
    try {
      await navigator.clipboard.writeText(text);
      this.copied = `${what} copied.`;
    } catch {
      // No clipboard permission (an iframe, an old browser): select it for Ctrl+C instead.
      field?.focus();
      field?.select();
      this.copied = `${what} selected: press Ctrl+C (⌘C) to copy.`;
    }
    clearTimeout(this.copyTimer);
    this.copyTimer = window.setTimeout(() => (this.copied = ''), 4000);
  }

  private field(id: string, label: string, value: string, multiline = false) {
    const el = () =>
      this.renderRoot.querySelector<HTMLInputElement | HTMLTextAreaElement>(`#${id}`);
    return html`
      <label class="block" for=${id}>${label}</label>
      <div class="field">
        ${
          multiline
            ? html`<textarea
                id=${id}
                data-testid=${id}
                aria-label=${label}
                readonly
                rows="3"
                .value=${value}
                @focus=${(e: Event) => (e.target as HTMLTextAreaElement).select()}
              ></textarea>`
            : html`<input
                id=${id}
                data-testid=${id}
                aria-label=${label}
                readonly
                .value=${value}
                @focus=${(e: Event) => (e.target as HTMLInputElement).select()}
              />`
        }
        <button
          data-testid="${id}-copy"
          aria-label="Copy the ${label.toLowerCase()}"
          @click=${() => this.copy(value, label, el())}
        >
          Copy
        </button>
      </div>
    `;
  }

  render() {
    const n = this.chosen.length;
    return html`
      <h2>Share <small>a link restores all of this</small></h2>
      <p class="muted">
        The link holds the model, every hyper-parameter and the seed. For a lesson, choose what to
        hide.
      </p>
      <details
        data-testid="lesson-options"
        @toggle=${(e: Event) => (this.open = (e.target as HTMLDetailsElement).open)}
      >
        <summary>Hide parts in the lesson${n ? ` (${n} hidden)` : ''}</summary>
        ${
          !this.open
            ? ''
            : GROUPS.map(
                (g) =>
                  html`<fieldset>
                    <legend>${g}</legend>
                    <div class="checks">
                      ${HIDEABLE.filter((h) => h.group === g).map(
                        (h) =>
                          html`<label
                            ><input
                              type="checkbox"
                              data-testid="hide-${h.key}"
                              .checked=${this.chosen.includes(h.key)}
                              @change=${(e: Event) => this.toggle(h.key, (e.target as HTMLInputElement).checked)}
                            />Hide ${h.label}</label
                          >`,
                      )}
                    </div>
                  </fieldset>`,
              )
        }
      </details>
      ${
        this.runsLink
          ? html`<label class="block"
              ><input
                type="checkbox"
                data-testid="share-runs"
                .checked=${this.addRuns}
                @change=${(e: Event) => (this.addRuns = (e.target as HTMLInputElement).checked)}
              />
              Add the ${this.runsCount} runs ticked in the Runs panel: the link queues their
              settings to train one after the other and compare</label
            >`
          : ''
      }
      ${this.field('lesson-link', 'Lesson link', this.lessonUrl)}
      <p>
        <a href=${this.lessonUrl} target="_blank" rel="noopener" data-testid="lesson-open"
          >Open the lesson in a new tab</a
        >
      </p>
      ${this.field('embed-iframe', 'Iframe code', this.iframeCode, true)}
      ${this.field('embed-element', 'Element code', this.elementCode, true)}
      <p class="copied" role="status">${this.copied}</p>
    `;
  }
}

if (!customElements.get('cnn-share-panel')) customElements.define('cnn-share-panel', SharePanel);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-share-panel': SharePanel;
  }
}
