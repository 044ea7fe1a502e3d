// <cnn-playground>: the whole playground. It holds the page's state (an AppState mirrored in the
// URL hash with `sync-url`, the page's mode; read once from the `lesson` attribute when the element
// is embedded in someone else's page) and passes what the panels show down to them. The worker,
// the data and the safety of the model are the WorkerSession's; the training progress is the
// ProgressPacer's; the panels draw; nothing numeric happens here.
import { LitElement, html } from 'lit';
import { findLesson, type ConvExample } from '../lessons/lessons';
import type { AppState, RunSetup } from '../state/app-state';
import { HashSync } from '../state/hash-sync';
import {
  readHparams,
  toWorkerHparams,
  writeHparams,
  type Hparams,
  type ModelSpec,
} from '../state/spec';
import { errorCode, WorkerError } from '../worker/client';
import type {
  DataInfo,
  EvalReport,
  ModelSummary,
  PadModel,
  ThreadInfo,
  TrainState,
} from '../worker/protocol';
import './data-panel';
import './draw-panel';
import './inspect-panel';
import './learn-panel';
import './lessons-panel';
import './share-panel';
import type { DataProgress } from './data-panel';
import './eval-panel';
import './metrics-panel';
import type { MetricsPanel } from './metrics-panel';
import './model-panel';
import { playgroundStyles } from './playground-styles';
import { ProgressPacer } from './progress-pacer';
import './train-panel';
import { renderColumns, renderHeader } from './playground-view';
import { RunTracker } from './run-tracker';
import './runs-panel';
import { WorkerSession } from './worker-session';

const DEFAULT_PRESET = 'keras-book';

/** keepCharts: the same run goes on; keepStored: the model kept in IndexedDB stays its own. */
export interface ConfigureOptions {
  keepCharts?: boolean;
  keepStored?: boolean;
  hide?: string[];
  /** The link's setups to compare; left out: the current ones stay. */
  compare?: RunSetup[];
  /** The built-in lesson the new model belongs to; left out: the current one stays. */
  lesson?: string;
}

export class CnnPlayground extends LitElement {
  static properties = {
    syncUrl: { type: Boolean, attribute: 'sync-url' },
    lesson: { type: String },
    embed: { type: Boolean, reflect: true },
    ready: { state: true },
    presetNames: { state: true },
    appState: { state: true },
    summary: { state: true },
    specError: { state: true },
    specErrorLayer: { state: true },
    dataInfo: { state: true },
    dataBusy: { state: true },
    dataProgress: { state: true },
    dataError: { state: true },
    trainState: { state: true },
    report: { state: true },
    banner: { state: true },
    notice: { state: true },
    modelVersion: { state: true },
    drawn: { state: true },
    padModel: { state: true },
    fileStatus: { state: true },
    fileError: { state: true },
    threadInfo: { state: true },
    runSelection: { state: true },
    convExample: { state: true },
  };
  static styles = playgroundStyles;
  /** The page's own mode: the state lives in location.hash, shortcuts work anywhere, models persist. */
  syncUrl = false;
  /** Embedded: the lesson-link state to start from (a hash without '#'); location is left alone. */
  lesson = '';
  /** In an iframe (?embed=1): a compact header with a link to the full page. */
  embed = false;

  // The state below is the element's to show; the session writes much of it.
  ready = false;
  /** The engine's threads, shown and chosen in the training panel. */
  threadInfo: ThreadInfo | null = null;
  presetNames: string[] = [];
  appState: AppState | null = null;
  summary: ModelSummary | null = null;
  specError = '';
  /** The layer the spec error is about (-1: none), as the worker's error says. */
  specErrorLayer = -1;
  dataInfo: DataInfo | null = null;
  dataBusy = false;
  dataProgress: DataProgress | null = null;
  dataError = '';
  trainState: TrainState = 'idle';
  report: EvalReport | null = null;
  banner = '';
  notice = '';
  /** Bumped whenever the weights change other than by a training chunk (configure, load, reset, pause). */
  modelVersion = 0;
  fileStatus = '';
  fileError = '';
  drawn: Float32Array | null = null;
  padModel: PadModel = 'current';
  /** The runs ticked in the Runs panel (the share panel can put them in the link). */
  runSelection: string[] = [];
  /** The explainer example a convolution lesson opened last (a new object each time it opens). */
  convExample: { example: ConvExample['example'] } | null = null;
  /** The lesson the explainer was last opened for, so each lesson opens it once. */
  private convLessonShown: string | undefined;

  readonly hash = new HashSync(DEFAULT_PRESET);
  readonly pacer = new ProgressPacer(this);
  readonly session = new WorkerSession(this);
  readonly runs = new RunTracker(this);

  /** The worker's client (tests reach the worker through it). */
  get client() {
    return this.session.client;
  }

  // Shortcuts listen on the window only in the page's own mode; embedded, only keys pressed inside
  // the element count, so Space on the host page still scrolls it.
  private get keyTarget(): EventTarget {
    return this.syncUrl ? window : this;
  }

