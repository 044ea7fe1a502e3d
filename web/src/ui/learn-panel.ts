// <cnn-learn-panel>: "Convolution, step by step", the explainer and the kernel playground behind
// two tabs. Neither is built until the panel first scrolls into view, and only the open tab is in
// the DOM, so a learner who is training pays nothing for them (their grids are a few hundred
// elements each, enough to cost a long task if rendered during training).
import { LitElement, css, html, nothing } from 'lit';
import type { ConvExample } from '../lessons/lessons';
import type { WorkerClient } from '../worker/client';
import './conv-explainer';
import './kernel-playground';
import { panelStyles } from './shared-styles';
import { tabStrip } from './tabs';

export type LearnTab = 'explainer' | 'kernel';

export class LearnPanel extends LitElement {
  static properties = {
    client: { attribute: false },
    modelVersion: { type: Number },
    testCount: { type: Number },
    drawn: { attribute: false },
    tab: { type: String },
    example: { attribute: false },
    seen: { state: true },
  };
  client: WorkerClient | null = null;
  modelVersion = 0;
  testCount = 0;
  drawn: Float32Array | null = null;
  tab: LearnTab = 'explainer';
  /** An explainer example a lesson opened: a new object each time, shown in the explainer tab. */
  example: { example: ConvExample['example'] } | null = null;
  private seen = false;
  private observer: IntersectionObserver | null = null;

  static styles = [
    panelStyles,
    css`
      [role='tablist'] {
        margin-bottom: 8px;
      }
      .host-inner > * {
        border: none;
        padding: 0;
      }
    `,
  ];

  connectedCallback() {
    super.connectedCallback();
    this.observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          this.seen = true;
          this.observer?.disconnect();
        }
      },
      { rootMargin: '200px' },
    );
    this.observer.observe(this);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.observer?.disconnect();
  }

  willUpdate(changed: Map<string, unknown>) {
    if (changed.has('example') && this.example) {
      this.tab = 'explainer';
      this.seen = true;
    }
  }

  updated(changed: Map<string, unknown>) {
    if (changed.has('example') && this.example)
      this.renderRoot.querySelector('cnn-conv-explainer')?.showExample(this.example.example);
  }

  private select(tab: LearnTab) {
    this.tab = tab;
    this.seen = true;
    this.dispatchEvent(
      new CustomEvent('learn-tab', { detail: tab, bubbles: true, composed: true }),
    );
  }

  render() {
    const tabs: Array<[LearnTab, string]> = [
      ['explainer', 'Convolution explainer'],
      ['kernel', 'Kernel playground'],
    ];
    let body: unknown = html`<p class="muted">Loading…</p>`;
    if (this.seen) {
      body =
        this.tab === 'explainer'
          ? html`<cnn-conv-explainer
              .client=${this.client}
              .modelVersion=${this.modelVersion}
              .testCount=${this.testCount}
            ></cnn-conv-explainer>`
          : html`<cnn-kernel-playground
              .client=${this.client}
              .drawn=${this.drawn}
            ></cnn-kernel-playground>`;
    }
    return html`
      ${tabStrip({ label: 'Convolution lessons', tabs, selected: this.tab, select: (t) => this.select(t), panel: 'learn-view', idPrefix: 'tab-', testIdPrefix: 'learn-tab-' })}
      <div id="learn-view" role="tabpanel" aria-labelledby="tab-${this.tab}" class="host-inner">
        ${body ?? nothing}
      </div>
    `;
  }
}

if (!customElements.get('cnn-learn-panel')) customElements.define('cnn-learn-panel', LearnPanel);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-learn-panel': LearnPanel;
  }
}
