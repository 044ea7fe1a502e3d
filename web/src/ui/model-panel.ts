// The model panel: preset choice, the summary table the core computes (layer, output shape,
// params, MACs), and two editors of a draft spec (the layer list and the raw JSON). Apply sends
// the draft up; errors from the core are shown and point at the layer they name. Below, the model
// file (download as safetensors or ONNX, load) as events for the playground to handle.
import { LitElement, css, html } from 'lit';
import type { LayerSpec, ModelSpec } from '../state/spec';
import { formatSpec } from '../state/spec';
import type { ModelSummary } from '../worker/protocol';
import './layer-editor';
import { formatCompact, formatCount, panelStyles } from './shared-styles';
import { tabStrip } from './tabs';

/** The 0-based layer index an error message from the core names ("layer 3 (dense): ..."). */
export class ModelPanel extends LitElement {
  static properties = {
    presets: { attribute: false },
    preset: { type: String },
    spec: { attribute: false },
    summary: { attribute: false },
    error: { type: String },
    errorLayer: { type: Number },
    fileStatus: { type: String },
    fileError: { type: String },
    hide: { attribute: false },
    draft: { state: true },
    tab: { state: true },
    jsonText: { state: true },
    jsonError: { state: true },
  };
  presets: string[] = [];
  preset = '';
  /** Controls a lesson link hides: 'preset', 'editor', 'files'. */
  hide: string[] = [];
  spec: ModelSpec | null = null;
  summary: ModelSummary | null = null;
  error = '';
  /** The layer the error is about (the worker's error carries it), -1 for none. */
  errorLayer = -1;
  /** Where the model is kept (e.g. "Kept in this browser at step 940"). */
  fileStatus = '';
  fileError = '';
  private draft: ModelSpec | null = null;
  private tab: 'summary' | 'layers' | 'json' = 'summary';
  private jsonText = '';
  private jsonError = '';

  static styles = [
    panelStyles,
    css`
      .top {
        display: flex;
        gap: 8px;
        align-items: center;
        flex-wrap: wrap;
      }
      .desc {
        margin: 6px 0 10px;
      }
      .table-wrap {
        overflow-x: auto;
      }
      table {
        border-collapse: collapse;
        width: 100%;
        font-size: 0.85rem;
      }
      th,
      td {
        text-align: left;
        padding: 3px 5px;
        border-bottom: 1px solid var(--border, #d8dce3);
        white-space: nowrap;
      }
      td.layer {
        white-space: normal;
      }
      td.n,
      th.n {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      tfoot td {
        font-weight: 600;
        border-bottom: none;
      }
      tr.bad td {
        background: #fdecec;
      }
      textarea {
        width: 100%;
        min-height: 260px;
        resize: vertical;
      }
      .file {
        display: flex;
        gap: 8px;
        align-items: center;
        flex-wrap: wrap;
        margin-top: 12px;
        padding-top: 10px;
        border-top: 1px solid var(--border, #d8dce3);
      }
      .load {
        position: relative;
        display: inline-flex;
        align-items: center;
        padding: 6px 12px;
        border: 1px solid var(--border, #d8dce3);
        border-radius: 6px;
        background: var(--surface, #f6f7f9);
        cursor: pointer;
        min-height: 34px;
      }
      .load:focus-within {
        outline: 3px solid var(--accent, #2563eb);
        outline-offset: 2px;
      }
      .load input {
        position: absolute;
        inset: 0;
        opacity: 0;
        cursor: pointer;
        width: 100%;
      }
      .actions {
        display: flex;
        gap: 8px;
        align-items: center;
        margin-top: 8px;
        flex-wrap: wrap;
      }
    `,
  ];

  willUpdate(changed: Map<string, unknown>) {
    if (changed.has('spec') && this.spec) {
      this.draft = structuredClone(this.spec);
      this.jsonText = formatSpec(this.spec);
      this.jsonError = '';
    }
  }

