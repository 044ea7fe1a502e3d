// The data panel: where the training data comes from (MNIST served with the site, or the user's
// own IDX files), download progress, and what was loaded. It reads files and hands them up; the
// worker and the core check them.
import { LitElement, css, html } from 'lit';
import type { DataInfo, IdxFiles } from '../worker/protocol';
import { formatCount, panelStyles } from './shared-styles';

export interface DataProgress {
  loaded: number;
  total: number;
  fromCache: boolean;
}

/** Picks the four IDX files out of a selection by their usual names. */
export function matchIdxFiles(files: File[]): { files: Record<keyof IdxFiles, File> } | { error: string } {
  const pick = (set: RegExp, kind: RegExp) => files.find((f) => set.test(f.name.toLowerCase()) && kind.test(f.name.toLowerCase()));
  const train = /train/;
  const test = /t10k|test/;
  const images = /image|idx3/;
  const labels = /label|idx1/;
  const found = {
    trainImages: pick(train, images),
    trainLabels: pick(train, labels),
    testImages: pick(test, images),
    testLabels: pick(test, labels),
  };
  const missing = Object.entries(found)
    .filter(([, f]) => !f)
    .map(([k]) => k.replace(/([A-Z])/g, ' $1').toLowerCase());
  if (missing.length)
    return {
      error: `choose four IDX files (train images, train labels, test images, test labels, named like train-images-idx3-ubyte[.gz]); missing: ${missing.join(', ')}`,
    };
  return { files: found as Record<keyof IdxFiles, File> };
}

export class DataPanel extends LitElement {
  static properties = {
    info: { attribute: false },
    progress: { attribute: false },
    error: { attribute: false },
    busy: { type: Boolean },
  };
  info: DataInfo | null = null;
  progress: DataProgress | null = null;
  error = '';
  busy = false;

  static styles = [
    panelStyles,
    css`
      .row {
        display: flex;
        gap: 8px;
        flex-wrap: wrap;
        align-items: center;
        margin-top: 8px;
      }
      label.file {
        display: inline-flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px;
        max-width: 100%;
      }
      input[type='file'] {
        min-width: 0;
        max-width: 100%;
        font-size: 0.85rem;
      }
    `,
  ];

  private async pick(ev: Event) {
    const input = ev.target as HTMLInputElement;
    const files = Array.from(input.files ?? []);
    input.value = '';
    if (!files.length) return;
    const m = matchIdxFiles(files);
    if ('error' in m) {
      this.dispatchEvent(new CustomEvent('data-error', { detail: m.error, bubbles: true, composed: true }));
      return;
    }
    const order: Array<keyof IdxFiles> = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];
    const buffers = await Promise.all(order.map((k) => m.files[k].arrayBuffer()));
    const detail = {
      files: { trainImages: buffers[0], trainLabels: buffers[1], testImages: buffers[2], testLabels: buffers[3] } as IdxFiles,
      names: order.map((k) => m.files[k].name),
    };
    this.dispatchEvent(new CustomEvent('data-files', { detail, bubbles: true, composed: true }));
  }

  private mnist() {
    this.dispatchEvent(new CustomEvent('data-mnist', { bubbles: true, composed: true }));
  }

  render() {
    const p = this.progress;
    const pct = p && p.total > 0 ? Math.min(100, (100 * p.loaded) / p.total) : 0;
    return html`
      <h2>Data</h2>
      ${this.busy && p
        ? html`<p class="muted" role="status">
              ${p.fromCache ? 'Reading MNIST from the offline cache' : 'Downloading MNIST'}… ${(p.loaded / 1e6).toFixed(1)} of
              ${(p.total / 1e6).toFixed(1)} MB
            </p>
            <progress aria-label="Data loading progress" max="100" .value=${pct}></progress>`
        : this.busy
          ? html`<p class="muted" role="status">Loading data…</p>`
          : ''}
      ${this.info
        ? html`<p data-testid="data-info">
            <strong>${this.info.source}</strong>: ${formatCount(this.info.trainCount)} training and
            ${formatCount(this.info.testCount)} test images, ${this.info.rows}×${this.info.cols}.
          </p>`
        : !this.busy
          ? html`<p class="muted">No data loaded.</p>`
          : ''}
      ${this.error ? html`<p class="error" role="alert" data-testid="data-error">${this.error}</p>` : ''}
      <div class="row">
        <label class="file"
          ><span class="muted">Your own IDX files:</span>
          <input type="file" multiple accept=".gz,application/gzip,application/octet-stream,*" aria-label="Load your own IDX files (four files: train and test images and labels)" @change=${this.pick} ?disabled=${this.busy}
        /></label>
        ${this.info && this.info.source !== 'MNIST'
          ? html`<button @click=${this.mnist} ?disabled=${this.busy}>Use MNIST</button>`
          : ''}
      </div>
    `;
  }
}

if (!customElements.get('cnn-data-panel')) customElements.define('cnn-data-panel', DataPanel);
