// The playground's training worker and what keeps its model safe: starting the worker, wiring its
// events to the element, MNIST or the user's files, a backup of the model at most every
// BACKUP_EVERY_MS (kept on the page for a crashed worker, and in IndexedDB in the page's own mode),
// the restore of the stored model on load, and the recovery of a crashed worker with the data and
// the last good model. The element shows; this decides what happens to the worker and the model.
import { assetFiles, assetUrl, threadedModuleUrl } from '../assets';
import type { AppState } from '../state/app-state';
import type { HashSync } from '../state/hash-sync';
import { forgetStoredModel, loadStoredModel, storeModel } from '../state/model-store';
import type { ModelSpec } from '../state/spec';
import { createTrainingWorker, errorCode, type WorkerClient } from '../worker/client';
import type {
  DataInfo,
  EvalReport,
  IdxFiles,
  ModelSummary,
  ThreadInfo,
  TrainState,
} from '../worker/protocol';
import type { DataProgress } from './data-panel';
import type { MetricsPanel } from './metrics-panel';
import type { ProgressPacer } from './progress-pacer';

const BACKUP_EVERY_MS = 15_000;
/** Said once when the browser refuses to keep the model (no IndexedDB, private window, quota). */
const NOT_KEPT =
  'This browser does not let the page keep the model (private window, storage full or blocked): it is lost on reload unless you download it.';

/** What the session reads from and writes to the element (its reactive state). */
export interface SessionHost extends HTMLElement {
  readonly syncUrl: boolean;
  readonly lesson: string;
  readonly hash: HashSync;
  readonly pacer: ProgressPacer;
  readonly metrics: MetricsPanel | null;
  ready: boolean;
  threadInfo: ThreadInfo | null;
  presetNames: string[];
  appState: AppState | null;
  dataInfo: DataInfo | null;
  dataBusy: boolean;
  dataProgress: DataProgress | null;
  dataError: string;
  trainState: TrainState;
  report: EvalReport | null;
  banner: string;
  notice: string;
  modelVersion: number;
  fileStatus: string;
  fileError: string;
  summary: ModelSummary | null;
  specError: string;
  /** A new run: charts, report and progress cleared. */
  clearRun(): void;
  configure(
    preset: string,
    spec: ModelSpec,
    opts?: { keepCharts?: boolean; keepStored?: boolean; hide?: string[]; lesson?: string },
  ): Promise<boolean>;
}

export class WorkerSession {
  client: WorkerClient | null = null;
  presets: Record<string, ModelSpec> = {};
  /** The model as of the last backup, restored into a restarted worker. */
  lastGood: { bytes: ArrayBuffer; step: number } | null = null;
  private lastBackupAt = -Infinity;
  /** The step of the model last written to IndexedDB (-1: none). */
  storedStep = -1;
  /** The user's own data files, kept to reload them into a restarted worker. */
  private userFiles: { files: IdxFiles; names: string[] } | null = null;

  constructor(private readonly host: SessionHost) {}

  async start() {
    const h = this.host;
    const client = createTrainingWorker();
    this.client = client;
    client.onCrash = (m) => void this.recover(m);
    this.listen(client);
    try {
      const init = this.initWorker();
      // MNIST downloads while the engine does (the worker adds it to the trainer once there is one).
      const data = this.loadMnist();
      await init;
      const { state, problem } = h.hash.read(h.syncUrl ? location.hash : h.lesson);
      if (problem) h.notice = problem;
      await h.configure(state.preset, state.spec, {
        keepStored: true,
        hide: state.hide,
        lesson: state.lesson,
      });
      h.ready = true;
      await this.restoreStored();
      // The first MNIST shards before the pretrained model: on a slow link they share it, and
      // Train waits for the data while the digit pad can wait for its model.
      await data;
      void this.loadPretrained();
    } catch (e) {
      // A version mismatch is a whole sentence of its own; anything else gets the context.
      h.banner =
        errorCode(e) === 'protocol'
          ? (e as Error).message
          : `The playground could not start: ${(e as Error).message}`;
    }
  }

  stop() {
    this.client?.terminate();
    this.client = null;
  }

  private async initWorker() {
    const init = await this.client!.init({ threadedModule: threadedModuleUrl() });
    this.host.threadInfo = init.threads;
    this.host.presetNames = Object.keys(init.presets);
    this.presets = Object.fromEntries(
      Object.entries(init.presets).map(([k, v]) => [k, JSON.parse(v) as ModelSpec]),
    );
    this.host.hash.presets = this.presets;
  }

