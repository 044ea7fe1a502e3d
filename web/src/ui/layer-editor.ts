// The layer list editor: one row per layer with the fields of its type, move/remove buttons and
// an "add layer" menu. It edits a draft list of layers and hands it up on Apply; the core checks
// the result and its errors come back naming the layer, which is then marked here.
import { LitElement, css, html, type TemplateResult } from 'lit';
import type { LayerSpec } from '../state/spec';
import { panelStyles } from './shared-styles';

type FieldKind = 'int' | 'float' | 'padding' | 'activation' | 'bool';
const FIELDS: Record<string, Array<[string, FieldKind, unknown]>> = {
  conv2d: [
    ['filters', 'int', 8],
    ['kernel', 'int', 3],
    ['stride', 'int', 1],
    ['padding', 'padding', 'valid'],
    ['activation', 'activation', 'relu'],
    ['l2', 'float', 0],
  ],
  maxpool2d: [
    ['size', 'int', 2],
    ['stride', 'int', 2],
    ['padding', 'padding', 'valid'],
  ],
  avgpool2d: [
    ['size', 'int', 2],
    ['stride', 'int', 2],
    ['padding', 'padding', 'valid'],
  ],
  lrn: [
    ['depth_radius', 'int', 5],
    ['bias', 'float', 1],
    ['alpha', 'float', 1],
    ['beta', 'float', 0.5],
  ],
  dense: [
    ['units', 'int', 10],
    ['activation', 'activation', 'relu'],
    ['l2', 'float', 0],
  ],
  dropout: [['rate', 'float', 0.5]],
  flatten: [],
  activation: [['activation', 'activation', 'relu']],
};
const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'softmax', 'linear'];

export class LayerEditor extends LitElement {
  static properties = {
    layers: { attribute: false },
    errorLayer: { type: Number },
    disabled: { type: Boolean },
  };
  layers: LayerSpec[] = [];
  errorLayer = -1;
  disabled = false;

  static styles = [
    panelStyles,
    css`
      :host {
        border: none;
        padding: 0;
      }
      ol {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        gap: 6px;
      }
      li {
        display: flex;
        flex-wrap: wrap;
        gap: 6px 10px;
        align-items: center;
        border: 1px solid var(--border, #d8dce3);
        border-radius: 6px;
        padding: 6px 8px;
        background: var(--surface, #f6f7f9);
      }
      li.bad {
        border-color: var(--bad, #b91c1c);
        background: #fdecec;
      }
      .idx {
        font-family: var(--mono, monospace);
        color: var(--muted, #5b6475);
        min-width: 1.5em;
      }
      label {
        display: inline-flex;
        gap: 4px;
        align-items: center;
        font-size: 0.85rem;
      }
      input[type='number'] {
        width: 5.2em;
      }
      .tools {
        margin-left: auto;
        display: flex;
        gap: 4px;
      }
      .tools button {
        padding: 2px 8px;
        min-height: 28px;
      }
      .add {
        margin-top: 8px;
        display: flex;
        gap: 6px;
        align-items: center;
      }
    `,
  ];

  private change(layers: LayerSpec[]) {
    this.dispatchEvent(
      new CustomEvent('layers-change', { detail: layers, bubbles: true, composed: true }),
    );
  }

  private setField(i: number, key: string, kind: FieldKind, raw: string) {
    const layers = structuredClone(this.layers);
    const l = layers[i];
    if (kind === 'int') l[key] = raw === '' ? undefined : Math.round(Number(raw));
    else if (kind === 'float') l[key] = raw === '' ? undefined : Number(raw);
    else if (kind === 'bool') l[key] = raw === 'true';
    // Padding is "valid", "same" or a number of pixels on every side (the spec's integer form).
    else if (kind === 'padding')
      l[key] =
        raw === 'valid' || raw === 'same'
          ? raw
          : raw === 'pixels'
            ? 1
            : Math.max(0, Math.round(Number(raw)) || 0);
    else l[key] = raw;
    if (l[key] === undefined) delete l[key];
    this.change(layers);
  }

  private setType(i: number, type: string) {
    const layers = structuredClone(this.layers);
    const l: LayerSpec = { type };
    for (const [k, , def] of FIELDS[type] ?? []) if (k !== 'l2' && k !== 'padding') l[k] = def;
    layers[i] = l;
    this.change(layers);
  }

  private move(i: number, d: number) {
    const layers = structuredClone(this.layers);
    const [l] = layers.splice(i, 1);
    layers.splice(i + d, 0, l);
    this.change(layers);
  }

  private removeLayer(i: number) {
    const layers = structuredClone(this.layers);
    layers.splice(i, 1);
    this.change(layers);
  }

