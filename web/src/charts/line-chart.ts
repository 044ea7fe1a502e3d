// <cnn-line-chart>: a live line chart of training metrics against (fractional) epochs, a thin
// Lit wrapper around uPlot that batches appends into one redraw per animation frame.
// It is not a general charting API: one x axis ("epoch"), one y scale, series fixed up front.
import { LitElement, html, nothing, unsafeCSS, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import { lineChartStyles } from './line-chart-styles';

export interface LineSeries {
  label: string;
  color: string;
  /** Draw each value as a dot (for sparse series such as test accuracy); lines still join them. */
  points?: boolean;
}

const DEFAULT_HEIGHT = 200;
const REDRAW_MS = 250;

function defaultFormat(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return a >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

export class LineChart extends LitElement {
  static properties = {
    label: { type: String },
    yLabel: { type: String }, // attribute "ylabel"
    series: { attribute: false },
    yRange: { attribute: false },
    logY: { type: Boolean }, // attribute "logy"
    height: { type: Number },
    format: { attribute: false },
    _hasData: { state: true },
    _hoverIdx: { state: true },
    _tick: { state: true },
  };

  static styles = [unsafeCSS(uplotCss), lineChartStyles];

  /** Chart title, also the figure's accessible name. */
  declare label: string;
  declare yLabel: string;
  /** The series, set once before data arrives (changing it later rebuilds the chart). */
  declare series: LineSeries[];
  /** A fixed y range, e.g. [0, 1]; auto when unset. */
  declare yRange: [number, number] | undefined;
  /** Logarithmic y (for losses); values <= 0 are skipped. */
  declare logY: boolean;
  /** Plot height in CSS pixels. */
  declare height: number;
  /** Formats the values shown in the legend. */
  declare format: ((v: number) => string) | undefined;
  declare private _hasData: boolean;
  declare private _hoverIdx: number | null;
  declare private _tick: number;

  // The data: plain arrays that only grow; uPlot is handed the same arrays on every redraw.
  private _xs: number[] = [];
  private _ys: Array<Array<number | null>> = [];
  private _last: Array<number | null> = [];
  private _plot: uPlot | null = null;
  private _built: {
    series: LineSeries[];
    yRange?: [number, number];
    logY: boolean;
    yLabel: string;
  } | null = null;
  private _raf = 0;
  private _lastDraw = 0;
  private _ro: ResizeObserver | null = null;

  constructor() {
    super();
    this.label = '';
    this.yLabel = '';
    this.series = [];
    this.yRange = undefined;
    this.logY = false;
    this.height = DEFAULT_HEIGHT;
    this.format = undefined;
    this._hasData = false;
    this._hoverIdx = null;
    this._tick = 0;
  }

  /**
   * Adds one x (fractional epoch) with one value per series; null means no value there.
   * (Called with nodes instead, it is still Element.append, so the DOM method keeps working.)
   */
  append(x: number, values: Array<number | null>): void;
  append(...nodes: Array<Node | string>): void;
  append(...args: unknown[]): void {
    if (typeof args[0] !== 'number') {
      super.append(...(args as Array<Node | string>));
      return;
    }
    const x = args[0];
    const values = (args[1] ?? []) as Array<number | null>;
    this._ensureArrays();
    this._xs.push(x);
    for (let i = 0; i < this._ys.length; i++) {
      let v = values[i] ?? null;
      if (v !== null && (!Number.isFinite(v) || (this.logY && v <= 0))) v = null;
      this._ys[i].push(v);
      if (v !== null) this._last[i] = v;
    }
    this._schedule();
  }

  /** Removes all data. */
  clear(): void {
    this._xs.length = 0;
    for (const ys of this._ys) ys.length = 0;
    this._last.fill(null);
    this._hoverIdx = null;
    this._schedule();
  }

  /** Number of x values held. */
  get length(): number {
    return this._xs.length;
  }

  /**
   * The data uPlot holds (x, then one array per series; null where a series has no value), or
   * null before the chart is built. Read-only; for the tests, which check it against the canvas.
   */
  get plotData(): ReadonlyArray<ReadonlyArray<number | null>> | null {
    return (this._plot?.data as ReadonlyArray<ReadonlyArray<number | null>> | undefined) ?? null;
  }

  connectedCallback(): void {
    super.connectedCallback();
    if (this._plot) {
      this._observe();
      this._schedule(); // appends made while disconnected
    }
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this._ro?.disconnect();
    this._ro = null;
    if (this._raf) clearTimeout(this._raf);
    this._raf = 0;
  }

  protected firstUpdated(): void {
    this._build();
    this._observe();
  }

  /**
   * Draws a throw-away curve once while the page is idle and clears it again: the first draw with
   * data costs a few tens of ms (cold code paths, glyph caches), which would otherwise land on the
   * first frame of training as a long task.
   */
  private _prime(): void {
    if (this._xs.length) return;
    const idle = window.requestIdleCallback ?? ((fn: () => void) => window.setTimeout(fn, 200));
    idle(() => {
      const plot = this._plot;
      if (!plot || this._xs.length) return;
      // uPlot draws in a microtask after setData, so two setData calls in a row would only ever
      // draw the second (empty) one; batch() draws the throw-away curve synchronously.
      const xs = [0, 0.5, 1];
      plot.batch(() => plot.setData([xs, ...this.series.map(() => [0.5, 0.25, 0.125])]));
      plot.setData(this._data());
    });
  }

  protected updated(changed: PropertyValues): void {
    if (!this._plot || !this._built) return;
    const b = this._built;
    // Compared by value: a parent template may pass a fresh [0, 1] on every render.
    const sameRange = b.yRange?.[0] === this.yRange?.[0] && b.yRange?.[1] === this.yRange?.[1];
    const sameSeries =
      b.series.length === this.series.length &&
      b.series.every((s, i) => {
        const n = this.series[i];
        return s.label === n.label && s.color === n.color && !!s.points === !!n.points;
      });
    if (!sameSeries || !sameRange || b.logY !== this.logY || b.yLabel !== this.yLabel) {
      this._build();
    } else if (changed.has('height')) {
      this._plot.setSize({ width: this._plot.width, height: this._plotHeight() });
    }
  }

  protected render() {
    const fmt = this.format ?? defaultFormat;
    const hover = this._hoverIdx;
    const at = hover !== null && hover < this._xs.length ? hover : null;
    return html`
      <figure aria-label=${this.label || 'chart'}>
        ${this.label ? html`<figcaption>${this.label}</figcaption>` : nothing}
        <div class="wrap">
          <div class="plot" aria-hidden="true"></div>
          ${this._hasData ? nothing : html`<div class="empty">no data yet</div>`}
        </div>
        <div class="legend">
          ${at !== null ? html`<span class="key">epoch <b>${this._xs[at].toFixed(2)}</b></span>` : nothing}
          ${this.series.map((s, i) => {
            const v = at !== null ? this._valueAt(i, at) : (this._last[i] ?? null);
            return html`<span class="key"
              ><span
                class="swatch ${s.points ? 'dot' : ''}"
                aria-hidden="true"
                style="background:${s.color}"
              ></span
              >${s.label} <b>${v === null ? '–' : fmt(v)}</b></span
            >`;
          })}
        </div>
      </figure>
    `;
  }

  // ---- internals ----------------------------------------------------------------------------

  private _plotHeight(): number {
    return this.height > 0 ? this.height : DEFAULT_HEIGHT;
  }

  private _ensureArrays(): void {
    const n = this.series.length;
    while (this._ys.length < n) {
      this._ys.push(new Array<number | null>(this._xs.length).fill(null));
      this._last.push(null);
    }
    if (this._ys.length > n) {
      this._ys.length = n;
      this._last.length = n;
    }
  }

  /** The value of series i at index idx, or the nearest earlier one for sparse series. */
  private _valueAt(i: number, idx: number): number | null {
    const ys = this._ys[i];
    if (!ys) return null;
    for (let j = idx, stop = Math.max(0, idx - 5000); j >= stop; j--) {
      const v = ys[j];
      if (v !== null && v !== undefined) return v;
    }
    return null;
  }

  private _data(): uPlot.AlignedData {
    return [this._xs, ...this._ys] as uPlot.AlignedData;
  }

  // Redraws at most every REDRAW_MS: a canvas redraw costs a few ms, and the main thread must
  // stay free for input while the worker streams points.
  private _schedule(): void {
    if (this._raf || !this.isConnected) return;
    const wait = Math.max(0, this._lastDraw + REDRAW_MS - performance.now());
    this._raf = window.setTimeout(() => {
      requestAnimationFrame(() => {
        this._raf = 0;
        this._lastDraw = performance.now();
        this._flush();
      });
    }, wait);
  }

  private _flush(): void {
    this._plot?.setData(this._data());
    this._hasData = this._xs.length > 0;
    this._tick++; // re-renders the legend with the latest values
  }

  private _observe(): void {
    const el = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!el || this._ro) return;
    this._ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[entries.length - 1].contentRect.width);
      if (this._plot && w > 0 && Math.abs(w - this._plot.width) >= 1) {
        this._plot.setSize({ width: w, height: this._plotHeight() });
      }
    });
    this._ro.observe(el);
  }

  private _build(): void {
    const el = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!el) return;
    this._plot?.destroy();
    this._ensureArrays();

    const cs = getComputedStyle(this);
    const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
    const muted = v('--muted', '#5b6475');
    const border = v('--border', '#d8dce3');
    const font = `11px ${cs.fontFamily || 'system-ui, sans-serif'}`;
    const labelFont = `600 11px ${cs.fontFamily || 'system-ui, sans-serif'}`;
    const axis = (label: string): uPlot.Axis => ({
      label,
      stroke: muted,
      font,
      labelFont,
      labelSize: 14,
      labelGap: 0,
      grid: { stroke: border, width: 1 },
      ticks: { stroke: border, width: 1, size: 4 },
    });

    const range = this.yRange;
    const yScale: uPlot.Scale = this.logY ? { distr: 3, log: 10 } : {};
    if (range) yScale.range = () => [range[0], range[1]];

    const opts: uPlot.Options = {
      width: Math.max(1, Math.floor(el.clientWidth || this.clientWidth || 300)),
      height: this._plotHeight(),
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: { x: { time: false }, y: yScale },
      axes: [
        {
          ...axis('epoch'),
          size: 26,
          // As many decimals as the tick spacing needs, so close ticks never print the same label.
          values: (_u: uPlot, splits: number[], _i: number, _space: number, incr: number) =>
            splits.map((v) =>
              v.toFixed(Math.min(6, Math.max(0, Math.ceil(-Math.log10(incr) - 1e-9)))),
            ),
        },
        { ...axis(this.yLabel), size: 44 },
      ],
      series: [
        { label: 'epoch' },
        ...this.series.map((s): uPlot.Series => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          spanGaps: true,
          points: s.points
            ? { show: true, size: 5, fill: s.color, stroke: s.color }
            : { show: false },
        })),
      ],
      hooks: {
        setCursor: [
          (u) => {
            const idx = u.cursor.idx ?? null;
            if (idx !== this._hoverIdx) this._hoverIdx = idx;
          },
        ],
      },
    };
    this._plot = new uPlot(opts, this._data(), el);
    this._prime();
    this._built = {
      series: this.series.map((s) => ({ ...s })),
      yRange: this.yRange ? [this.yRange[0], this.yRange[1]] : undefined,
      logY: this.logY,
      yLabel: this.yLabel,
    };
    this._hasData = this._xs.length > 0;
  }
}

if (!customElements.get('cnn-line-chart')) customElements.define('cnn-line-chart', LineChart);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-line-chart': LineChart;
  }
}
