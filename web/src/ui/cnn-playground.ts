// <cnn-playground>: the whole playground and its one controller. It owns the AppState (mirrored in
// the URL hash with `sync-url`, the page's mode; read once from the `lesson` attribute when the
// element is embedded in someone else's page), talks to the training worker, and passes what the panels show down to them. It
// keeps the last good model bytes so a crashed worker is replaced without losing the model. The
// panels draw; the worker trains; nothing numeric happens here.
import { LitElement, css, html } from 'lit';
import { decodeState, encodeState, type AppState } from '../state/app-state';
import { assetFiles, assetUrl, threadedModuleUrl } from '../assets';
import { forgetStoredModel, loadStoredModel, storeModel } from '../state/model-store';
import { readHparams, toWorkerHparams, writeHparams, type Hparams, type ModelSpec } from '../state/spec';
import { createTrainingWorker, errorCode, WorkerError, type WorkerClient } from '../worker/client';
import type { DataInfo, EvalReport, IdxFiles, ModelSummary, PadModel, ThreadInfo, TrainState } from '../worker/protocol';
import './data-panel';
import './draw-panel';
import './inspect-panel';
import './learn-panel';
import './share-panel';
import type { DataProgress } from './data-panel';
import './eval-panel';
import './metrics-panel';
import type { MetricsPanel } from './metrics-panel';
import './model-panel';
import './train-panel';
import type { TrainProgress } from './train-panel';

const DEFAULT_PRESET = 'keras-book';
const BACKUP_EVERY_MS = 15_000;
/** Said once when the browser refuses to keep the model (no IndexedDB, private window, quota). */
const NOT_KEPT =
  'This browser does not let the page keep the model (private window, storage full or blocked): it is lost on reload unless you download it.';
