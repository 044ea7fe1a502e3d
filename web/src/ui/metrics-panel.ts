// Live training curves: loss per chunk of steps, and accuracy (the training batches' and the test
// set's). Points are appended as the worker streams them; history is never re-sent.
import { LitElement, css, html } from 'lit';
import '../charts/line-chart';
import type { LineChart } from '../charts/line-chart';
import { panelStyles } from './shared-styles';

export class MetricsPanel extends LitElement {
  static properties = {
    lastTest: { state: true },
  };
  private lastTest: { accuracy: number; count: number; total: number } | null = null;

  static styles = [
    panelStyles,
    css`
      .charts {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
        gap: 12px;
      }
    `,
  ];

  private chart(id: string): LineChart {
    return this.renderRoot.querySelector(`#${id}`) as LineChart;
  }

  firstUpdated() {
    const loss = this.chart('loss');
    loss.series = [{ label: 'training loss', color: '#2563eb' }];
    const acc = this.chart('accuracy');
    acc.series = [
      { label: 'training batches', color: '#93a4c3' },
      { label: 'test', color: '#d97706', points: true },
    ];
  }

  addStep(epoch: number, loss: number, accuracy: number) {
    this.chart('loss')?.append(epoch, [loss]);
    this.chart('accuracy')?.append(epoch, [accuracy, null]);
  }

  /** total: the whole test set's size, to say when fewer images were used (a sample, or data still arriving). */
  addEval(epoch: number, accuracy: number, count: number, total = count) {
    this.chart('accuracy')?.append(epoch, [null, accuracy]);
    this.lastTest = { accuracy, count, total };
  }

  clear() {
    this.chart('loss')?.clear();
    this.chart('accuracy')?.clear();
    this.lastTest = null;
  }

  render() {
    const t = this.lastTest;
    return html`
      <h2>
        Learning curves
        ${
          t
            ? html`<small data-testid="test-accuracy" data-value=${t.accuracy}
                >test accuracy <b>${(100 * t.accuracy).toFixed(2)}%</b> on
                ${
                  t.count < t.total
                    ? `${t.count.toLocaleString('en-US')} of ${t.total.toLocaleString('en-US')} test images`
                    : `${t.count.toLocaleString('en-US')} images`
                }</small
              >`
            : ''
        }
      </h2>
      <div class="charts">
        <cnn-line-chart id="loss" label="Training loss" yLabel="loss" logY></cnn-line-chart>
        <cnn-line-chart
          id="accuracy"
          label="Accuracy"
          yLabel="accuracy"
          .yRange=${[0, 1]}
        ></cnn-line-chart>
      </div>
    `;
  }
}

if (!customElements.get('cnn-metrics-panel'))
  customElements.define('cnn-metrics-panel', MetricsPanel);
