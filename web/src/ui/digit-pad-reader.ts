// <cnn-digit-pad>: the digit pad that reads. Each drawing goes through the core's MNIST
// preprocessing and a network: in the playground the one being trained (the pretrained one until
// training starts), alone on a page the pretrained network that ships with the library. It shows
// what the model sees and the ten probabilities, coalesces requests (one in flight, the newest
// waiting) and measures pointer-up-to-bars latency. The drawing itself is <cnn-digit-pad-view>.
// A photo (the view's Photo… button) is decoded here to grey levels and read through the core's
// photo path (uneven light, either polarity, specks dropped) by the same network.
//
// Events: `digit-drawn` (bubbles, composed) after each finished drawing with
// { image: 28x28 Float32Array in [0,1], model }, or null when the pad is cleared;
// <cnn-feature-maps for="id"> listens to it.
import { LitElement, css, html } from 'lit';
import type { WorkerClient } from '../worker/client';
import type { PadModel } from '../worker/protocol';
import './digit-pad-view';
import type { DigitInputDetail, DigitPadView, DigitPhotoDetail } from './digit-pad-view';
import { decodePhoto } from './photo-decode';
import { Standalone } from './standalone';

/** Detail of `digit-drawn`: the preprocessed drawing and the network that read it. */
export type DigitDrawnDetail = { image: Float32Array; model: PadModel } | null;

export class DigitPad extends LitElement {
  static properties = {
    client: { attribute: false },
    modelVersion: { type: Number },
    status: { state: true },
    latency: { state: true },
  };
  /** The worker to ask; without one by the first update the element runs alone. */
  client: WorkerClient | null = null;
  /** Bumped by the owner when the model changes: the drawing is read again. */
  modelVersion = 0;
  private status = '';
  private latency: number | null = null;
  private inFlight = false;
  private waiting: DigitInputDetail | null = null;
  private last: DigitInputDetail | null = null;
  private standalone = new Standalone(this);

  static styles = css`
    :host {
      display: block;
    }
  `;

  private get view(): DigitPadView | null {
    return this.renderRoot.querySelector('cnn-digit-pad-view');
  }

  firstUpdated() {
    this.standalone.start();
    // Alone, fetch the model while the reader is still looking at the pad.
    if (this.standalone.own)
      void this.standalone
        .need('pretrained')
        .catch(
          (e: Error) => (this.status = `The pretrained model could not be loaded: ${e.message}`),
        );
  }

  updated(changed: Map<string, unknown>) {
    // A new or retrained model reads the drawing again.
    if (changed.has('modelVersion') && changed.get('modelVersion') !== undefined && this.last)
      void this.submit({ ...this.last, final: false });
  }

  /** Removes every stroke (and tells the listeners). */
  clear(): void {
    this.view?.clear();
  }

  private async submit(input: DigitInputDetail) {
    if (!this.client) return;
    if (this.inFlight) {
      // Keep only the newest drawing, but never lose a final one to a later partial one.
      this.waiting = input.final || !this.waiting?.final ? input : this.waiting;
      return;
    }
    const pad = this.view;
    if (!pad) return;
    let ink = false;
    for (let i = 0; i < input.gray.length && !ink; i++) ink = input.gray[i] > 0;
    if (!ink) {
      this.last = null;
      pad.preview = null;
      pad.probabilities = null;
      this.latency = null;
      this.drawn(null);
      return;
    }
    this.last = input;
    this.inFlight = true;
    try {
      const client = await this.standalone.need('pretrained');
      const gray = input.gray.slice(); // transferred, not cloned: the original stays for a re-read
      const r = await client.request(
        'digit/predict',
        { gray, height: input.height, width: input.width, withMaps: false },
        [gray.buffer],
      );
      pad.preview = r.image;
      pad.probabilities = r.probabilities;
      this.status = this.standalone.own
        ? 'Read by the pretrained network that ships with the library (keras-book, trained on MNIST).'
        : r.model === 'pretrained'
          ? 'Read by the pretrained model that ships with the page; train to use your own.'
          : 'Read by the network you are training.';
      await pad.updateComplete;
      if (input.final) {
        this.latency = performance.now() - input.at;
        this.dataset.latencyMs = this.latency.toFixed(2);
      }
      // Only finished drawings go on to the feature maps, so their requests never queue in front
      // of the next prediction while the pen moves.
      if (input.final) this.drawn({ image: r.image, model: r.model });
    } catch (e) {
      this.status = (e as Error).message;
    } finally {
      this.inFlight = false;
      const next = this.waiting;
      this.waiting = null;
      if (next) void this.submit(next);
    }
  }

  /** Decodes a photo, shows it on the pad and reads it; failures are one sentence in the status. */
  private async readPhoto(input: DigitPhotoDetail) {
    const pad = this.view;
    if (!pad) return;
    this.last = null; // a new model re-reads drawings, not photos
    this.latency = null;
    const fail = (message: string) => {
      pad.preview = null;
      pad.probabilities = null;
      this.status = message;
      this.dataset.photo = 'error';
      this.dataset.photoFile = input.file.name;
      this.drawn(null);
    };
    this.dataset.photo = 'reading';
    delete this.dataset.photoFile;
    let photo;
    try {
      photo = await decodePhoto(input.file);
    } catch (e) {
      fail((e as Error).message);
      return;
    }
    pad.showPhoto(photo.bitmap);
    photo.bitmap.close();
    try {
      const client = await this.standalone.need('pretrained');
      const { gray, height, width } = photo;
      const r = await client.request(
        'digit/predict-photo',
        { gray, height, width, name: input.file.name },
        [gray.buffer],
      );
      pad.preview = r.image;
      pad.probabilities = r.probabilities;
      this.status = `Photo read by the ${r.model === 'pretrained' ? 'pretrained model that ships with the page' : 'network you are training'} (${width}×${height} px).`;
      await pad.updateComplete;
      this.latency = performance.now() - input.at;
      this.dataset.photo = 'read';
      this.dataset.photoFile = input.file.name;
      this.drawn({ image: r.image, model: r.model });
    } catch (e) {
      fail((e as Error).message);
    }
  }

  private drawn(detail: DigitDrawnDetail) {
    this.dispatchEvent(
      new CustomEvent<DigitDrawnDetail>('digit-drawn', { detail, bubbles: true, composed: true }),
    );
  }

  render() {
    return html`<cnn-digit-pad-view
      .status=${this.status}
      .latencyMs=${this.latency}
      @digit-input=${(e: CustomEvent<DigitInputDetail>) => void this.submit(e.detail)}
      @digit-photo=${(e: CustomEvent<DigitPhotoDetail>) => void this.readPhoto(e.detail)}
    ></cnn-digit-pad-view>`;
  }
}

if (!customElements.get('cnn-digit-pad')) customElements.define('cnn-digit-pad', DigitPad);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-digit-pad': DigitPad;
  }
  interface HTMLElementEventMap {
    'digit-drawn': CustomEvent<DigitDrawnDetail>;
  }
}