  private get dirty(): boolean {
    return !!this.spec && !!this.draft && JSON.stringify(this.draft) !== JSON.stringify(this.spec);
  }

  private choosePreset(e: Event) {
    const name = (e.target as HTMLSelectElement).value;
    this.dispatchEvent(
      new CustomEvent('preset-change', { detail: name, bubbles: true, composed: true }),
    );
  }

  private apply() {
    let spec = this.draft;
    if (this.tab === 'json') {
      try {
        spec = JSON.parse(this.jsonText) as ModelSpec;
      } catch (e) {
        this.jsonError = `The JSON does not parse: ${(e as Error).message}`;
        return;
      }
      if (!spec || typeof spec !== 'object' || !Array.isArray(spec.layers)) {
        this.jsonError = 'The spec needs a "layers" list.';
        return;
      }
    }
    this.jsonError = '';
    this.dispatchEvent(
      new CustomEvent('spec-apply', { detail: spec, bubbles: true, composed: true }),
    );
  }

  private revert() {
    if (!this.spec) return;
    this.draft = structuredClone(this.spec);
    this.jsonText = formatSpec(this.spec);
    this.jsonError = '';
    this.dispatchEvent(new CustomEvent('spec-revert', { bubbles: true, composed: true }));
  }

  private setTab(t: 'summary' | 'layers' | 'json') {
    if (t === 'json' && this.draft) this.jsonText = formatSpec(this.draft);
    if (this.tab === 'json' && t !== 'json') {
      try {
        const parsed = JSON.parse(this.jsonText) as ModelSpec;
        if (Array.isArray(parsed.layers)) this.draft = parsed;
      } catch {
        /* keep the last good draft */
      }
    }
    this.tab = t;
  }

  private renderSummary() {
    const s = this.summary;
    if (!s) return html`<p class="muted">No model yet.</p>`;
    const bad = this.error ? this.errorLayer : -1;
    return html`<div class="table-wrap">
      <table data-testid="summary">
        <caption class="muted" style="text-align:left">
          Input ${s.input.join('×')}, ${s.classes} classes${this.stepMemory(s)}
        </caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Layer</th>
            <th scope="col">Output</th>
            <th scope="col" class="n">Params</th>
            <th scope="col" class="n">MACs</th>
          </tr>
        </thead>
        <tbody>
          ${s.layers.map(
            (l) =>
              html`<tr class=${l.index === bad ? 'bad' : ''}>
                <td>${l.index}</td>
                <td class="layer" title=${l.detail}>
                  ${l.type}${l.detail ? html` <span class="muted">${l.detail}</span>` : ''}
                </td>
                <td>${l.output.join('×')}</td>
                <td class="n">${formatCount(l.params)}</td>
                <td class="n">${formatCompact(l.macs)}</td>
              </tr>`,
          )}
        </tbody>
        <tfoot>
          <tr>
            <td></td>
            <td>Total</td>
            <td></td>
            <td class="n" data-testid="total-params">${formatCount(s.params)}</td>
            <td class="n">${formatCompact(s.macs)}</td>
          </tr>
        </tfoot>
      </table>
    </div>`;
  }

  /** ", a training step at batch 64 needs about 25 MB" (the core's estimate). */
  private stepMemory(s: ModelSummary) {
    const batch = this.spec?.batch_size ?? 32;
    const bytes = s.stepBytesFixed + s.stepBytesPerExample * batch;
    if (!Number.isFinite(bytes) || bytes <= 0) return '';
    const text =
      bytes >= 2 ** 30
        ? `${(bytes / 2 ** 30).toFixed(1)} GB`
        : `${Math.max(1, Math.round(bytes / 2 ** 20))} MB`;
    return html`, a training step at batch ${batch} needs about
      <span data-testid="step-memory">${text}</span>`;
  }

