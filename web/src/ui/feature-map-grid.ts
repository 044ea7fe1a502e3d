// <cnn-feature-map-grid>: every layer's output for one input, one small image per channel in a
// diverging colour map scaled per layer (the range is printed beside it). Hovering or tapping a
// channel enlarges it and reads out the value under the pointer. It draws what it is given; the
// worker computes the maps (asked by the inspect panel, or by <cnn-feature-maps>).
import { LitElement, css, html, nothing } from 'lit';
import {
  absMax,
  columnsFor,
  divergingCss,
  gridSize,
  paintTiles,
  valueRange,
  type TileLayout,
} from '../charts/colormap';
import type { FeatureMap } from '../worker/protocol';

const GAP = 1;
const MAX_GRID_WIDTH = 640; // map pixels times display scale stays under about this

interface Shown {
  map: FeatureMap;
  layout: TileLayout;
  scale: number; // display pixels per map pixel
  absMax: number;
  range: [number, number];
  channels: number;
  at: (tile: number, y: number, x: number) => number;
}

/** How a layer output is laid out as tiles: one tile per channel, or one tile for a flat vector. */
function layoutOf(m: FeatureMap): { layout: TileLayout; scale: number; channels: number } {
  if (m.shape.length === 3) {
    const [h, w, c] = m.shape;
    const scale = Math.max(1, Math.min(8, Math.round(56 / Math.max(h, w))));
    const cols = columnsFor(c, w * scale, GAP * scale, MAX_GRID_WIDTH);
    return { layout: { tiles: c, tileH: h, tileW: w, cols, gap: GAP }, scale, channels: c };
  }
  const n = m.shape.reduce((a, b) => a * b, 1);
  const w = n <= 32 ? n : Math.ceil(Math.sqrt(n));
  const h = Math.ceil(n / w);
  const scale = Math.max(2, Math.min(12, Math.floor(MAX_GRID_WIDTH / 2 / w)));
  return { layout: { tiles: 1, tileH: h, tileW: w, cols: 1, gap: GAP }, scale, channels: 1 };
}

/**
 * The value reader of one map, with its shape read once: the painter calls it for every pixel,
 * and during training a refresh must stay a few ms even before the JIT has warmed up.
 */
function readerOf(m: FeatureMap): (tile: number, y: number, x: number) => number {
  const d = m.data;
  if (m.shape.length === 3) {
    const w = m.shape[1];
    const c = m.shape[2];
    return (t, y, x) => d[(y * w + x) * c + t];
  }
  const n = d.length;
  const w = n <= 32 ? n : Math.ceil(Math.sqrt(n));
  return (_t, y, x) => {
    const i = y * w + x;
    return i < n ? d[i] : NaN;
  };
}

const fmt = (v: number) =>
  Math.abs(v) >= 100 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toFixed(3);

export class FeatureMapGrid extends LitElement {
  static properties = {
    maps: { attribute: false },
    caption: { type: String },
    sel: { state: true },
  };
  maps: FeatureMap[] = [];
  caption = '';
  private sel: { layer: number; tile: number; y: number; x: number; pinned: boolean } | null = null;
  private shown: Shown[] = [];

  static styles = css`
    :host {
      display: block;
      min-width: 0;
    }
    .layer {
      display: grid;
      grid-template-columns: 150px minmax(0, 1fr);
      gap: 4px 10px;
      padding: 6px 0;
      border-top: 1px solid var(--border, #d8dce3);
      align-items: start;
    }
    .head {
      font-size: 0.8rem;
    }
    .head b {
      font-family: var(--mono, monospace);
    }
    .muted {
      color: var(--muted, #5b6475);
    }
    canvas {
      image-rendering: pixelated;
      max-width: 100%;
      height: auto;
      cursor: crosshair;
      touch-action: manipulation;
      outline-offset: 2px;
    }
    canvas:focus-visible {
      outline: 3px solid var(--accent, #2563eb);
    }
    .detail {
      position: sticky;
      top: 4px;
      z-index: 1;
      display: flex;
      gap: 10px;
      align-items: center;
      background: var(--bg, #fff);
      border: 1px solid var(--border, #d8dce3);
      border-radius: 6px;
      padding: 6px 8px;
      margin-bottom: 6px;
      font-size: 0.85rem;
    }
    .detail canvas,
    .zoom-frame {
      flex: none;
      width: 112px;
      height: 112px;
      object-fit: contain;
      cursor: default;
    }
    .zoom-frame {
      box-sizing: border-box;
      border: 1px dashed var(--border, #d8dce3);
    }
    .legend {
      display: flex;
      align-items: center;
      gap: 6px;
      font-size: 0.75rem;
      color: var(--muted, #5b6475);
      margin: 4px 0;
    }
    .ramp {
      width: 120px;
      height: 10px;
      border: 1px solid var(--border, #d8dce3);
    }
    @media (max-width: 520px) {
      .layer {
        grid-template-columns: minmax(0, 1fr);
      }
    }
  `;

  willUpdate() {
    this.shown = this.maps.map((map) => {
      const l = layoutOf(map);
      return {
        map,
        ...l,
        absMax: absMax(map.data),
        range: valueRange(map.data),
        at: readerOf(map),
      };
    });
    if (this.sel && !this.shown[this.sel.layer]) this.sel = null;
  }

