// <cnn-runs-panel>: the training runs of this browser. A table of runs (editable names, steps,
// final test accuracy, time), ticks that overlay the ticked runs' loss and accuracy curves (one
// colour per run), a table of only the settings in which the ticked runs differ, Restore (the
// run's model and hyper-parameters back in the page), Delete, Export and Import as JSON, and the
// setups a link queued to compare ("Train both"). The RunTracker records; this panel draws and
// sends the learner's choices up as events.
import { LitElement, html, type PropertyValues } from 'lit';
import '../charts/line-chart';
import type { LineChart, LineSeries } from '../charts/line-chart';
import { overlay } from '../charts/overlay';
import type { RunSetup } from '../state/app-state';
import {
  differences,
  finalText,
  formatSeconds,
  importMessage,
  runColor,
  setupAsRun,
  storageNote,
} from '../state/run-compare';
import { exportRuns, MAX_IMPORT_BYTES, parseRunsFile, type RunRecord } from '../state/run-store';
import { runsPanelStyles } from './runs-panel-styles';
import { panelStyles } from './shared-styles';

/** What Import reports back: how many runs came in (or the sentence why none did). */
export type ImportResult = { added: number; skipped: number; dropped: number };

export class RunsPanel extends LitElement {
  static properties = {
    runs: { attribute: false },
    version: { type: Number },
    kept: { attribute: false },
    embedded: { type: Boolean },
    currentId: { attribute: false },
    queue: { attribute: false },
    queueAt: { type: Number },
    presets: { attribute: false },
    selected: { state: true },
    message: { state: true },
    error: { state: true },
    open: { state: true },
  };
  static styles = [panelStyles, runsPanelStyles];

  runs: RunRecord[] = [];
  /** Bumped by the tracker on every change (the runs are mutated in place). */
  version = 0;
  kept: boolean | null = null;
  /** Inside someone else's page: runs are never stored. */
  embedded = false;
  currentId: string | null = null;
  /** The setups a link queued; empty: none. */
  queue: RunSetup[] = [];
  /** The queued setup training now (-1: the queue is not running). */
  queueAt = -1;
  presets: Record<string, RunSetup['spec']> = {};
  /** Ticked runs; null until the learner ticks one: then the two newest are shown. */
  private selected: string[] | null = null;
  private message = '';
  private error = '';
  private emitted = '';
  private open = false;

  /** The runs whose curves are overlaid and compared, oldest first. */
  get chosen(): RunRecord[] {
    if (this.selected === null) return this.runs.slice(-2);
    const ids = new Set(this.selected);
    return this.runs.filter((r) => ids.has(r.id));
  }

  private tick(id: string, on: boolean) {
    const now = this.chosen.map((r) => r.id).filter((x) => x !== id);
    this.selected = on ? [...now, id] : now;
  }

  private emit(type: string, detail?: unknown) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  protected willUpdate(changed: PropertyValues) {
    if (changed.has('queue') && this.queue.length && !changed.get('queue')?.length)
      this.open = true;
    // The ticks follow the list: a deleted run is no longer ticked.
    if (changed.has('runs') || changed.has('version')) {
      if (this.selected)
        this.selected = this.selected.filter((id) => this.runs.some((r) => r.id === id));
    }
  }

  protected updated(changed: PropertyValues) {
    if (['version', 'runs', 'selected', 'open'].some((k) => changed.has(k))) this.drawCharts();
    const ids = this.chosen.map((r) => r.id);
    if (ids.join() !== this.emitted) {
      this.emitted = ids.join();
      this.emit('runs-selection', ids);
    }
  }

  /** The chosen runs' curves, merged on one x axis (each series null where its run has no point). */
  private drawCharts() {
    const loss = this.renderRoot.querySelector<LineChart>('#runs-loss');
    const acc = this.renderRoot.querySelector<LineChart>('#runs-accuracy');
    if (!loss || !acc) return;
    const runs = this.chosen;
    const lossSeries: LineSeries[] = runs.map((r) => ({
      label: `Run ${r.number}`,
      color: runColor(r),
    }));
    const accSeries: LineSeries[] = runs.flatMap((r) => [
      { label: `Run ${r.number} test`, color: runColor(r), points: true },
      { label: `Run ${r.number} batches`, color: `${runColor(r)}66` },
    ]);
    overlay(
      loss,
      lossSeries,
      runs.map((r) => r.steps.map((p) => [p[0], p[1]] as const)),
    );
    overlay(
      acc,
      accSeries,
      runs.flatMap((r) => [
        r.evals.map((p) => [p[0], p[1]] as const),
        r.steps.map((p) => [p[0], p[2]] as const),
      ]),
    );
  }

