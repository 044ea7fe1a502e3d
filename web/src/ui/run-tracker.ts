// Records the playground's training runs from the worker's metric events: the first step after a
// new model or a Reset starts a run with the settings in force, later steps and evaluations extend
// it, and the list is kept in IndexedDB in the page's own mode (run-store.ts), in memory
// otherwise. It also runs a link's queue ("Train both"): each setup configured and trained to its
// last epoch in turn. The Runs panel shows what it holds; it draws nothing itself.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { AppState, RunSetup } from '../state/app-state';
import type { HashSync } from '../state/hash-sync';
import { emptyRun } from '../state/run-compare';
import {
  deleteStoredRuns,
  loadRuns,
  MAX_RUNS,
  mergeRuns,
  storeRun,
  thin,
  type RunRecord,
} from '../state/run-store';
import type { EventOf } from '../worker/client';
import type { ThreadInfo } from '../worker/protocol';

const SAVE_EVERY_MS = 3000;
const SHOW_EVERY_MS = 500;

export interface RunHost extends ReactiveControllerHost {
  readonly syncUrl: boolean;
  readonly hash: HashSync;
  readonly appState: AppState | null;
  readonly threadInfo: ThreadInfo | null;
  configure(preset: string, spec: AppState['spec']): Promise<boolean>;
  train(): Promise<void>;
}

export class RunTracker implements ReactiveController {
  runs: RunRecord[] = [];
  /** true: kept in IndexedDB; false: in memory only; null: not known yet. */
  kept: boolean | null = null;
  /** Bumped on every change the panel shows. */
  version = 0;
  /** The queue of a link being trained, and where it is (-1: not running). */
  queueAt = -1;
  private current: RunRecord | null = null;
  private lastWall = 0;
  private dirty = new Set<RunRecord>();
  private saveTimer = 0;
  private showTimer = 0;
  private queue: RunSetup[] = [];
  /** The queue is configuring its next setup: the states that brings are its own. */
  private switching = false;

  constructor(private readonly host: RunHost) {
    host.addController(this);
  }

  hostDisconnected() {
    void this.flush();
    clearTimeout(this.showTimer);
    this.showTimer = 0;
  }

  /** The run training now, if any. */
  get currentId(): string | null {
    return this.current?.id ?? null;
  }

  /** Reads the stored runs (the page's own mode only); runs recorded meanwhile stay. */
  async load() {
    if (!this.host.syncUrl) {
      this.kept = false;
      return;
    }
    const stored = await loadRuns();
    if (!stored) {
      this.kept = false;
    } else {
      this.runs = mergeRuns(stored.runs, this.runs).list;
      this.kept = this.kept ?? true;
      for (const r of this.runs) if (!stored.runs.includes(r)) this.dirty.add(r);
      void this.flush();
    }
    this.changed();
  }

  /** A new model or a Reset: the next step starts a new run. */
  detach() {
    void this.flush();
    this.current = null;
  }

  /** The stored model was restored at `step`: its run, if it is the newest of that link, goes on. */
  resume(step: number) {
    const key = this.host.hash.key(this.host.appState);
    const last = this.runs[this.runs.length - 1];
    if (last && last.step === step && this.keyOf(last) === key) {
      this.current = last;
      this.lastWall = 0;
    }
  }

  private keyOf(r: RunRecord): string {
    return this.host.hash.key({ preset: r.preset, spec: r.spec, hide: [] });
  }

  step(e: EventOf<'metrics/step'>) {
    const r = this.current ?? this.start();
    if (!r) return;
    r.steps.push([e.epoch, e.loss, e.accuracy]);
    r.steps = thin(r.steps);
    r.step = e.step;
    r.epoch = e.epoch;
    r.seconds +=
      Math.max(0, e.wallMs >= this.lastWall ? e.wallMs - this.lastWall : e.wallMs) / 1000;
    this.lastWall = e.wallMs;
    this.touch(r);
  }

  evaluated(e: EventOf<'metrics/eval'>) {
    const r = this.current;
    if (!r) return;
    r.evals.push([e.epoch, e.accuracy, e.loss, e.count]);
    r.evals = thin(r.evals);
    r.final = { accuracy: e.accuracy, count: e.count, total: e.total };
    this.touch(r);
  }