  updated() {
    const canvases = this.renderRoot.querySelectorAll<HTMLCanvasElement>('canvas.maps');
    canvases.forEach((c, i) => {
      const s = this.shown[i];
      if (!s) return;
      paintTiles(c, s.layout, s.absMax, s.at);
      const { width, height } = gridSize(s.layout);
      c.style.width = `${width * s.scale}px`;
      c.style.aspectRatio = `${width} / ${height}`;
    });
    const detail = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.zoom');
    if (detail && this.sel) {
      const s = this.shown[this.sel.layer];
      const t = this.sel.tile;
      paintTiles(detail, { ...s.layout, tiles: 1, cols: 1 }, s.absMax, (_t, y, x) => s.at(t, y, x));
    }
  }

  private locate(ev: PointerEvent, layer: number) {
    const c = ev.currentTarget as HTMLCanvasElement;
    const s = this.shown[layer];
    const mx = Math.floor((ev.offsetX * c.width) / c.clientWidth);
    const my = Math.floor((ev.offsetY * c.height) / c.clientHeight);
    const cw = s.layout.tileW + s.layout.gap;
    const ch = s.layout.tileH + s.layout.gap;
    const col = Math.floor(mx / cw);
    const row = Math.floor(my / ch);
    const x = mx - col * cw;
    const y = my - row * ch;
    const tile = row * s.layout.cols + col;
    if (
      x >= s.layout.tileW ||
      y >= s.layout.tileH ||
      tile >= s.layout.tiles ||
      col >= s.layout.cols
    )
      return null;
    return { tile, x, y };
  }

  private hover(ev: PointerEvent, layer: number) {
    if (this.sel?.pinned) return;
    const p = this.locate(ev, layer);
    if (p) this.sel = { layer, ...p, pinned: false };
  }

  private tap(ev: PointerEvent, layer: number) {
    const p = this.locate(ev, layer);
    if (p) this.sel = { layer, ...p, pinned: true };
  }

  private key(ev: KeyboardEvent, layer: number) {
    const s = this.shown[layer];
    const cur = this.sel?.layer === layer ? this.sel.tile : -1;
    const step = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: s.layout.cols,
      ArrowUp: -s.layout.cols,
    }[ev.key];
    if (step === undefined && ev.key !== 'Escape') return;
    ev.preventDefault();
    if (ev.key === 'Escape') {
      this.sel = null;
      return;
    }
    const tile = Math.max(0, Math.min(s.layout.tiles - 1, cur < 0 ? 0 : cur + step!));
    this.sel = {
      layer,
      tile,
      y: Math.floor(s.layout.tileH / 2),
      x: Math.floor(s.layout.tileW / 2),
      pinned: true,
    };
  }

  private renderDetail() {
    const f = this.sel;
    // The box keeps its size with or without a selection: if it grew when a map is hovered, the
    // maps below would move away from the pointer, which would close it again.
    if (!f)
      return html`<div class="detail muted">
        <div class="zoom-frame" aria-hidden="true"></div>
        <div>Hover or tap a map to enlarge it; arrow keys move between channels.</div>
      </div>`;
    const s = this.shown[f.layer];
    const v = s.at(f.tile, f.y, f.x);
    return html`<div class="detail" data-testid="map-detail">
      <canvas class="zoom" aria-hidden="true"></canvas>
      <div>
        <div>
          <b>${s.map.index < 0 ? 'input' : `layer ${s.map.index}`}</b>
          ${s.map.type}${s.channels > 1 ? `, channel ${f.tile}` : ''}
        </div>
        <div>
          at (${f.y}, ${f.x}): <b class="num">${Number.isFinite(v) ? fmt(v) : String(v)}</b>
        </div>
        ${f.pinned ? html`<button @click=${() => (this.sel = null)} style="margin-top:4px">Unpin</button>` : nothing}
      </div>
    </div>`;
  }

  render() {
    if (!this.maps.length) return html`<p class="muted">No feature maps yet.</p>`;
    const ramp = `linear-gradient(to right, ${[-1, -0.5, 0, 0.5, 1].map(divergingCss).join(', ')})`;
    return html`
      ${this.caption ? html`<p class="muted" style="margin:0 0 4px">${this.caption}</p>` : nothing}
      <div class="legend">
        <span>−max</span><span class="ramp" style="background:${ramp}"></span
        ><span>+max (per layer)</span>
      </div>
      ${this.renderDetail()}
      ${this.shown.map(
        (s, i) =>
          html`<div class="layer" data-testid="feature-layer">
            <div class="head">
              <b>${s.map.index < 0 ? 'input' : `${s.map.index} ${s.map.type}`}</b><br />
              <span class="muted">${s.map.shape.join('×')}</span><br />
              <span class="muted num">[${fmt(s.range[0])}, ${fmt(s.range[1])}]</span>
            </div>
            <canvas
              class="maps"
              tabindex="0"
              role="img"
              aria-label=${`${s.map.index < 0 ? 'Input' : `Layer ${s.map.index} (${s.map.type})`} output, ${s.map.shape.join(' by ')}, values from ${fmt(s.range[0])} to ${fmt(s.range[1])}`}
              @pointermove=${(e: PointerEvent) => this.hover(e, i)}
              @pointerdown=${(e: PointerEvent) => this.tap(e, i)}
              @pointerleave=${() => !this.sel?.pinned && (this.sel = null)}
              @keydown=${(e: KeyboardEvent) => this.key(e, i)}
            ></canvas>
          </div>`,
      )}
    `;
  }
}

if (!customElements.get('cnn-feature-map-grid'))
  customElements.define('cnn-feature-map-grid', FeatureMapGrid);