  private async importFile(input: HTMLInputElement) {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    this.message = '';
    this.error = '';
    if (file.size > MAX_IMPORT_BYTES) {
      this.error = `${file.name} is ${(file.size / 1048576).toFixed(0)} MB, more than a runs file can be (${MAX_IMPORT_BYTES / 1048576} MB); nothing was imported.`;
      return;
    }
    const parsed = parseRunsFile(await file.text(), file.name);
    if (typeof parsed === 'string') {
      this.error = parsed;
      return;
    }
    const detail: { runs: RunRecord[]; result?: ImportResult } = { runs: parsed };
    this.emit('runs-import', detail);
    const r = detail.result;
    if (!r) return;
    this.message = importMessage(file.name, r);
  }

  private restore(r: RunRecord) {
    this.emit('run-restore', r.id);
    this.error = '';
    this.message = `The settings of run ${r.number} are back in the page: Train starts a new run with them.`;
  }

  private exportFile() {
    const url = URL.createObjectURL(
      new Blob([exportRuns(this.runs)], { type: 'application/json' }),
    );
    const a = document.createElement('a');
    a.href = url;
    a.download = `cnn-playground-runs-${new Date().toISOString().slice(0, 10)}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  private renderQueue() {
    const q = this.queue;
    if (!q.length) return '';
    // The queued setups as runs without steps, to name them and show how they differ.
    const fake = q.map((s, i) => setupAsRun(s, i, this.presets));
    const diff = differences(fake).rows.filter((r) => !r.result);
    const running = this.queueAt >= 0;
    return html`<div class="queue" data-testid="runs-queue">
      <b>This link compares ${q.length} setups</b>, to train one after the other:
      <ol>
        ${fake.map(
          (r, i) =>
            html`<li data-testid="queued-setup">
              ${r.name.replace(/^Run \d+ · /, '')}${running && i === this.queueAt ? html` <span class="badge">training…</span>` : ''}
            </li>`,
        )}
      </ol>
      ${diff.length ? html`<div class="scroll">${this.diffTable(fake, diff, 'Setup')}</div>` : ''}
      <div class="row">
        ${
          running
            ? html`<span role="status"
                >Training setup ${this.queueAt + 1} of ${q.length}; Pause stops the queue.</span
              >`
            : html`<button
                class="primary"
                data-testid="train-queue"
                @click=${() => this.emit('runs-train-queue')}
              >
                ${q.length === 2 ? 'Train both' : `Train all ${q.length}`}
              </button>`
        }
        <button data-testid="dismiss-queue" @click=${() => this.emit('runs-dismiss-queue')}>
          Dismiss
        </button>
      </div>
    </div>`;
  }

  private diffTable(runs: RunRecord[], rows: ReturnType<typeof differences>['rows'], head = 'Run') {
    const firstResult = rows.findIndex((r) => r.result);
    return html`<table class="diff" data-testid=${head === 'Run' ? 'runs-diff' : 'queue-diff'}>
      <thead>
        <tr>
          <th scope="col">${head === 'Run' ? 'Setting' : 'Differs in'}</th>
          ${runs.map(
            (r) =>
              html`<th scope="col">
                ${head === 'Run' ? html`<span class="swatch" style="background:${runColor(r)}"></span> ` : ''}${head}
                ${r.number}
              </th>`,
          )}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (row, i) =>
            html`<tr class=${i === firstResult ? 'first-result' : ''} data-row=${row.label}>
              <th scope="row">${row.label}</th>
              ${row.values.map((v) => html`<td class=${row.result ? 'result' : ''}>${v}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private renderCompare() {
    const runs = this.chosen;
    if (!runs.length) return html`<p class="muted">Tick runs to overlay their curves.</p>`;
    const { rows, same } = differences(runs);
    const settings = rows.filter((r) => !r.result).length;
    return html`
      <h3>
        ${runs.length === 1 ? `Run ${runs[0].number}` : `How the ${runs.length} ticked runs differ`}
      </h3>
      ${
        runs.length > 1 && settings === 0
          ? html`<p class="muted" data-testid="runs-same">They have the same settings.</p>`
          : ''
      }
      <div class="scroll">${this.diffTable(runs, rows)}</div>
      ${runs.length > 1 && same ? html`<p class="note">${same} settings are the same and not shown.</p>` : ''}
    `;
  }

  render() {
    const n = this.runs.length;
    // Folded until opened (or until a link queues runs), so the panels below stay where they were.
    return html`<details
      ?open=${this.open}
      @toggle=${(e: Event) => (this.open = (e.target as HTMLDetailsElement).open)}
    >
      <summary data-testid="runs-toggle">
        <h2>
          Runs
          <small>${n ? `${n} in the list: compare their curves and settings` : 'none yet'}</small>
        </h2>
      </summary>
      ${this.open ? this.renderBody() : ''}
    </details>`;
  }

  /** Everything under the heading; not rendered while the panel is folded. */
  private renderBody() {
    const runs = [...this.runs].reverse();
    const chosen = new Set(this.chosen.map((r) => r.id));
    return html`
      ${this.renderQueue()}
      <p class="muted" data-testid="runs-storage">${storageNote(this.embedded, this.kept)}</p>
      ${
        runs.length
          ? html`<div class="scroll">
              <table data-testid="runs-list">
                <thead>
                  <tr>
                    <th scope="col">Show</th>
                    <th scope="col">Name</th>
                    <th scope="col">Steps</th>
                    <th scope="col">Test accuracy</th>
                    <th scope="col">Time</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  ${runs.map((r) => this.renderRow(r, chosen.has(r.id)))}
                </tbody>
              </table>
            </div>`
          : html`<p data-testid="runs-empty">
              No runs yet. Every training run (Train after a Reset or a new model) is listed here,
              to compare and to restore.
            </p>`
      }
      <div class="row">
        <button
          data-testid="runs-export"
          ?disabled=${!this.runs.length}
          @click=${() => this.exportFile()}
        >
          Export runs…
        </button>
        <button
          data-testid="runs-import"
          @click=${() => this.renderRoot.querySelector<HTMLInputElement>('#runs-file')?.click()}
        >
          Import runs…
        </button>
        <input
          id="runs-file"
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="runs-file"
          aria-label="Runs file to import"
          @change=${(e: Event) => this.importFile(e.target as HTMLInputElement)}
        />
      </div>
      ${this.error ? html`<p class="error" role="alert" data-testid="runs-error">${this.error}</p>` : ''}
      ${this.message ? html`<p class="good" role="status" data-testid="runs-message">${this.message}</p>` : ''}
      <div class="charts" ?hidden=${!this.runs.length}>
        <cnn-line-chart
          id="runs-loss"
          label="Training loss of the ticked runs"
          yLabel="loss"
          logY
        ></cnn-line-chart>
        <cnn-line-chart
          id="runs-accuracy"
          label="Accuracy of the ticked runs (test, and training batches lighter)"
          yLabel="accuracy"
          .yRange=${[0, 1]}
        ></cnn-line-chart>
      </div>
      ${this.runs.length ? this.renderCompare() : ''}
    `;
  }

  private renderRow(r: RunRecord, on: boolean) {
    const training = r.id === this.currentId;
    return html`<tr data-testid="run-row" data-run=${r.number}>
      <td>
        <input
          type="checkbox"
          data-testid="run-show"
          aria-label="Show run ${r.number} in the charts"
          .checked=${on}
          @change=${(e: Event) => this.tick(r.id, (e.target as HTMLInputElement).checked)}
        />
        <span class="swatch" style="background:${runColor(r)}"></span>
      </td>
      <td>
        <input
          class="name"
          data-testid="run-name"
          aria-label="Name of run ${r.number}"
          .value=${r.name}
          @change=${(e: Event) => this.emit('run-rename', { id: r.id, name: (e.target as HTMLInputElement).value })}
        />
        ${training ? html`<span class="badge">current run</span>` : ''}
        ${r.changes.length ? html`<div class="note">changed while training: ${r.changes.join('; ')}</div>` : ''}
      </td>
      <td class="num">${r.step.toLocaleString('en-US')}</td>
      <td class="num" data-testid="run-accuracy">${finalText(r)}</td>
      <td class="num">${formatSeconds(r.seconds)}</td>
      <td class="actions">
        <button
          data-testid="run-restore"
          aria-label="Restore the settings of run ${r.number}"
          @click=${() => this.restore(r)}
        >
          Restore
        </button>
        <button
          data-testid="run-delete"
          aria-label="Delete run ${r.number}"
          @click=${() => this.emit('runs-delete', [r.id])}
        >
          Delete
        </button>
      </td>
    </tr>`;
  }
}

if (!customElements.get('cnn-runs-panel')) customElements.define('cnn-runs-panel', RunsPanel);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-runs-panel': RunsPanel;
  }
}