const PROGRESS_MS = 150;

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
    progress: { state: true },
    report: { state: true },
    banner: { state: true },
    notice: { state: true },
    modelVersion: { state: true },
    drawn: { state: true },
    padModel: { state: true },
    fileStatus: { state: true },
    fileError: { state: true },
    threadInfo: { state: true },
  };
  /** The page's own mode: the state lives in location.hash, shortcuts work anywhere, models persist. */
  syncUrl = false;
  /** Embedded: the lesson-link state to start from (a hash without '#'); location is left alone. */
  lesson = '';
  /** In an iframe (?embed=1): a compact header with a link to the full page. */
  embed = false;
  private ready = false;
  /** The engine's threads, shown and chosen in the training panel. */
  private threadInfo: ThreadInfo | null = null;
  private presetNames: string[] = [];
  private appState: AppState | null = null;
  private summary: ModelSummary | null = null;
  private specError = '';
  /** The layer the spec error is about (-1: none), as the worker's error says. */
  private specErrorLayer = -1;
  private dataInfo: DataInfo | null = null;
  private dataBusy = false;
  private dataProgress: DataProgress | null = null;
  private dataError = '';
  private trainState: TrainState = 'idle';
  private progress: TrainProgress | null = null;
  private report: EvalReport | null = null;
  private banner = '';
  private notice = '';
  /** Bumped whenever the weights change other than by a training chunk (configure, load, reset, pause). */
  private modelVersion = 0;
  private drawn: Float32Array | null = null;
  private padModel: PadModel = 'current';
  private fileStatus = '';
  private fileError = '';

  private client: WorkerClient | null = null;
  private presets: Record<string, ModelSpec> = {};
  /** The model as of the last backup, restored into a restarted worker. */
  private lastGood: { bytes: ArrayBuffer; step: number } | null = null;
  private lastBackupAt = -Infinity;
  /** The step of the model last written to IndexedDB (-1: none). */
  private storedStep = -1;
  /** The user's own data files, kept to reload them into a restarted worker. */
  private userFiles: { files: IdxFiles; names: string[] } | null = null;
  private pace = { step: 0, wall: 0, msPerStep: 0 };

  static styles = css`
    :host {
      display: block;
      color: var(--fg, #1d2330);
      background: var(--surface, #f6f7f9);
      min-height: 100vh;
    }
    .header {
      padding: 12px 20px;
      background: var(--bg, #fff);
      border-bottom: 1px solid var(--border, #d8dce3);
      display: flex;
      align-items: baseline;
      gap: 12px;
      flex-wrap: wrap;
    }
    h1 {
      font-size: 1.25rem;
      margin: 0;
    }
    .header p {
      margin: 0;
      color: var(--muted, #5b6475);
    }
    .banner {
      margin: 12px 20px 0;
      padding: 8px 12px;
      border-radius: 6px;
      background: #fdecec;
      border: 1px solid var(--bad, #b91c1c);
      color: var(--bad, #b91c1c);
      display: flex;
      gap: 12px;
      align-items: flex-start;
    }
    .banner.notice {
      background: var(--warn-bg, #fff4e5);
      border-color: #d97706;
      color: #7a4a00;
    }
    .banner span {
      flex: 1;
    }
    .banner button {
      font: inherit;
      background: none;
      border: 1px solid currentColor;
      color: inherit;
      border-radius: 4px;
      cursor: pointer;
    }
    .main {
      display: grid;
      grid-template-columns: minmax(320px, 420px) minmax(0, 1fr);
      gap: 14px;
      padding: 14px 20px 24px;
      align-items: start;
    }
    .col {
      display: grid;
      gap: 14px;
      min-width: 0;
    }
    .main.one {
      grid-template-columns: minmax(0, 1fr);
    }
    [hidden] {
      display: none !important;
    }
    :host(:not([sync-url])) {
      min-height: 0;
    }
    .header.compact {
      padding: 6px 14px;
      align-items: center;
    }
    .header.compact h1 {
      font-size: 1rem;
    }
    .lesson {
      margin: 0;
      font-size: 0.9rem;
      color: var(--muted, #5b6475);
    }
    .open {
      margin-left: auto;
      font-size: 0.9rem;
      color: var(--accent, #2563eb);
    }
    button.link {
      font: inherit;
      background: none;
      border: none;
      padding: 0 2px;
      color: var(--accent, #2563eb);
      text-decoration: underline;
      cursor: pointer;
    }
    button.link:focus-visible,
    .open:focus-visible {
      outline: 3px solid var(--accent, #2563eb);
      outline-offset: 2px;
    }
    @media (max-width: 900px) {
      .main {
        grid-template-columns: minmax(0, 1fr);
        padding: 10px;
      }
      /* One column: the panels in the order a learner uses them, training first. */
      .col {
        display: contents;
      }
      cnn-train-panel {
        order: 1;
      }
      cnn-metrics-panel {
        order: 2;
      }
      cnn-data-panel {
        order: 3;
      }
      cnn-model-panel {
        order: 4;
      }
      cnn-draw-panel {
        order: 5;
      }
      cnn-inspect-panel {
        order: 6;
      }
      cnn-learn-panel {
        order: 7;
      }
      cnn-eval-panel {
        order: 8;
      }
      cnn-share-panel {
        order: 9;
      }
      .header {
        padding: 10px;
      }
    }
    .loading {
      padding: 40px 20px;
      color: var(--muted, #5b6475);
    }
  `;

  // Shortcuts listen on the window only in the page's own mode; embedded, only keys pressed inside
  // the element count, so Space on the host page still scrolls it.
  private get keyTarget(): EventTarget {
    return this.syncUrl ? window : this;
  }

  connectedCallback() {
    super.connectedCallback();
    this.keyTarget.addEventListener('keydown', this.onKey as EventListener);
    if (this.syncUrl) window.addEventListener('hashchange', this.onHash);
    void this.start();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.keyTarget.removeEventListener('keydown', this.onKey as EventListener);
    window.removeEventListener('hashchange', this.onHash);
    this.client?.terminate();
    this.client = null;
  }

  private get metrics(): MetricsPanel | null {
    return this.renderRoot.querySelector('cnn-metrics-panel');
  }

  private get hparams(): Hparams | null {
    return this.appState ? readHparams(this.appState.spec) : null;
  }

  // ---- start-up and recovery ---------------------------------------------------------------

  private async start() {
    const client = createTrainingWorker();
    this.client = client;
    client.onCrash = (m) => void this.recover(m);
    this.listen(client);
    try {
      const init = this.initWorker();
      // MNIST downloads while the engine does (the worker adds it to the trainer once there is one).
      const data = this.loadMnist();
      await init;
      const { state, problem } = decodeState(this.syncUrl ? location.hash : this.lesson, this.presets, DEFAULT_PRESET);
      if (problem) this.notice = problem;
      await this.configure(state.preset, state.spec, { keepStored: true, hide: state.hide });
      this.ready = true;
      await this.restoreStored();
      // The first MNIST shards before the pretrained model: on a slow link they share it, and
      // Train waits for the data while the digit pad can wait for its model.
      await data;
      void this.loadPretrained();
    } catch (e) {
      // A version mismatch is a whole sentence of its own; anything else gets the context.
      this.banner = errorCode(e) === 'protocol' ? (e as Error).message : `The playground could not start: ${(e as Error).message}`;
    }
  }

  /** The small model that ships with the site, so the digit pad reads from the first second. */
  private async loadPretrained() {
    try {
      await this.client!.request('pretrained/load', { url: assetUrl('models/pretrained.safetensors', this) });
      this.modelVersion++;
    } catch {
      // the pad then uses the model being trained
    }
  }

  /** The model kept in this browser, if it belongs to the same link. */
  private async restoreStored() {
    if (!this.syncUrl) return; // an embedded playground starts fresh and keeps nothing
    const stored = await loadStoredModel();
    if (stored === 'damaged') {
      await forgetStoredModel();
      this.notice = 'The model kept in this browser was damaged and has been removed; the page starts with a fresh model.';
      return;
    }
    if (!stored || stored.hash !== this.modelKey()) return;
    try {
      const r = await this.client!.request('model/load', { bytes: stored.bytes.slice(0), name: 'the stored copy' });
      this.lastGood = { bytes: stored.bytes, step: r.step };
      this.progress = null;
      this.trainState = 'paused';
      this.modelVersion++;
      this.storedStep = r.step;
      this.fileStatus = `Restored from this browser (step ${r.step.toLocaleString('en-US')}).`;
    } catch (e) {
      // Only a file the engine refused is forgotten; a crash meanwhile leaves it for the next visit.
      const code = errorCode(e);
      if (code !== 'model-file' && code !== 'no-spec' && code !== 'spec' && code !== 'memory') return;
      await forgetStoredModel();
      this.notice = `The model kept in this browser was damaged and has been removed (${(e as Error).message}); the page starts with a fresh model.`;
    }
  }

  private async initWorker() {
    const init = await this.client!.init({ threadedModule: threadedModuleUrl() });
    this.threadInfo = init.threads;
    this.presetNames = Object.keys(init.presets);
    this.presets = Object.fromEntries(Object.entries(init.presets).map(([k, v]) => [k, JSON.parse(v) as ModelSpec]));
  }

  private listen(client: WorkerClient) {
    client.on('data/progress', (e) => (this.dataProgress = { loaded: e.loaded, total: e.total, fromCache: e.fromCache }));
    client.on('data/grown', (e) => {
      if (this.dataInfo?.source === e.info.source) this.dataInfo = e.info;
    });
    client.on('metrics/step', (e) => {
      const now = e.wallMs;
      if (this.pace.step > 0 && e.step > this.pace.step && now > this.pace.wall) {
        const per = (now - this.pace.wall) / (e.step - this.pace.step);
        this.pace.msPerStep = this.pace.msPerStep > 0 ? 0.9 * this.pace.msPerStep + 0.1 * per : per;
      }
      this.pace.step = e.step;
      this.pace.wall = now;
      this.queueProgress({
        step: e.step,
        epoch: e.epoch,
        stepsPerEpoch: e.stepsPerEpoch,
        totalSteps: e.totalSteps,
        examplesPerSec: e.examplesPerSec,
        trainMs: e.trainMs,
        wallMs: e.wallMs,
        lr: e.lr,
        etaMs: this.pace.msPerStep * Math.max(0, e.totalSteps - e.step),
      });
      this.metrics?.addStep(e.epoch, e.loss, e.accuracy);
    });
    client.on('metrics/eval', (e) => {
      this.metrics?.addEval(e.epoch, e.accuracy, e.count, e.total);
      // While it trains, a copy at most every BACKUP_EVERY_MS: a crash mid-epoch loses little.
      void this.backup();
    });
    client.on('eval/report', (e) => {
      this.report = e.report;
      void this.backup();
    });
    client.on('train/state', (e) => {
      this.flushProgress();
      this.trainState = e.state;
      if (e.state === 'paused' || e.state === 'done') {
        this.modelVersion++;
        void this.backup(true);
      }
    });
    client.on('error', (e) => (this.banner = e.message));
  }

  // Progress re-renders the training panel at most every PROGRESS_MS; the last value always lands.
  private pendingProgress: TrainProgress | null = null;
  private progressTimer = 0;
  private queueProgress(p: TrainProgress) {
    this.pendingProgress = p;
    if (this.progressTimer) return;
    this.progressTimer = window.setTimeout(() => {
      this.progressTimer = 0;
      this.progress = this.pendingProgress;
    }, PROGRESS_MS);
  }

  private flushProgress() {
    clearTimeout(this.progressTimer);
    this.progressTimer = 0;
    if (this.pendingProgress) this.progress = this.pendingProgress;
  }

  private async recover(message: string) {
    this.trainState = 'paused';
    this.ready = false;
    const restored = this.lastGood;
    try {
      await this.initWorker();
      void this.loadPretrained();
      await this.configure(this.appState!.preset, this.appState!.spec, { keepCharts: true });
      if (this.userFiles) await this.loadFiles(this.userFiles.files, this.userFiles.names);
      else await this.loadMnist();
      if (restored) {
        const copy = restored.bytes.slice(0);
        await this.client!.request('model/load', { bytes: copy, name: 'the last saved model' }, [copy]);
        this.trainState = 'paused';
        // The counter shows the restored step (progress queued before the crash is dropped).
        clearTimeout(this.progressTimer);
        this.progressTimer = 0;
        this.pendingProgress = null;
        const p = this.progress;
        const step = restored.step;
        this.progress = p ? { ...p, step, epoch: p.stepsPerEpoch > 0 ? step / p.stepsPerEpoch : p.epoch, etaMs: 0 } : null;
      }
      this.banner = `The training worker crashed (${message}); a new one was started ${
        restored ? `and the model from step ${restored.step.toLocaleString('en-US')} restored` : 'with a fresh model'
      }.`;
    } catch (e) {
      this.banner = `The training worker crashed (${message}) and could not be restarted: ${(e as Error).message}`;
    }
    this.ready = true;
  }

  /** Keeps a copy of the model on the page, at most every BACKUP_EVERY_MS unless forced. */
  private async backup(force = false) {
    const now = performance.now();
    if (!this.client || (!force && now - this.lastBackupAt < BACKUP_EVERY_MS)) return;
    this.lastBackupAt = now;
    try {
      const r = await this.client.request('model/save', {});
      if (r.step > 0) {
        this.lastGood = r;
        // The same step is the same model (a load or restore already stored it): keep its message.
        if (r.step !== this.storedStep && (await this.keepInBrowser(r.bytes, r.step))) {
          this.storedStep = r.step;
          this.fileStatus = `Kept in this browser (step ${r.step.toLocaleString('en-US')}).`;
        }
      }
    } catch {
      // a crash in between: the previous backup stays
    }
  }

  // ---- model and state ---------------------------------------------------------------------

  /** Keeps the model in IndexedDB under the current state; only the page's own mode keeps anything. */
  private async keepInBrowser(bytes: ArrayBuffer, step: number): Promise<boolean> {
    if (!this.syncUrl || !this.appState) return false;
    const kept = await storeModel({ bytes, hash: this.modelKey(), step, savedAt: Date.now() });
    if (!kept) this.fileStatus = NOT_KEPT;
    return kept;
  }

  private async forgetKept(): Promise<void> {
    if (this.syncUrl) await forgetStoredModel();
  }

  /** The link of the current state, as a hash without '#'. */
  private get link(): string {
    return this.appState ? encodeState(this.appState, this.presets) : '';
  }

  /** What a model belongs to: a state without what the lesson hides (a change of `hide` keeps the model). */
  private keyOf(state: AppState): string {
    return encodeState({ ...state, hide: [] }, this.presets);
  }

  /** The key of the current model, under which it is stored. */
  private modelKey(): string {
    return this.appState ? this.keyOf(this.appState) : '';
  }

  private writeHash() {
    if (!this.appState || !this.syncUrl) return;
    const hash = '#' + this.link;
    if (hash !== location.hash) history.replaceState(null, '', hash);
  }

  private onHash = () => {
    if (!this.ready || !this.appState) return;
    if (location.hash === '#' + this.link) return;
    const { state, problem } = decodeState(location.hash, this.presets, DEFAULT_PRESET);
    if (problem) this.notice = problem;
    if (this.keyOf(state) === this.modelKey()) {
      this.setHide(state.hide); // only what is shown changed: keep the model
      return;
    }
    void this.configure(state.preset, state.spec, { hide: state.hide });
  };

  private setHide(hide: string[]) {
    if (!this.appState) return;
    this.appState = { ...this.appState, hide };
    this.writeHash();
  }

  private shown(key: string): boolean {
    return !this.appState?.hide.includes(key);
  }

  /** Builds a model from a spec; on error the previous model and spec stay. */
  private async configure(preset: string, spec: ModelSpec, opts: { keepCharts?: boolean; keepStored?: boolean; hide?: string[] } = {}): Promise<boolean> {
    try {
      const r = await this.client!.request('model/configure', { spec: JSON.stringify(spec) });
      this.appState = { preset, spec, hide: opts.hide ?? this.appState?.hide ?? [] };
      this.summary = r.summary;
      this.specError = '';
      this.modelVersion++;
      if (!opts.keepCharts) {
        this.clearRun();
        this.fileStatus = '';
        if (!opts.keepStored) {
          this.storedStep = -1;
          void this.forgetKept();
        }
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

  private clearRun() {
    this.report = null;
    clearTimeout(this.progressTimer);
    this.progressTimer = 0;
    this.pendingProgress = null;
    this.progress = null;
    this.lastGood = null;
    this.pace = { step: 0, wall: 0, msPerStep: 0 };
    this.metrics?.clear();
  }

  private async changeThreads(threads: number) {
    try {
      this.threadInfo = await this.client!.request('engine/threads', { threads });
    } catch (e) {
      this.banner = (e as Error).message;
    }
  }

  private async changeHparams(change: Partial<Hparams>) {
    if (!this.appState) return;
    const before = this.appState;
    const spec = writeHparams(before.spec, change);
    const forWorker = toWorkerHparams(change);
    try {
      if (Object.keys(forWorker).length) await this.client!.request('hparams/set', { hparams: forWorker });
      this.appState = { ...before, spec };
      this.banner = '';
      this.writeHash();
    } catch (e) {
      this.banner = (e as Error).message;
      this.appState = { ...before }; // re-render the controls with the values still in force
    }
  }

  // ---- data ----------------------------------------------------------------------------------

  /** MNIST from the site: resolves when training can start; the rest arrives as 'data/grown'. */
  private async loadMnist() {
    this.dataBusy = true;
    this.dataError = '';
    this.dataProgress = null;
    try {
      const base = assetUrl('data/mnist/', this);
      const files = assetFiles('data/mnist/', this) ?? undefined;
      this.dataInfo = await this.client!.request('data/load-mnist', { baseUrl: base, files });
      this.userFiles = null;
    } catch (e) {
      if (errorCode(e) !== 'crashed') this.dataError = `MNIST could not be loaded: ${(e as Error).message}`;
    } finally {
      this.dataBusy = false;
    }
  }

  private async retryMnist() {
    try {
      this.dataInfo = await this.client!.request('data/retry', {});
    } catch (e) {
      this.dataError = (e as Error).message;
    }
  }

  private async loadFiles(files: IdxFiles, names: string[]) {
    this.dataBusy = true;
    this.dataError = '';
    // The buffers are transferred to the worker; a copy stays here for crash recovery.
    const keep: IdxFiles = {
      trainImages: files.trainImages.slice(0),
      trainLabels: files.trainLabels.slice(0),
      testImages: files.testImages.slice(0),
      testLabels: files.testLabels.slice(0),
    };
    try {
      this.dataInfo = await this.client!.loadFiles(files, names);
      this.userFiles = { files: keep, names };
      this.report = null;
    } catch (e) {
      if (errorCode(e) !== 'crashed') this.dataError = `${(e as Error).message}; the data in use was kept.`;
    } finally {
      this.dataBusy = false;
    }
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

  private train = () => this.run(() => this.client!.request('train/start', {}));
  private pause = () => this.run(() => this.client!.request('train/pause', {}));
  private step = () => this.run(() => this.client!.request('train/step', {}));
  private evaluate = () => this.run(() => this.client!.request('eval/run', {}));
  private reset = () =>
    this.run(async () => {
      await this.client!.request('model/reset', { seed: this.hparams?.seed });
      this.clearRun();
      this.modelVersion++;
      this.fileStatus = '';
      this.storedStep = -1;
      await this.forgetKept();
    });

  private async download(format: 'safetensors' | 'onnx' = 'safetensors') {
    try {
      const r = format === 'onnx' ? await this.client!.request('model/export-onnx', {}) : await this.client!.request('model/save', {});
      const name = `${this.appState?.spec.name || this.appState?.preset || 'model'}-step${r.step}.${format}`;
      const url = URL.createObjectURL(new Blob([r.bytes], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      this.fileError = '';
    } catch (e) {
      if (errorCode(e) === 'crashed') return; // the recovery's banner says it, with the step restored
      this.fileError = format === 'onnx' ? `The ONNX file could not be made: ${(e as Error).message}.` : (e as Error).message;
    }
  }

  /** The weights were edited in place (the kernel playground's filter): views refresh, the model is kept. */
  private async modelEdited() {
    this.modelVersion++;
    try {
      const r = await this.client!.request('model/save', {});
      this.lastGood = r;
      if (await this.keepInBrowser(r.bytes, r.step)) {
        this.storedStep = r.step;
        this.fileStatus = `Kept in this browser (step ${r.step.toLocaleString('en-US')}, with your filter).`;
      }
    } catch {
      // a crash in between: the previous backup stays
    }
  }

  private async loadModelFile(file: File) {
    try {
      const bytes = await file.arrayBuffer();
      const keep = bytes.slice(0);
      const r = await this.client!.request('model/load', { bytes, name: file.name }, [bytes]);
      const spec = JSON.parse(r.spec) as ModelSpec;
      const preset = this.presetNames.includes(String(spec.name)) ? String(spec.name) : '';
      this.appState = { preset, spec, hide: this.appState?.hide ?? [] };
      this.summary = r.summary;
      this.specError = '';
      this.fileError = '';
      this.clearRun();
      this.modelVersion++;
      this.writeHash();
      this.fileStatus = r.weightsOnly
        ? `Weights loaded from ${file.name} into this model.`
        : `Loaded ${file.name}: trained ${r.step.toLocaleString('en-US')} steps.`;
      if (r.step > 0) {
        this.lastGood = { bytes: keep, step: r.step };
        // Claimed before the await: the backup that the load's 'paused' event starts must see that
        // this step is stored already, or its message replaces "Loaded ..." (a race).
        this.storedStep = r.step;
        if (!(await this.keepInBrowser(keep, r.step))) this.storedStep = -1;
      }
    } catch (e) {
      if (errorCode(e) !== 'crashed') this.fileError = `${(e as Error).message}; the current model was kept.`;
    }
  }

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
    const typing = path.some((t) => t instanceof HTMLElement && (/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable));
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

  /** The full page with this state, for the embed header's "open" link. */
  private get fullPageUrl(): string {
    const u = new URL(location.href);
    u.searchParams.delete('embed');
    u.hash = this.link;
    return u.href;
  }

  private renderHeader() {
    const hidden = this.appState?.hide.length ?? 0;
    const lessonNote = hidden
      ? html`<p class="lesson" data-testid="lesson-note">
          A lesson view: ${hidden} ${hidden === 1 ? 'part is' : 'parts are'} hidden.
          <button class="link" data-testid="show-all" @click=${() => this.setHide([])}>Show everything</button>
        </p>`
      : '';
    if (this.embed) {
      return html`<header class="header compact">
        <h1>CNN Playground</h1>
        ${lessonNote}
        <a class="open" href=${this.fullPageUrl} target="_blank" rel="noopener" data-testid="open-full">Open the full playground<span aria-hidden="true"> ↗</span></a>
      </header>`;
    }
    // Embedded in someone else's page: no landmarks of our own (the host page has its header and main).
    if (!this.syncUrl) return lessonNote ? html`<div class="header compact">${lessonNote}</div>` : '';
    return html`
      <header class="header">
        <h1>CNN Playground</h1>
        <p>Train a convolutional network on MNIST in your browser: WebAssembly SIMD in a worker, nothing leaves the page.</p>
        ${lessonNote}
      </header>
    `;
  }

  render() {
    const s = this.appState;
    const on = (k: string) => this.shown(k);
    const left = ['data', 'model', 'pad'].some(on) || (on('share') && this.syncUrl);
    const right = ['train', 'curves', 'inside', 'conv', 'eval'].some(on);
    const columns = html`
        <div class="col" ?hidden=${!left}>
          ${on('data')
            ? html`<cnn-data-panel
                .info=${this.dataInfo}
                .progress=${this.dataProgress}
                .error=${this.dataError}
                ?busy=${this.dataBusy}
                @data-files=${(e: CustomEvent<{ files: IdxFiles; names: string[] }>) => this.loadFiles(e.detail.files, e.detail.names)}
                @data-mnist=${() => this.loadMnist()}
                @data-retry=${() => this.retryMnist()}
                @data-error=${(e: CustomEvent<string>) => (this.dataError = e.detail)}
              ></cnn-data-panel>`
            : ''}
          ${on('model')
            ? html`<cnn-model-panel
                .presets=${this.presetNames}
                .preset=${s?.preset ?? ''}
                .spec=${s?.spec ?? null}
                .summary=${this.summary}
                .error=${this.specError}
                .errorLayer=${this.specErrorLayer}
                .hide=${s?.hide ?? []}
                @preset-change=${(e: CustomEvent<string>) => this.configure(e.detail, structuredClone(this.presets[e.detail]))}
                @spec-apply=${(e: CustomEvent<ModelSpec>) => this.configure(s?.preset ?? '', e.detail)}
                @spec-revert=${() => (this.specError = '')}
                .fileStatus=${this.fileStatus}
                .fileError=${this.fileError}
                @model-download=${() => this.download()}
                @model-download-onnx=${() => this.download('onnx')}
                @model-file=${(e: CustomEvent<File>) => this.loadModelFile(e.detail)}
              ></cnn-model-panel>`
            : ''}
          ${on('pad')
            ? html`<cnn-draw-panel
                .client=${this.client}
                .modelVersion=${this.modelVersion}
                @digit-drawn=${(e: CustomEvent<{ image: Float32Array; model: PadModel } | null>) => {
                  this.drawn = e.detail?.image ?? null;
                  this.padModel = e.detail?.model ?? 'current';
                }}
              ></cnn-draw-panel>`
            : ''}
          ${on('share') && s && this.syncUrl
            ? html`<cnn-share-panel
                .link=${this.modelKey()}
                .hide=${s.hide}
                .pageUrl=${location.origin + location.pathname}
              ></cnn-share-panel>`
            : ''}
        </div>
        <div class="col" ?hidden=${!right}>
          ${on('train')
            ? html`<cnn-train-panel
                .state=${this.trainState}
                .hparams=${this.hparams}
                .progress=${this.progress}
                .threads=${this.threadInfo}
                .hide=${s?.hide ?? []}
                ?ready=${this.ready && !!this.dataInfo}
                @train-start=${this.train}
                @train-pause=${this.pause}
                @train-step=${this.step}
                @train-reset=${this.reset}
                @eval-run=${this.evaluate}
                @hparams-change=${(e: CustomEvent<Partial<Hparams>>) => this.changeHparams(e.detail)}
                @threads-change=${(e: CustomEvent<number>) => this.changeThreads(e.detail)}
              ></cnn-train-panel>`
            : ''}
          <cnn-metrics-panel ?hidden=${!on('curves')}></cnn-metrics-panel>
          ${on('inside')
            ? html`<cnn-inspect-panel
                .client=${this.client}
                .trainState=${this.trainState}
                .step=${this.progress?.step ?? 0}
                .modelVersion=${this.modelVersion}
                .drawn=${this.drawn}
                .padModel=${this.padModel}
                .testCount=${this.dataInfo?.testCount ?? 0}
              ></cnn-inspect-panel>`
            : ''}
          ${on('conv')
            ? html`<cnn-learn-panel
                .client=${this.client}
                .modelVersion=${this.modelVersion}
                .testCount=${this.dataInfo?.testCount ?? 0}
                .drawn=${this.drawn}
                @model-changed=${() => this.modelEdited()}
              ></cnn-learn-panel>`
            : ''}
          ${on('eval') ? html`<cnn-eval-panel .report=${this.report}></cnn-eval-panel>` : ''}
        </div>
    `;
    return html`
      ${this.renderHeader()}
      ${this.banner
        ? html`<div class="banner" role="alert" data-testid="banner"><span>${this.banner}</span><button aria-label="Dismiss the message" @click=${() => (this.banner = '')}>Dismiss</button></div>`
        : ''}
      ${this.notice
        ? html`<div class="banner notice" role="status" data-testid="notice"><span>${this.notice}</span><button aria-label="Dismiss the notice" @click=${() => (this.notice = '')}>Dismiss</button></div>`
        : ''}
      ${!s && !this.banner ? html`<p class="loading" role="status">Starting the WebAssembly engine…</p>` : ''}
      ${this.syncUrl
        ? html`<main ?hidden=${!s} class="main ${left && right ? '' : 'one'}">${columns}</main>`
        : html`<div ?hidden=${!s} class="main ${left && right ? '' : 'one'}">${columns}</div>`}
    `;
  }
}

if (!customElements.get('cnn-playground')) customElements.define('cnn-playground', CnnPlayground);

declare global {
  interface HTMLElementTagNameMap {
    'cnn-playground': CnnPlayground;
  }
}