  connectedCallback() {
    super.connectedCallback();
    this.keyTarget.addEventListener('keydown', this.onKey as EventListener);
    if (this.syncUrl) window.addEventListener('hashchange', this.onHash);
    void this.session.start();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.keyTarget.removeEventListener('keydown', this.onKey as EventListener);
    window.removeEventListener('hashchange', this.onHash);
    this.session.stop();
  }

  get metrics(): MetricsPanel | null {
    return this.renderRoot.querySelector('cnn-metrics-panel');
  }

  get hparams(): Hparams | null {
    return this.appState ? readHparams(this.appState.spec) : null;
  }

  private writeHash() {
    if (this.syncUrl) this.hash.write(this.appState);
  }

  private onHash = () => {
    if (!this.ready || !this.appState || this.hash.showing(this.appState)) return;
    const { state, problem } = this.hash.read(location.hash);
    if (problem) this.notice = problem;
    if (this.hash.key(state) === this.hash.key(this.appState)) {
      // Only what is shown, queued to compare or the lesson changed: keep the model.
      this.appState = {
        ...this.appState,
        hide: state.hide,
        compare: state.compare,
        lesson: state.lesson,
      };
      this.writeHash();
      return;
    }
    void this.configure(state.preset, state.spec, {
      hide: state.hide,
      compare: state.compare,
      lesson: state.lesson,
    });
  };

  /**
   * Opens a built-in lesson: a network lesson builds its network with the tutorial's settings
   * (`fix`: with the better ones), a convolution lesson opens the explainer on its example.
   * What a lesson link hides stays hidden, except the explainer a convolution lesson needs.
   */
  async openLesson(id: string, opts: { fix?: boolean; example?: ConvExample['example'] } = {}) {
    const lesson = findLesson(id);
    if (!lesson || !this.appState) return;
    const net = opts.fix ? lesson.fix : lesson.network;
    if (net) {
      const spec = writeHparams(this.session.presets[net.preset], net.hparams);
      await this.configure(net.preset, spec, { lesson: id });
      return;
    }
    const hide = this.appState.hide.filter((k) => k !== 'conv');
    this.appState = { ...this.appState, hide, lesson: id };
    const example = opts.example ?? lesson.conv?.[0]?.example;
    this.convExample = example ? { example } : null;
    this.convLessonShown = id;
    this.writeHash();
    await this.updateComplete;
    this.renderRoot.querySelector('cnn-learn-panel')?.scrollIntoView({ block: 'start' });
  }

  willUpdate(changed: Map<string, unknown>) {
    // A convolution lesson reached by a link opens the explainer on its first example.
    const id = this.appState?.lesson;
    if (changed.has('appState') && id !== this.convLessonShown) {
      this.convLessonShown = id;
      const first = id ? findLesson(id)?.conv?.[0] : undefined;
      if (first) this.convExample = { example: first.example };
    }
  }

  setHide(hide: string[]) {
    if (!this.appState) return;
    this.appState = { ...this.appState, hide };
    this.writeHash();
  }

  shown(key: string): boolean {
    return !this.appState?.hide.includes(key);
  }

  /** Builds a model from a spec; on error the previous model and spec stay. */
  async configure(preset: string, spec: ModelSpec, opts: ConfigureOptions = {}): Promise<boolean> {
    try {
      const r = await this.client!.request('model/configure', { spec: JSON.stringify(spec) });
      const compare = 'compare' in opts ? opts.compare : this.appState?.compare;
      // The lesson stays while its network is edited; a new network names its lesson or none.
      const lesson = 'lesson' in opts ? opts.lesson : this.appState?.lesson;
      this.appState = { preset, spec, hide: opts.hide ?? this.appState?.hide ?? [] };
      if (compare?.length) this.appState.compare = compare;
      if (lesson) this.appState.lesson = lesson;
      this.summary = r.summary;
      this.specError = '';
      this.modelVersion++;
      if (!opts.keepCharts) {
        this.clearRun();
        this.fileStatus = '';
        if (!opts.keepStored) void this.session.forgetKept();
      }
      this.writeHash();
      return true;
    } catch (e) {
      // A crash is told by the banner of the recovery; anything else belongs to the spec.
      if (errorCode(e) !== 'crashed') {
        this.specError = (e as Error).message;
        this.specErrorLayer = e instanceof WorkerError ? e.layer : -1;
      }
      return false;
    }
  }

  clearRun() {
    this.runs.detach();
    this.report = null;
    this.pacer.clear();
    this.session.lastGood = null;
    this.metrics?.clear();
  }

  async changeThreads(threads: number) {
    try {
      this.threadInfo = await this.client!.request('engine/threads', { threads });
    } catch (e) {
      this.banner = (e as Error).message;
    }
  }

  async changeHparams(change: Partial<Hparams>) {
    if (!this.appState) return;
    const before = this.appState;
    const spec = writeHparams(before.spec, change);
    const forWorker = toWorkerHparams(change);
    try {
      if (Object.keys(forWorker).length)
        await this.client!.request('hparams/set', { hparams: forWorker });
      this.appState = { ...before, spec };
      this.banner = '';
      this.writeHash();
      const said = Object.entries(change).map(([k, v]) => `${k} ${String(v)}`);
      if (said.length) this.runs.noteChange(said.join(', '));
    } catch (e) {
      this.banner = (e as Error).message;
      this.appState = { ...before }; // re-render the controls with the values still in force
    }
  }

