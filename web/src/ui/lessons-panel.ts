// <cnn-lessons-panel>: the built-in lessons (web/src/lessons/lessons.ts), the tutorials the
// playground grew from. One tab per lesson: its text, source, what to watch, what the playground
// measured with the tutorial's settings, and buttons that open it (or its fix). Opening is the
// playground's: this panel only sends `lesson-open` up.
import { LitElement, css, html, nothing } from 'lit';
import { LESSONS, findLesson, type Lesson, type Measured } from '../lessons/lessons';
import type { Hparams } from '../state/spec';
import { panelStyles } from './shared-styles';
import { tabStrip } from './tabs';

const SHORT: Record<string, string> = {
  'keras-book': 'Keras book',
  tflearn: 'TFLearn',
  'tf-tutorial': 'TF tutorial',
  cs231n: 'cs231n conv',
  'tf-conv2d': 'tf.nn.conv2d',
};

/** The settings the training panel shows, in a few words. */
function settings(h: Hparams): string {
  const opt = { sgd: 'SGD', adam: 'Adam', rmsprop: 'RMSprop' }[h.optimizer] ?? h.optimizer;
  const momentum = h.optimizer === 'sgd' ? `, momentum ${h.momentum}` : '';
  return `${opt} lr ${h.lr}${momentum}, batch ${h.batchSize}, ${h.epochs} epoch${h.epochs === 1 ? '' : 's'}`;
}

export class LessonsPanel extends LitElement {
  static properties = {
    current: { type: String },
    hparams: { attribute: false },
    links: { type: Boolean },
    viewing: { state: true },
    expanded: { state: true },
  };
  /** The lesson the playground is on ('' for none). */
  current = '';
  /** The settings in force, to show beside the lesson's. */
  hparams: Hparams | null = null;
  /** The page's own mode: each lesson shows its `#lesson=` link. */
  links = false;
  private viewing = LESSONS[0].id;
  /** The whole lesson shows once one is open or chosen; before, its first sentence and buttons. */
  private expanded = false;

  static styles = [
    panelStyles,
    css`
      [role='tablist'] {
        flex-wrap: wrap;
      }
      h3 {
        font-size: 0.95rem;
        margin: 4px 0;
      }
      .source {
        font-size: 0.85rem;
      }
      ul {
        margin: 4px 0 8px;
        padding-left: 20px;
      }
      li {
        margin: 2px 0;
      }
      table {
        border-collapse: collapse;
        font-size: 0.85rem;
        margin: 4px 0 8px;
        width: 100%;
      }
      th,
      td {
        text-align: left;
        padding: 2px 6px;
        border-bottom: 1px solid var(--border, #d8dce3);
      }
      td.num,
      th.num {
        text-align: right;
      }
      .fix {
        border-left: 3px solid #d97706;
        background: var(--warn-bg, #fff4e5);
        padding: 6px 8px;
        border-radius: 4px;
        margin: 6px 0;
      }
      .now {
        font-size: 0.88rem;
      }
      button.link {
        background: none;
        border: none;
        min-height: 0;
        padding: 0 2px;
        color: var(--accent, #2563eb);
        text-decoration: underline;
      }
    `,
  ];

  willUpdate(changed: Map<string, unknown>) {
    if (changed.has('current') && this.current && findLesson(this.current)) {
      this.viewing = this.current;
      this.expanded = true;
    }
  }

  private open(lesson: Lesson, extra: { fix?: boolean; example?: string } = {}) {
    this.dispatchEvent(
      new CustomEvent('lesson-open', {
        detail: { id: lesson.id, ...extra },
        bubbles: true,
        composed: true,
      }),
    );
  }