  /** Training paused or ended: saved now; the end of an epoch run moves a link's queue on. */
  stateChanged(state: string) {
    void this.flush();
    if (this.queueAt < 0 || this.switching) return;
    if (state === 'done') void this.next();
    else if (state === 'paused' || state === 'idle') this.stopQueue();
  }

  /** A hyper-parameter changed while a run has steps: the run notes it. */
  noteChange(text: string) {
    const r = this.current;
    if (!r || r.step === 0) return;
    r.changes.push(`${text} at step ${r.step.toLocaleString('en-US')}`);
    this.touch(r);
  }

  private start(): RunRecord | null {
    const s = this.host.appState;
    if (!s) return null;
    const number = Math.max(0, ...this.runs.map((r) => r.number)) + 1;
    const now = Date.now();
    const r = emptyRun(
      { preset: s.preset, spec: structuredClone(s.spec) },
      `${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      number,
      this.host.hash.presets,
      { threads: this.host.threadInfo?.threads ?? 1, startedAt: now },
    );
    this.current = r;
    this.lastWall = 0;
    this.runs.push(r);
    if (this.runs.length > MAX_RUNS) {
      const gone = this.runs.splice(0, this.runs.length - MAX_RUNS);
      if (this.kept) void deleteStoredRuns(gone.map((g) => g.id));
    }
    return r;
  }

  // ---- changes from the panel ------------------------------------------------------------------

  rename(id: string, name: string) {
    const r = this.runs.find((x) => x.id === id);
    if (!r || !name.trim()) return;
    r.name = name.trim().slice(0, 200);
    this.touch(r, true);
  }

  remove(ids: string[]) {
    const set = new Set(ids);
    if (this.current && set.has(this.current.id)) this.current = null;
    this.runs = this.runs.filter((r) => !set.has(r.id));
    if (this.kept) void deleteStoredRuns(ids);
    this.changed();
  }

  /** Adds imported runs; returns what happened, for the panel's sentence. */
  add(incoming: RunRecord[]) {
    const m = mergeRuns(this.runs, incoming);
    const removed = this.runs.filter((r) => !m.list.includes(r));
    this.runs = m.list;
    if (this.kept) {
      void deleteStoredRuns(removed.map((r) => r.id));
      for (const r of m.list) if (incoming.includes(r)) this.dirty.add(r);
      void this.flush();
    }
    this.changed();
    return m;
  }

  // ---- a link's queue ----------------------------------------------------------------------------

  /** Trains each setup in turn (a new run each); pausing stops the queue. */
  async trainQueue(setups: RunSetup[]) {
    this.queue = setups.map((s) => ({ preset: s.preset, spec: structuredClone(s.spec) }));
    this.queueAt = -1;
    await this.next();
  }

  stopQueue() {
    this.queueAt = -1;
    this.queue = [];
    this.changed();
  }

  private async next() {
    const at = this.queueAt + 1;
    if (at >= this.queue.length) {
      this.stopQueue();
      return;
    }
    const s = this.queue[at];
    this.queueAt = at;
    this.changed();
    this.switching = true;
    try {
      if (!(await this.host.configure(s.preset, s.spec))) {
        this.stopQueue();
        return;
      }
      await this.host.train();
    } finally {
      this.switching = false;
    }
  }

  // ---- saving and showing ------------------------------------------------------------------------

  private touch(r: RunRecord, now = false) {
    r.updatedAt = Date.now();
    this.dirty.add(r);
    if (now) void this.flush();
    else if (!this.saveTimer)
      this.saveTimer = window.setTimeout(() => void this.flush(), SAVE_EVERY_MS);
    if (now) this.changed();
    else if (!this.showTimer)
      this.showTimer = window.setTimeout(() => {
        this.showTimer = 0;
        this.changed();
      }, SHOW_EVERY_MS);
  }

  private changed() {
    this.version++;
    this.host.requestUpdate();
  }

  /** Writes the runs changed since the last write. */
  async flush() {
    clearTimeout(this.saveTimer);
    this.saveTimer = 0;
    if (!this.kept || !this.dirty.size) {
      if (this.kept === false) this.dirty.clear();
      return;
    }
    const runs = [...this.dirty];
    this.dirty.clear();
    for (const r of runs) {
      if (!this.runs.includes(r)) continue;
      if (!(await storeRun(r))) {
        this.kept = false;
        this.changed();
        return;
      }
    }
  }
}