  private add(type: string) {
    const layers = structuredClone(this.layers);
    const l: LayerSpec = { type };
    for (const [k, , def] of FIELDS[type] ?? []) if (k !== 'l2' && k !== 'padding') l[k] = def;
    // A new layer goes before the classifier, where it is most likely meant.
    const at = Math.max(0, layers.length - 1);
    layers.splice(at, 0, l);
    this.change(layers);
  }

  private field(
    i: number,
    l: LayerSpec,
    key: string,
    kind: FieldKind,
    def: unknown,
  ): TemplateResult {
    const v = l[key];
    const label = `Layer ${i} ${key.replace('_', ' ')}`;
    if (kind === 'padding') return this.paddingField(i, key, v ?? def, label);
    if (kind === 'activation') {
      const opts = ACTIVATIONS;
      const cur = v === undefined ? String(def) : String(v);
      return html`<label
        >${key}
        <select
          aria-label=${label}
          ?disabled=${this.disabled}
          @change=${(e: Event) => this.setField(i, key, kind, (e.target as HTMLSelectElement).value)}
        >
          ${(opts.includes(cur) ? opts : [cur, ...opts]).map((o) => html`<option ?selected=${o === cur}>${o}</option>`)}
        </select></label
      >`;
    }
    const shown = Array.isArray(v) ? String(v[0]) : v === undefined ? '' : String(v);
    return html`<label
      >${key.replace('_', ' ')}
      <input
        type="number"
        aria-label=${label}
        .value=${shown}
        placeholder=${String(def)}
        step=${kind === 'int' ? '1' : 'any'}
        min="0"
        ?disabled=${this.disabled}
        @change=${(e: Event) => this.setField(i, key, kind, (e.target as HTMLInputElement).value)}
    /></label>`;
  }

  /** valid, same, or pixels with a number beside it: the three forms the spec's padding takes. */
  private paddingField(i: number, key: string, v: unknown, label: string): TemplateResult {
    const pixels = typeof v === 'number';
    const cur = pixels ? 'pixels' : String(v);
    const set = (raw: string) => this.setField(i, key, 'padding', raw);
    return html`<label
        >${key}
        <select
          aria-label=${label}
          ?disabled=${this.disabled}
          @change=${(e: Event) => set((e.target as HTMLSelectElement).value)}
        >
          ${['valid', 'same', 'pixels'].map((o) => html`<option ?selected=${o === cur}>${o}</option>`)}
        </select></label
      >${
        pixels
          ? html`<label
              >pixels
              <input
                type="number"
                aria-label=${`Layer ${i} padding pixels`}
                .value=${String(v)}
                step="1"
                min="0"
                max="64"
                ?disabled=${this.disabled}
                @change=${(e: Event) => set((e.target as HTMLInputElement).value)}
            /></label>`
          : ''
      }`;
  }

  render() {
    return html`
      <ol aria-label="Layers">
        ${this.layers.map(
          (l, i) =>
            html`<li class=${i === this.errorLayer ? 'bad' : ''} data-testid="layer-row">
              <span class="idx">${i}</span>
              <select
                aria-label=${`Layer ${i} type`}
                ?disabled=${this.disabled}
                @change=${(e: Event) => this.setType(i, (e.target as HTMLSelectElement).value)}
              >
                ${Object.keys(FIELDS).map((t) => html`<option ?selected=${t === l.type}>${t}</option>`)}
              </select>
              ${(FIELDS[l.type] ?? []).map(([k, kind, def]) => this.field(i, l, k, kind, def))}
              <span class="tools">
                <button
                  aria-label=${`Move layer ${i} up`}
                  ?disabled=${this.disabled || i === 0}
                  @click=${() => this.move(i, -1)}
                >
                  ↑
                </button>
                <button
                  aria-label=${`Move layer ${i} down`}
                  ?disabled=${this.disabled || i === this.layers.length - 1}
                  @click=${() => this.move(i, 1)}
                >
                  ↓
                </button>
                <button
                  aria-label=${`Remove layer ${i}`}
                  ?disabled=${this.disabled || this.layers.length <= 1}
                  @click=${() => this.removeLayer(i)}
                >
                  ✕
                </button>
              </span>
            </li>`,
        )}
      </ol>
      <div class="add">
        <label
          >Add a layer
          <select
            aria-label="Add a layer"
            ?disabled=${this.disabled}
            @change=${(e: Event) => {
              const s = e.target as HTMLSelectElement;
              if (s.value) this.add(s.value);
              s.value = '';
            }}
          >
            <option value="">choose…</option>
            ${Object.keys(FIELDS).map((t) => html`<option value=${t}>${t}</option>`)}
          </select></label
        >
      </div>
    `;
  }
}

if (!customElements.get('cnn-layer-editor')) customElements.define('cnn-layer-editor', LayerEditor);
