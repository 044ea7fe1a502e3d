// <cnn-digit-pad-view>: the digit pad as drawn: a black square to draw a digit on in white ink
// (MNIST style), Undo and Clear, and the read-outs passed back to it: the 28x28 image the model
// sees, ten class bars and the top class. It neither preprocesses nor predicts: it emits
// `digit-input` with the raw pixels (280x280 grey levels in [0,1], ink = 1) while drawing (at most
// one every 60 ms) and once more when a stroke ends, on Undo and on Clear (final: true), and its
// owner (<cnn-digit-pad>, digit-pad-reader.ts) answers by setting `preview`, `probabilities`,
// `status` and `latencyMs`. The Photo… button picks or captures an image file and emits
// `digit-photo` with it; the owner decodes and reads it and may show it here (showPhoto).
import { LitElement, html, nothing } from 'lit';
import { drawGray } from './digit-canvas';
import { digitPadStyles } from './digit-pad-styles';
import { argmax, panelStyles } from './shared-styles';

/** Detail of the `digit-input` event. */
export interface DigitInputDetail {
  /** height * width grey levels in [0, 1], row-major; ink = 1, background = 0. */
  gray: Float32Array;
  height: number;
  width: number;
  /** True on pointer-up (or cancel), Undo and Clear; false for the throttled events while drawing. */
  final: boolean;
  /** performance.now() time base: the pointer event behind this input (or the key/click). */
  at: number;
}

/** Detail of the `digit-photo` event: an image file the reader picked or captured. */
export interface DigitPhotoDetail {
  file: File;
  /** performance.now() time base: when the file was chosen. */
  at: number;
}

type Point = [number, number];

/** Backing-store size of the drawing canvas, in pad coordinates (CSS size is at most this). */
const SIZE = 280;
const LINE_WIDTH = 20;
const THROTTLE_MS = 60;
/** Points closer than this to the previous one (in pad pixels) are dropped. */
const MIN_STEP = 1.5;

const pct = (p: number) => `${Math.round(Math.min(1, Math.max(0, p)) * 100)}%`;

/** A timestamp in the performance.now() time base for an event (falls back to now). */
function eventTime(e?: Event): number {
  const now = performance.now();
  const t = e?.timeStamp ?? 0;
  return t > 0 && t <= now + 1 ? t : now;
}

export class DigitPadView extends LitElement {
  static properties = {
    preview: { attribute: false },
    probabilities: { attribute: false },
    status: { type: String },
    latencyMs: { attribute: false },
    strokeCount: { state: true },
    hasPhoto: { state: true },
    liveText: { state: true },
  };
  /** 28x28 values in [0,1]: the preprocessed image the model sees. */
  preview: Float32Array | null = null;
  /** Ten class probabilities for the current drawing, or null. */
  probabilities: number[] | null = null;
  /** A short line about the model in use. */
  status = '';
  /** How long the last prediction took. */
  latencyMs: number | null = null;

  private strokeCount = 0;
  /** A photo is shown on the pad (until the next stroke or Clear). */
  private hasPhoto = false;
  private liveText = '';

  private strokes: Point[][] = [];
  private current: Point[] | null = null;
  private pointerId: number | null = null;
  private rect: DOMRect | null = null;
  private ctx: CanvasRenderingContext2D | null = null;
  private canvas: HTMLCanvasElement | null = null;
  private lastEmit = -Infinity;
  private pendingAt = 0;
  private emitTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set when a final, non-empty input went out; the next probabilities get announced. */
  private announceArmed = false;
  private announceTimer: ReturnType<typeof setTimeout> | null = null;

  static styles = [panelStyles, digitPadStyles];

