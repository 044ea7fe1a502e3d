// The data panel: where the training data comes from (MNIST served with the site, or the user's
// own IDX files), download progress, and what was loaded. MNIST arrives in shards: the panel
// shows images and bytes arrived while training already runs, and offers a retry when a shard
// fails. It reads files and hands them up; the worker and the core check them.
import { LitElement, css, html } from 'lit';
import {
  MAX_IDX_FILE_BYTES,
  tooLargeMessage,
  type DataInfo,
  type IdxFiles,
} from '../worker/protocol';
import { formatCount, panelStyles } from './shared-styles';

export interface DataProgress {
  loaded: number;
  total: number;
  fromCache: boolean;
}

/** Picks the four IDX files out of a selection by their usual names. */
export function matchIdxFiles(
  files: File[],
): { files: Record<keyof IdxFiles, File> } | { error: string } {
  const pick = (set: RegExp, kind: RegExp) =>
    files.find((f) => set.test(f.name.toLowerCase()) && kind.test(f.name.toLowerCase()));
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
    // Refused by size before a byte is read: a huge file must not cost the page its memory.
    const big = files.find((f) => f.size > MAX_IDX_FILE_BYTES);
    if (big) {
      const detail = `${tooLargeMessage(big.name, big.size)}; nothing was read and the data in use was kept.`;
      this.dispatchEvent(new CustomEvent('data-error', { detail, bubbles: true, composed: true }));
      return;
    }
    const m = matchIdxFiles(files);
    if ('error' in m) {
      this.dispatchEvent(
        new CustomEvent('data-error', { detail: m.error, bubbles: true, composed: true }),
      );
      return;
    }
    const order: Array<keyof IdxFiles> = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];
    const buffers = await Promise.all(order.map((k) => m.files[k].arrayBuffer()));
    const detail = {
      files: {
        trainImages: buffers[0],
        trainLabels: buffers[1],
        testImages: buffers[2],
        testLabels: buffers[3],
      } as IdxFiles,
      names: order.map((k) => m.files[k].name),
    };
    this.dispatchEvent(new CustomEvent('data-files', { detail, bubbles: true, composed: true }));
  }

  private mnist() {
    this.dispatchEvent(new CustomEvent('data-mnist', { bubbles: true, composed: true }));
  }

  private retry() {
    this.dispatchEvent(new CustomEvent('data-retry', { bubbles: true, composed: true }));
  }

  /** The data in use; while MNIST is arriving, how much of it is in, and what an epoch means then. */
  private infoLine(info: DataInfo) {
    const complete = info.trainCount >= info.trainTotal && info.testCount >= info.testTotal;
    if (complete)
      return html`<p data-testid="data-info">
          <strong>${info.source}</strong>: ${formatCount(info.trainCount)} training and
          ${formatCount(info.testCount)} test images, ${info.rows}×${info.cols}.
        </p>
        ${this.notKeptLine(info)}`;
    const p = this.progress;
    const mb = (b: number) => (b / 1e6).toFixed(1);
    // Live bytes while a shard downloads; the arrived shards' sizes otherwise.
    const loaded = Math.max(info.bytesLoaded, p && !this.busy ? p.loaded : 0);
    const pct = info.bytesTotal > 0 ? Math.min(100, (100 * loaded) / info.bytesTotal) : 0;
    return html`<p data-testid="data-info">
        <strong>${info.source}</strong> ${info.arriving ? 'is arriving' : 'is partly loaded'}:
        training images
        <span data-testid="train-loaded" data-value=${info.trainCount}
          >${formatCount(info.trainCount)}</span
        >
        / ${formatCount(info.trainTotal)} · test images
        <span data-testid="test-loaded" data-value=${info.testCount}
          >${formatCount(info.testCount)}</span
        >
        /
        ${formatCount(info.testTotal)}${info.bytesTotal > 0 ? html` · <span data-testid="bytes-loaded">${mb(loaded)} / ${mb(info.bytesTotal)} MB</span>` : ''}
      </p>
      ${info.arriving ? html`<progress aria-label="MNIST arriving" max="100" .value=${pct}></progress>` : ''}
      <p class="muted" data-testid="data-epoch-note">
        You can train now: new images join the training as they arrive. An epoch still counts
        ${formatCount(info.epochSize)} examples, repeating the ${formatCount(info.trainCount)}
        present until the rest is in.
      </p>
      ${this.notKeptLine(info)}
      ${
        info.streamError
          ? html`<p class="error" role="alert" data-testid="data-stream-error">
                ${info.streamError}
              </p>
              <button data-testid="data-retry" @click=${this.retry}>Retry the download</button>`
          : ''
      }`;
  }

  /** The site's data could not be kept for the next visit. */
  private notKeptLine(info: DataInfo) {
    if (info.keptOffline) return '';
    return html`<p class="muted" data-testid="data-not-kept">
      This browser does not let the page keep ${info.source} for offline use (private window,
      storage full or blocked): it downloads again on the next visit.
    </p>`;
  }

  render() {
    const p = this.progress;
    const pct = p && p.total > 0 ? Math.min(100, (100 * p.loaded) / p.total) : 0;
    return html`
      <h2>Data</h2>
      ${
        this.busy && p
          ? html`<p class="muted" role="status">
                ${p.fromCache ? 'Reading MNIST from the offline cache' : 'Downloading MNIST'}…
                ${(p.loaded / 1e6).toFixed(1)} of ${(p.total / 1e6).toFixed(1)} MB
              </p>
              <progress aria-label="Data loading progress" max="100" .value=${pct}></progress>`
          : this.busy
            ? html`<p class="muted" role="status">Loading data…</p>`
            : ''
      }
      ${this.info ? this.infoLine(this.info) : !this.busy ? html`<p class="muted">No data loaded.</p>` : ''}
      ${this.error ? html`<p class="error" role="alert" data-testid="data-error">${this.error}</p>` : ''}
      <div class="row">
        <label class="file"
          ><span class="muted">Your own IDX files:</span>
          <input
            type="file"
            multiple
            accept=".gz,application/gzip,application/octet-stream,*"
            aria-label="Load your own IDX files (four files: train and test images and labels)"
            @change=${this.pick}
            ?disabled=${this.busy}
        /></label>
        ${
          this.info && this.info.source !== 'MNIST'
            ? html`<button @click=${this.mnist} ?disabled=${this.busy}>Use MNIST</button>`
            : !this.info && this.error && !this.busy
              ? html`<button data-testid="data-mnist-retry" @click=${this.mnist}>
                  Load MNIST again
                </button>`
              : ''
        }
      </div>
    `;
  }
}

if (!customElements.get('cnn-data-panel')) customElements.define('cnn-data-panel', DataPanel);
