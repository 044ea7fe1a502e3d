// <cnn-draw-panel>: the digit pad wired to the worker. Each drawing goes through the core's MNIST
// preprocessing and the network (the pretrained one until training starts); the pad shows what
// the model sees and the ten probabilities. It coalesces requests (one in flight, the newest
// waiting) and measures pointer-up-to-bars latency.
import { LitElement, css, html } from 'lit';
import type { WorkerClient } from '../worker/client';
import type { PadModel } from '../worker/protocol';
import './digit-pad';
import type { DigitPad } from './digit-pad';
import { panelStyles } from './shared-styles';

interface DigitInput {
  gray: Float32Array;
  height: number;
  width: number;
  final: boolean;
  at: number;
}

export class DrawPanel extends LitElement {
  static properties = {
    client: { attribute: false },
    modelVersion: { type: Number },
    status: { state: true },
    latency: { state: true },
  };
  client: WorkerClient | null = null;
  modelVersion = 0;
  private status = '';
  private latency: number | null = null;
  private inFlight = false;
  private waiting: DigitInput | null = null;
  private last: DigitInput | null = null;

  static styles = [
    panelStyles,
    css`
      p.hint {
        margin-top: 0;
      }
    `,
  ];

  private get pad(): DigitPad | null {
    return this.renderRoot.querySelector('cnn-digit-pad');
  }

  updated(changed: Map<string, unknown>) {
    // A new or retrained model reads the drawing again.
    if (changed.has('modelVersion') && changed.get('modelVersion') !== undefined && this.last) void this.submit({ ...this.last, final: false });
  }

  private onInput(e: CustomEvent<DigitInput>) {
    void this.submit(e.detail);
  }

  private async submit(input: DigitInput) {
    if (!this.client) return;
    if (this.inFlight) {
      // Keep only the newest drawing, but never lose a final one to a later partial one.
      this.waiting = input.final || !this.waiting?.final ? input : this.waiting;
      return;
    }
    const pad = this.pad;
    if (!pad) return;
    let ink = false;
    for (let i = 0; i < input.gray.length && !ink; i++) ink = input.gray[i] > 0;
    if (!ink) {
      this.last = null;
      pad.preview = null;
      pad.probabilities = null;
      this.latency = null;
      this.dispatchEvent(new CustomEvent('digit-drawn', { detail: null, bubbles: true, composed: true }));
      return;
    }
    this.last = input;
    this.inFlight = true;
    try {
      const gray = input.gray.slice(); // transferred, not cloned: the original stays for a re-read
      const r = await this.client.request('digit/predict', { gray, height: input.height, width: input.width, withMaps: false }, [gray.buffer]);
      pad.preview = r.image;
      pad.probabilities = r.probabilities;
      this.status = r.model === 'pretrained' ? 'Read by the pretrained model that ships with the page; train to use your own.' : 'Read by the network you are training.';
      await pad.updateComplete;
      if (input.final) {
        this.latency = performance.now() - input.at;
        this.dataset.latencyMs = this.latency.toFixed(2);
      }
      // Only finished drawings go on to the feature maps, so their requests never queue in front
      // of the next prediction while the pen moves.
      if (input.final) this.dispatchEvent(new CustomEvent<{ image: Float32Array; model: PadModel }>('digit-drawn', { detail: { image: r.image, model: r.model }, bubbles: true, composed: true }));
    } catch (e) {
      this.status = (e as Error).message;
    } finally {
      this.inFlight = false;
      const next = this.waiting;
      this.waiting = null;
      if (next) void this.submit(next);
    }
  }

  render() {
    return html`
      <h2>Draw a digit</h2>
      <p class="hint muted">Draw 0–9 in the box with a mouse, finger or pen. The page prepares it like MNIST (centred by mass in 28×28) and the network reads it.</p>
      <cnn-digit-pad .status=${this.status} .latencyMs=${this.latency} @digit-input=${this.onInput}></cnn-digit-pad>
    `;
  }
}

if (!customElements.get('cnn-draw-panel')) customElements.define('cnn-draw-panel', DrawPanel);