  private listen(client: WorkerClient) {
    const h = this.host;
    client.on(
      'data/progress',
      (e) => (h.dataProgress = { loaded: e.loaded, total: e.total, fromCache: e.fromCache }),
    );
    client.on('data/grown', (e) => {
      if (h.dataInfo?.source === e.info.source) h.dataInfo = e.info;
    });
    client.on('metrics/step', (e) => {
      h.pacer.step(e);
      h.metrics?.addStep(e.epoch, e.loss, e.accuracy);
    });
    client.on('metrics/eval', (e) => {
      h.metrics?.addEval(e.epoch, e.accuracy, e.count, e.total);
      // While it trains, a copy at most every BACKUP_EVERY_MS: a crash mid-epoch loses little.
      void this.backup();
    });
    client.on('eval/report', (e) => {
      h.report = e.report;
      void this.backup();
    });
    client.on('train/state', (e) => {
      h.pacer.flush();
      h.trainState = e.state;
      if (e.state === 'paused' || e.state === 'done') {
        h.modelVersion++;
        void this.backup(true);
      }
    });
    client.on('error', (e) => (h.banner = e.message));
  }

  /** The small model that ships with the site, so the digit pad reads from the first second. */
  private async loadPretrained() {
    try {
      await this.client!.request('pretrained/load', {
        url: assetUrl('models/pretrained.safetensors', this.host),
      });
      this.host.modelVersion++;
    } catch {
      // the pad then uses the model being trained
    }
  }

  /** The model kept in this browser, if it belongs to the same link. */
  private async restoreStored() {
    const h = this.host;
    if (!h.syncUrl) return; // an embedded playground starts fresh and keeps nothing
    const stored = await loadStoredModel();
    if (stored === 'damaged') {
      await forgetStoredModel();
      h.notice =
        'The model kept in this browser was damaged and has been removed; the page starts with a fresh model.';
      return;
    }
    if (!stored || stored.hash !== h.hash.key(h.appState)) return;
    try {
      const r = await this.client!.request('model/load', {
        bytes: stored.bytes.slice(0),
        name: 'the stored copy',
      });
      this.lastGood = { bytes: stored.bytes, step: r.step };
      h.pacer.clear();
      h.trainState = 'paused';
      h.modelVersion++;
      this.storedStep = r.step;
      h.fileStatus = `Restored from this browser (step ${r.step.toLocaleString('en-US')}).`;
    } catch (e) {
      // Only a file the engine refused is forgotten; a crash meanwhile leaves it for the next visit.
      const code = errorCode(e);
      if (code !== 'model-file' && code !== 'no-spec' && code !== 'spec' && code !== 'memory')
        return;
      await forgetStoredModel();
      h.notice = `The model kept in this browser was damaged and has been removed (${(e as Error).message}); the page starts with a fresh model.`;
    }
  }

  private async recover(message: string) {
    const h = this.host;
    h.trainState = 'paused';
    h.ready = false;
    const restored = this.lastGood;
    try {
      await this.initWorker();
      void this.loadPretrained();
      await h.configure(h.appState!.preset, h.appState!.spec, { keepCharts: true });
      if (this.userFiles) await this.loadFiles(this.userFiles.files, this.userFiles.names);
      else await this.loadMnist();
      if (restored) {
        const copy = restored.bytes.slice(0);
        await this.client!.request('model/load', { bytes: copy, name: 'the last saved model' }, [
          copy,
        ]);
        h.trainState = 'paused';
        h.pacer.restoredAt(restored.step);
      }
      h.banner = `The training worker crashed (${message}); a new one was started ${
        restored
          ? `and the model from step ${restored.step.toLocaleString('en-US')} restored`
          : 'with a fresh model'
      }.`;
    } catch (e) {
      h.banner = `The training worker crashed (${message}) and could not be restarted: ${(e as Error).message}`;
    }
    h.ready = true;
  }