  private pickFile(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file)
      this.dispatchEvent(
        new CustomEvent('model-file', { detail: file, bubbles: true, composed: true }),
      );
  }

  private renderFile() {
    return html`<div class="file" role="group" aria-label="Model file">
        <button
          data-testid="model-download"
          @click=${() => this.dispatchEvent(new CustomEvent('model-download', { bubbles: true, composed: true }))}
        >
          Download model (.safetensors)
        </button>
        <button
          data-testid="model-download-onnx"
          title="The inference graph for onnxruntime and other ONNX tools: input [N, 28, 28, 1] in 0..1, output the class probabilities"
          @click=${() => this.dispatchEvent(new CustomEvent('model-download-onnx', { bubbles: true, composed: true }))}
        >
          Download ONNX (.onnx)
        </button>
        <label class="load"
          ><span>Load a model file…</span>
          <input
            type="file"
            accept=".safetensors,application/octet-stream"
            aria-label="Load a model file (.safetensors)"
            data-testid="model-load"
            @change=${this.pickFile}
        /></label>
        ${this.fileStatus ? html`<span class="muted" data-testid="model-stored">${this.fileStatus}</span>` : ''}
      </div>
      ${this.fileError ? html`<p class="error" role="alert" data-testid="model-file-error">${this.fileError}</p>` : ''}`;
  }

  render() {
    const tabs: Array<['summary' | 'layers' | 'json', string]> = [
      ['summary', 'Summary'],
      ['layers', 'Layers'],
      ['json', 'JSON'],
    ];
    return html`
      <h2>Model</h2>
      <div class="top">
        ${
          this.hide.includes('preset')
            ? html`<span>Preset <b data-testid="preset-name">${this.preset || 'custom'}</b></span>`
            : html`<label
                >Preset
                <select aria-label="Preset" @change=${this.choosePreset}>
                  ${this.presets.map((p) => html`<option ?selected=${p === this.preset} value=${p}>${p}</option>`)}
                  ${this.presets.includes(this.preset) ? '' : html`<option selected value="">custom</option>`}
                </select></label
              >`
        }
      </div>
      ${this.spec?.description ? html`<p class="desc muted">${this.spec.description}</p>` : ''}
      ${tabStrip({ label: 'Model views', tabs, selected: this.tab, select: (t) => this.setTab(t), panel: 'tabpanel', idPrefix: 'tab-', hidden: this.hide.includes('editor') })}
      <div id="tabpanel" role="tabpanel" aria-labelledby=${'tab-' + this.tab}>
        ${
          this.tab === 'summary' || this.hide.includes('editor')
            ? this.renderSummary()
            : this.tab === 'layers'
              ? html`<cnn-layer-editor
                  .layers=${this.draft?.layers ?? []}
                  .errorLayer=${this.error ? this.errorLayer : -1}
                  @layers-change=${(e: CustomEvent<LayerSpec[]>) => (this.draft = { ...this.draft!, layers: e.detail })}
                ></cnn-layer-editor>`
              : html`<textarea
                  aria-label="Model spec as JSON"
                  spellcheck="false"
                  .value=${this.jsonText}
                  @input=${(e: Event) => (this.jsonText = (e.target as HTMLTextAreaElement).value)}
                ></textarea>`
        }
      </div>
      ${this.jsonError ? html`<p class="error" role="alert">${this.jsonError}</p>` : ''}
      ${this.error ? html`<p class="error" role="alert" data-testid="spec-error">${this.error}</p>` : ''}
      ${
        this.tab !== 'summary' && !this.hide.includes('editor')
          ? html`<div class="actions">
              <button
                class="primary"
                @click=${this.apply}
                ?disabled=${this.tab !== 'json' && !this.dirty}
              >
                Apply
              </button>
              <button @click=${this.revert}>Revert</button>
              <span class="muted"
                >${this.dirty || this.tab === 'json' ? 'Applying rebuilds the model with fresh weights.' : 'No changes.'}</span
              >
            </div>`
          : ''
      }
      ${this.hide.includes('files') ? '' : this.renderFile()}
    `;
  }
}

if (!customElements.get('cnn-model-panel')) customElements.define('cnn-model-panel', ModelPanel);