  constructor() {
    super();
    this.onPointerDown = this.onPointerDown.bind(this);
    this.onPointerMove = this.onPointerMove.bind(this);
    this.onPointerUp = this.onPointerUp.bind(this);
    this.onKeyDown = this.onKeyDown.bind(this);
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.emitTimer !== null) clearTimeout(this.emitTimer);
    if (this.announceTimer !== null) clearTimeout(this.announceTimer);
    this.emitTimer = this.announceTimer = null;
    this.current = null;
    this.pointerId = null;
  }

  /** Removes every stroke and emits an empty, final `digit-input`. */
  clear(): void {
    this.endStrokeSilently();
    this.hasPhoto = false;
    this.strokes = [];
    this.strokeCount = 0;
    this.redraw();
    this.emitInput(true, performance.now());
  }

  /** Removes the last stroke and emits a final `digit-input` (empty when nothing is left). */
  undo(): void {
    this.endStrokeSilently();
    if (this.strokes.length === 0) return;
    this.strokes.pop();
    this.strokeCount = this.strokes.length;
    this.redraw();
    this.emitInput(true, performance.now());
  }

  /**
   * Shows a photo on the pad, scaled to fit on black, until the next stroke or Clear; the strokes
   * go (without an event: the photo's reading replaces the drawing's).
   */
  showPhoto(bitmap: ImageBitmap): void {
    this.endStrokeSilently();
    this.strokes = [];
    this.strokeCount = 0;
    this.hasPhoto = true;
    this.announceArmed = true;
    this.liveText = '';
    const ctx = this.ctx;
    if (!ctx) return;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, SIZE, SIZE);
    const scale = Math.min(SIZE / bitmap.width, SIZE / bitmap.height);
    const w = bitmap.width * scale,
      h = bitmap.height * scale;
    ctx.drawImage(bitmap, (SIZE - w) / 2, (SIZE - h) / 2, w, h);
  }

  private onPhotoPicked(e: Event) {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = ''; // the same file can be picked again
    if (!file) return;
    this.dispatchEvent(
      new CustomEvent<DigitPhotoDetail>('digit-photo', {
        detail: { file, at: performance.now() },
        bubbles: true,
        composed: true,
      }),
    );
  }

  // ---- drawing ---------------------------------------------------------------------------

  private endStrokeSilently() {
    if (this.current && this.pointerId !== null && this.canvas?.hasPointerCapture(this.pointerId)) {
      this.canvas.releasePointerCapture(this.pointerId);
    }
    this.current = null;
    this.pointerId = null;
    if (this.emitTimer !== null) clearTimeout(this.emitTimer);
    this.emitTimer = null;
  }

  private toPad(e: PointerEvent): Point {
    const r = this.rect ?? this.canvas!.getBoundingClientRect();
    const sx = r.width > 0 ? SIZE / r.width : 1;
    const sy = r.height > 0 ? SIZE / r.height : 1;
    return [(e.clientX - r.left) * sx, (e.clientY - r.top) * sy];
  }

  private addPoint(p: Point, force = false) {
    const s = this.current;
    if (!s) return;
    const last = s[s.length - 1];
    if (!force && last && Math.hypot(p[0] - last[0], p[1] - last[1]) < MIN_STEP) return;
    if (force && last && last[0] === p[0] && last[1] === p[1]) return;
    s.push(p);
  }

  private onPointerDown(e: PointerEvent) {
    if (!this.canvas) return;
    if (this.pointerId !== null) return; // one stroke at a time (ignore a second finger)
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    this.pointerId = e.pointerId;
    this.rect = this.canvas.getBoundingClientRect();
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      /* capture is best effort (synthetic events have no active pointer) */
    }
    this.current = [];
    this.hasPhoto = false;
    this.strokes.push(this.current);
    this.addPoint(this.toPad(e), true);
    this.strokeCount = this.strokes.length;
    // A new drawing starts: nothing to announce until it is finished.
    this.announceArmed = false;
    if (this.announceTimer !== null) clearTimeout(this.announceTimer);
    this.announceTimer = null;
    this.liveText = '';
    this.redraw();
    this.throttledEmit(eventTime(e));
  }

  private onPointerMove(e: PointerEvent) {
    if (e.pointerId !== this.pointerId || !this.current) return;
    const coalesced = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    const events = coalesced.length > 0 ? coalesced : [e];
    for (const ev of events) this.addPoint(this.toPad(ev));
    this.redraw();
    this.throttledEmit(eventTime(e));
  }

  private onPointerUp(e: PointerEvent) {
    if (e.pointerId !== this.pointerId || !this.current) return;
    if (e.type === 'pointerup') this.addPoint(this.toPad(e), true);
    this.endStrokeSilently();
    this.rect = null;
    this.redraw();
    this.emitInput(true, eventTime(e));
  }

  private onKeyDown(e: KeyboardEvent) {
    const k = e.key;
    if (
      k === 'Backspace' ||
      ((e.ctrlKey || e.metaKey) && !e.shiftKey && (k === 'z' || k === 'Z'))
    ) {
      e.preventDefault();
      this.undo();
    } else if (k === 'Delete' || k === 'Escape') {
      if (k === 'Escape' && this.strokes.length === 0) return; // let Escape through when there is nothing to clear
      e.preventDefault();
      this.clear();
    }
  }

  private redraw() {
    const ctx = this.ctx;
    if (!ctx) return;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, SIZE, SIZE);
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineWidth = LINE_WIDTH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    for (const s of this.strokes) {
      if (s.length === 0) continue;
      if (s.length === 1) {
        ctx.beginPath();
        ctx.arc(s[0][0], s[0][1], LINE_WIDTH / 2, 0, Math.PI * 2);
        ctx.fill();
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(s[0][0], s[0][1]);
      if (s.length === 2) {
        ctx.lineTo(s[1][0], s[1][1]);
      } else {
        // Quadratic curves through the midpoints, with the recorded points as control points.
        for (let i = 1; i < s.length - 1; i++) {
          const mx = (s[i][0] + s[i + 1][0]) / 2;
          const my = (s[i][1] + s[i + 1][1]) / 2;
          ctx.quadraticCurveTo(s[i][0], s[i][1], mx, my);
        }
        const last = s[s.length - 1];
        ctx.lineTo(last[0], last[1]);
      }
      ctx.stroke();
    }
  }

  // ---- events out ------------------------------------------------------------------------

  private throttledEmit(at: number) {
    this.pendingAt = at;
    const wait = this.lastEmit + THROTTLE_MS - performance.now();
    if (wait <= 0) {
      if (this.emitTimer !== null) clearTimeout(this.emitTimer);
      this.emitTimer = null;
      this.emitInput(false, at);
    } else if (this.emitTimer === null) {
      this.emitTimer = setTimeout(() => {
        this.emitTimer = null;
        if (this.current) this.emitInput(false, this.pendingAt);
      }, wait);
    }
  }

  private readGray(): Float32Array {
    const gray = new Float32Array(SIZE * SIZE);
    if (!this.ctx || this.strokes.length === 0) return gray;
    const data = this.ctx.getImageData(0, 0, SIZE, SIZE).data;
    for (let i = 0, o = 0; i < gray.length; i++, o += 4) gray[i] = data[o] / 255;
    return gray;
  }

  private emitInput(final: boolean, at: number) {
    const empty = this.strokes.length === 0;
    if (final) {
      if (this.emitTimer !== null) clearTimeout(this.emitTimer);
      this.emitTimer = null;
      this.announceArmed = !empty;
      if (empty) this.liveText = '';
    }
    const detail: DigitInputDetail = {
      gray: this.readGray(),
      height: SIZE,
      width: SIZE,
      final,
      at,
    };
    this.lastEmit = performance.now(); // after the read, so dispatches are >= THROTTLE_MS apart
    this.dispatchEvent(
      new CustomEvent<DigitInputDetail>('digit-input', { detail, bubbles: true, composed: true }),
    );
  }

  // ---- lifecycle -------------------------------------------------------------------------

  protected firstUpdated(): void {
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.pad');
    if (!canvas) return;
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: false });
    canvas.addEventListener('pointerdown', this.onPointerDown);
    canvas.addEventListener('pointermove', this.onPointerMove);
    canvas.addEventListener('pointerup', this.onPointerUp);
    canvas.addEventListener('pointercancel', this.onPointerUp);
    canvas.addEventListener('lostpointercapture', (e) => this.onPointerUp(e));
    canvas.addEventListener('keydown', this.onKeyDown);
    // Long-press menus and drag images would interrupt a touch or mouse stroke.
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
    canvas.addEventListener('dragstart', (e) => e.preventDefault());
    this.redraw();
    this.drawPreview();
  }

  protected updated(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('preview')) this.drawPreview();
    if (
      changed.has('probabilities') &&
      this.announceArmed &&
      this.probabilities &&
      this.probabilities.length > 0
    ) {
      // Wait a moment so that a late answer to an earlier, non-final input is superseded.
      if (this.announceTimer !== null) clearTimeout(this.announceTimer);
      this.announceTimer = setTimeout(() => {
        this.announceTimer = null;
        const p = this.probabilities;
        if (!this.announceArmed || !p || p.length === 0 || this.current) return;
        this.announceArmed = false;
        const top = argmax(p);
        this.liveText = `The model reads ${top} (${pct(p[top])})`;
      }, 200);
    }
  }

  private drawPreview() {
    const c = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.preview');
    if (c) drawGray(c, this.preview, 28, 28);
  }

  render() {
    const probs = this.probabilities && this.probabilities.length > 0 ? this.probabilities : null;
    const top = probs ? argmax(probs) : -1;
    const latency = this.latencyMs;
    return html`
      <div class="layout">
        <div class="pad-col">
          <div class="pad-wrap">
            <canvas
              class="pad"
              data-testid="pad"
              width=${SIZE}
              height=${SIZE}
              tabindex="0"
              role="application"
              aria-label="Drawing pad: draw a digit with the mouse, touch or pen"
              aria-describedby="pad-keys"
              aria-keyshortcuts="Backspace Control+Z Delete Escape"
            ></canvas>
            ${this.strokeCount === 0 && !this.hasPhoto ? html`<div class="hint" aria-hidden="true">Draw a digit here</div>` : nothing}
          </div>
          <span id="pad-keys" class="sr-only"
            >Backspace or Control+Z undoes the last stroke; Delete or Escape clears the pad.</span
          >
          <div class="buttons">
            <button
              data-testid="pad-undo"
              aria-keyshortcuts="Backspace Control+Z"
              title="Undo the last stroke (Backspace, Ctrl+Z)"
              ?disabled=${this.strokeCount === 0}
              @click=${() => this.undo()}
            >
              Undo
            </button>
            <button
              data-testid="pad-clear"
              aria-keyshortcuts="Delete Escape"
              title="Clear the pad (Delete, Esc)"
              @click=${() => this.clear()}
            >
              Clear
            </button>
            <button
              data-testid="pad-photo"
              title="Read a digit from a photo or a scan (on a phone: take one)"
              @click=${() => this.renderRoot.querySelector<HTMLInputElement>('input.photo')?.click()}
            >
              Photo…
            </button>
            <input
              class="photo"
              data-testid="pad-photo-input"
              type="file"
              accept="image/*"
              capture="environment"
              hidden
              aria-label="A photo of a digit"
              @change=${(e: Event) => this.onPhotoPicked(e)}
            />
          </div>
        </div>
        <div class="out-col">
          <div class="top-row">
            <figure>
              <canvas
                class="preview"
                data-testid="pad-preview"
                width="28"
                height="28"
                role="img"
                aria-label="The drawing as the model sees it, 28 by 28 pixels"
              ></canvas>
              <figcaption>What the model sees (28×28)</figcaption>
            </figure>
            <div class="top" data-testid="pad-top" data-class=${top >= 0 ? String(top) : nothing}>
              <span class="label">Prediction</span>
              <span class="digit ${top >= 0 ? '' : 'none'}">${top >= 0 ? top : '–'}</span>
              <span class="conf">${probs ? pct(probs[top]) : '\u00a0'}</span>
            </div>
          </div>
          <ol class="probs" data-testid="pad-probs" aria-label="Probability of each digit">
            ${Array.from({ length: 10 }, (_, c) => {
              const p = probs ? (probs[c] ?? 0) : 0;
              const w = Math.min(100, Math.max(0, p * 100));
              return html`<li class=${c === top ? 'is-top' : ''} data-class=${c}>
                <span class="cls">${c}</span>
                <span class="track" aria-hidden="true"
                  ><span class="fill" style="display:block;width:${w.toFixed(1)}%"></span
                ></span>
                <span class="p">${probs ? pct(p) : '–'}</span>
              </li>`;
            })}
          </ol>
          <div class="meta">
            ${this.status ? html`<span data-testid="pad-status">${this.status}</span>` : nothing}
            ${
              latency !== null && Number.isFinite(latency)
                ? html`<span class="num" data-testid="pad-latency"
                    >prediction in ${latency < 10 ? latency.toFixed(1) : Math.round(latency)}
                    ms</span
                  >`
                : nothing
            }
          </div>
          <div class="sr-only" aria-live="polite" aria-atomic="true" data-testid="pad-live">
            ${this.liveText}
          </div>
        </div>
      </div>
    `;
  }
}

if (!customElements.get('cnn-digit-pad-view'))
  customElements.define('cnn-digit-pad-view', DigitPadView);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-digit-pad-view': DigitPadView;
  }
  interface HTMLElementEventMap {
    'digit-input': CustomEvent<DigitInputDetail>;
    'digit-photo': CustomEvent<DigitPhotoDetail>;
  }
}