  /** Keeps a copy of the model on the page, at most every BACKUP_EVERY_MS unless forced. */
  async backup(force = false) {
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
          this.host.fileStatus = `Kept in this browser (step ${r.step.toLocaleString('en-US')}).`;
        }
      }
    } catch {
      // a crash in between: the previous backup stays
    }
  }

  /** Keeps the model in IndexedDB under the current state; only the page's own mode keeps anything. */
  async keepInBrowser(bytes: ArrayBuffer, step: number): Promise<boolean> {
    const h = this.host;
    if (!h.syncUrl || !h.appState) return false;
    const kept = await storeModel({
      bytes,
      hash: h.hash.key(h.appState),
      step,
      savedAt: Date.now(),
    });
    if (!kept) h.fileStatus = NOT_KEPT;
    return kept;
  }

  /** A new model or a reset: what IndexedDB keeps belongs to it no more. */
  async forgetKept(): Promise<void> {
    this.storedStep = -1;
    if (this.host.syncUrl) await forgetStoredModel();
  }

  // ---- data ----------------------------------------------------------------------------------

  /** MNIST from the site: resolves when training can start; the rest arrives as 'data/grown'. */
  async loadMnist() {
    const h = this.host;
    h.dataBusy = true;
    h.dataError = '';
    h.dataProgress = null;
    try {
      const base = assetUrl('data/mnist/', h);
      const files = assetFiles('data/mnist/', h) ?? undefined;
      h.dataInfo = await this.client!.request('data/load-mnist', { baseUrl: base, files });
      this.userFiles = null;
    } catch (e) {
      if (errorCode(e) !== 'crashed')
        h.dataError = `MNIST could not be loaded: ${(e as Error).message}`;
    } finally {
      h.dataBusy = false;
    }
  }

  async retryMnist() {
    try {
      this.host.dataInfo = await this.client!.request('data/retry', {});
    } catch (e) {
      this.host.dataError = (e as Error).message;
    }
  }

  async loadFiles(files: IdxFiles, names: string[]) {
    const h = this.host;
    h.dataBusy = true;
    h.dataError = '';
    // The buffers are transferred to the worker; a copy stays here for crash recovery.
    const keep: IdxFiles = {
      trainImages: files.trainImages.slice(0),
      trainLabels: files.trainLabels.slice(0),
      testImages: files.testImages.slice(0),
      testLabels: files.testLabels.slice(0),
    };
    try {
      h.dataInfo = await this.client!.loadFiles(files, names);
      this.userFiles = { files: keep, names };
      h.report = null;
    } catch (e) {
      if (errorCode(e) !== 'crashed')
        h.dataError = `${(e as Error).message}; the data in use was kept.`;
    } finally {
      h.dataBusy = false;
    }
  }

  // ---- model files ---------------------------------------------------------------------------

  async download(format: 'safetensors' | 'onnx' = 'safetensors') {
    const h = this.host;
    try {
      const r =
        format === 'onnx'
          ? await this.client!.request('model/export-onnx', {})
          : await this.client!.request('model/save', {});
      const name = `${h.appState?.spec.name || h.appState?.preset || 'model'}-step${r.step}.${format}`;
      const url = URL.createObjectURL(new Blob([r.bytes], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      h.fileError = '';
    } catch (e) {
      if (errorCode(e) === 'crashed') return; // the recovery's banner says it, with the step restored
      h.fileError =
        format === 'onnx'
          ? `The ONNX file could not be made: ${(e as Error).message}.`
          : (e as Error).message;
    }
  }

  /** The weights were edited in place (the kernel playground's filter): views refresh, the model is kept. */
  async modelEdited() {
    const h = this.host;
    h.modelVersion++;
    try {
      const r = await this.client!.request('model/save', {});
      this.lastGood = r;
      if (await this.keepInBrowser(r.bytes, r.step)) {
        this.storedStep = r.step;
        h.fileStatus = `Kept in this browser (step ${r.step.toLocaleString('en-US')}, with your filter).`;
      }
    } catch {
      // a crash in between: the previous backup stays
    }
  }

  async loadModelFile(file: File) {
    const h = this.host;
    try {
      const bytes = await file.arrayBuffer();
      const keep = bytes.slice(0);
      const r = await this.client!.request('model/load', { bytes, name: file.name }, [bytes]);
      const spec = JSON.parse(r.spec) as ModelSpec;
      const preset = h.presetNames.includes(String(spec.name)) ? String(spec.name) : '';
      h.appState = { preset, spec, hide: h.appState?.hide ?? [] };
      h.summary = r.summary;
      h.specError = '';
      h.fileError = '';
      h.clearRun();
      h.modelVersion++;
      if (h.syncUrl) h.hash.write(h.appState);
      h.fileStatus = r.weightsOnly
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
      if (errorCode(e) !== 'crashed')
        h.fileError = `${(e as Error).message}; the current model was kept.`;
    }
  }
}