  // ---- runs --------------------------------------------------------------------------------

  /** A run's model and hyper-parameters back in the page (and its threads where they can be). */
  async restoreRun(id: string) {
    const r = this.runs.runs.find((x) => x.id === id);
    if (!r) return;
    const preset = r.preset in this.session.presets ? r.preset : (this.appState?.preset ?? '');
    if (!(await this.configure(preset, structuredClone(r.spec)))) return;
    const t = this.threadInfo;
    if (t && r.threads !== t.threads && r.threads >= 1 && r.threads <= t.max)
      await this.changeThreads(r.threads);
  }

  /** Drops the link's queued setups (and `runs=` from the link). */
  dismissQueue() {
    if (!this.appState) return;
    this.runs.stopQueue();
    this.appState = {
      preset: this.appState.preset,
      spec: this.appState.spec,
      hide: this.appState.hide,
    };
    this.writeHash();
  }

  /** The setups of the ticked runs, for a link. */
  get selectedSetups(): RunSetup[] {
    const fallback = this.appState?.preset ?? '';
    return this.runs.runs
      .filter((r) => this.runSelection.includes(r.id))
      .map((r) => ({
        preset: r.preset in this.session.presets ? r.preset : fallback,
        spec: r.spec,
      }));
  }

  // ---- training ------------------------------------------------------------------------------

  private async run(what: () => Promise<unknown>) {
    try {
      this.banner = '';
      await what();
    } catch (e) {
      if (errorCode(e) !== 'crashed') this.banner = (e as Error).message;
    }
  }

  train = () => this.run(() => this.client!.request('train/start', {}));
  trainQueue = () => {
    const q = this.appState?.compare;
    if (q?.length) void this.runs.trainQueue(q);
  };
  pause = () => this.run(() => this.client!.request('train/pause', {}));
  step = () => this.run(() => this.client!.request('train/step', {}));
  evaluate = () => this.run(() => this.client!.request('eval/run', {}));
  reset = () =>
    this.run(async () => {
      await this.client!.request('model/reset', { seed: this.hparams?.seed });
      this.clearRun();
      this.modelVersion++;
      this.fileStatus = '';
      await this.session.forgetKept();
    });

  /**
   * Makes the worker throw from its event loop, as a wasm trap would: exercises crash recovery.
   * With `during`, the worker dies when the next request of that type arrives (e.g. mid-save).
   */
  crashWorkerForTesting(during?: 'model/save' | 'train/step'): Promise<unknown> {
    return this.client!.request('debug/crash', during ? { during } : {});
  }

  private onKey = (e: KeyboardEvent) => {
    if (!this.ready || e.ctrlKey || e.metaKey || e.altKey || !this.shown('train')) return;
    const path = e.composedPath();
    const typing = path.some(
      (t) =>
        t instanceof HTMLElement &&
        (/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable),
    );
    if (typing) return;
    const onButton = path.some((t) => t instanceof HTMLButtonElement);
    if (e.key === ' ' && !onButton) {
      e.preventDefault();
      void (this.trainState === 'running' ? this.pause() : this.train());
    } else if (e.key === 's' || e.key === 'S') {
      void this.step();
    } else if (e.key === 'r' || e.key === 'R') {
      void this.reset();
    }
  };

  render() {
    const s = this.appState;
    const on = (k: string) => this.shown(k);
    const left = ['lessons', 'data', 'model', 'pad'].some(on) || (on('share') && this.syncUrl);
    const right = ['train', 'curves', 'inside', 'conv', 'eval'].some(on);
    const columns = renderColumns(this, left, right);
    return html`
      ${renderHeader(this)}
      ${
        this.banner
          ? html`<div class="banner" role="alert" data-testid="banner">
              <span>${this.banner}</span
              ><button aria-label="Dismiss the message" @click=${() => (this.banner = '')}>
                Dismiss
              </button>
            </div>`
          : ''
      }
      ${
        this.notice
          ? html`<div class="banner notice" role="status" data-testid="notice">
              <span>${this.notice}</span
              ><button aria-label="Dismiss the notice" @click=${() => (this.notice = '')}>
                Dismiss
              </button>
            </div>`
          : ''
      }
      ${!s && !this.banner ? html`<p class="loading" role="status">Starting the WebAssembly engine…</p>` : ''}
      ${
        this.syncUrl
          ? html`<main ?hidden=${!s} class="main ${left && right ? '' : 'one'}">${columns}</main>`
          : html`<div ?hidden=${!s} class="main ${left && right ? '' : 'one'}">${columns}</div>`
      }
    `;
  }
}

if (!customElements.get('cnn-playground')) customElements.define('cnn-playground', CnnPlayground);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-playground': CnnPlayground;
  }
}