  render() {
    const lesson = findLesson(this.viewing) ?? LESSONS[0];
    return html`
      <h2>Lessons <small>the tutorials this playground grew from</small></h2>
      ${tabStrip({
        label: 'Lessons',
        tabs: LESSONS.map((l) => [l.id, SHORT[l.id] ?? l.title] as const),
        selected: lesson.id,
        select: (id) => {
          this.viewing = id;
          this.expanded = true;
        },
        panel: 'lesson-view',
        idPrefix: 'lesson-tab-',
        testIdPrefix: 'lesson-tab-',
      })}
      <div
        id="lesson-view"
        role="tabpanel"
        aria-labelledby="lesson-tab-${lesson.id}"
        data-testid="lesson-card"
      >
        ${this.renderLesson(lesson)}
      </div>
    `;
  }

  private renderLesson(l: Lesson) {
    const on = this.current === l.id;
    return html`
      <h3>${l.title}${on ? html` <small class="muted">(open)</small>` : nothing}</h3>
      <p class="source">
        From <a href=${l.source.url} target="_blank" rel="noopener">${l.source.name}</a>
      </p>
      ${
        this.expanded
          ? this.renderBody(l)
          : html`<p>
              ${l.text.split(/(?<=\.)\s/)[0]}
              <button class="link" data-testid="lesson-more" @click=${() => (this.expanded = true)}>
                Read the lesson
              </button>
            </p>`
      }
      <div class="buttons">
        <button class="primary" data-testid="lesson-open" @click=${() => this.open(l)}>
          Open this lesson
        </button>
        ${
          l.fix
            ? html`<button data-testid="lesson-try-fix" @click=${() => this.open(l, { fix: true })}>
                Try the fix
              </button>`
            : nothing
        }
        ${
          (l.conv?.length ?? 0) > 1
            ? l.conv!.map(
                (c) =>
                  html`<button
                    data-testid="lesson-example-${c.example}"
                    @click=${() => this.open(l, { example: c.example })}
                  >
                    ${c.label} → ${c.output}
                  </button>`,
              )
            : nothing
        }
      </div>
      ${
        on && l.network && this.hparams
          ? html`<p class="now muted" data-testid="lesson-settings">
              Now in force: ${settings(this.hparams)}.
            </p>`
          : nothing
      }
      ${
        this.links
          ? html`<p class="muted">
              Link to this lesson:
              <a href="#lesson=${l.id}" data-testid="lesson-link-${l.id}">#lesson=${l.id}</a>
            </p>`
          : nothing
      }
    `;
  }

  private renderBody(l: Lesson) {
    return html`
      <p>${l.text}</p>
      ${l.network ? html`<p><strong>Settings:</strong> ${l.network.label}.</p>` : nothing}
      <strong>What to watch</strong>
      <ul>
        ${l.watch.map((w) => html`<li>${w}</li>`)}
      </ul>
      ${l.measured.length ? this.renderMeasured(l) : nothing}
      ${
        l.fix
          ? html`<p class="fix" data-testid="lesson-fix">
              <strong>The fix:</strong> ${l.fix.label}. ${l.fix.why}
            </p>`
          : nothing
      }
    `;
  }

  private renderMeasured(l: Lesson) {
    const row = (m: Measured, i: number) =>
      html`<tr>
        <td>
          ${i > 0 && l.measured[i - 1].run === m.run ? '' : `${m.run === 'fix' ? 'the fix' : 'the tutorial'}: ${m.settings}`}
        </td>
        <td class="num">${m.epochs}</td>
        <td class="num" data-testid="measured-accuracy">${m.accuracy} %</td>
      </tr>`;
    return html`
      <strong>Measured</strong>
      <span class="muted"
        >(the native CLI, same core; test accuracy on all 10,000 test digits)</span
      >
      <table>
        <thead>
          <tr>
            <th scope="col">Settings</th>
            <th scope="col" class="num">Epochs</th>
            <th scope="col" class="num">Test accuracy</th>
          </tr>
        </thead>
        <tbody>
          ${l.measured.map(row)}
        </tbody>
      </table>
    `;
  }
}

if (!customElements.get('cnn-lessons-panel'))
  customElements.define('cnn-lessons-panel', LessonsPanel);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-lessons-panel': LessonsPanel;
  }
}
