// The training panel's progress: the worker's step events turned into what the panel shows, with
// the time left estimated from the recent pace (the wall time per step over the last
// PACE_WINDOW_MS, evaluations and page work included), and re-rendered at most every PROGRESS_MS;
// the last value always lands. A window of seconds rather than an average over the last few
// events: an evaluation or a burst of page work between two events would otherwise swing the
// estimate by half (with both cores training, a short run's events come a few ms apart).
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { EventOf } from '../worker/client';
import type { TrainProgress } from './train-panel';

const PROGRESS_MS = 150;
const PACE_WINDOW_MS = 10_000;

export class ProgressPacer implements ReactiveController {
  /** What the panel shows (null: no run yet). */
  value: TrainProgress | null = null;
  private pending: TrainProgress | null = null;
  private timer = 0;
  /** Recent (step, wall time) pairs, the first at least PACE_WINDOW_MS old once the run is. */
  private samples: Array<{ step: number; wall: number }> = [];

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostDisconnected() {
    this.cancel();
  }

  /** A step event from the worker. */
  step(e: EventOf<'metrics/step'>) {
    const s = this.samples;
    const newest = s[s.length - 1];
    if (newest && (e.step <= newest.step || e.wallMs <= newest.wall)) s.length = 0; // a new count
    s.push({ step: e.step, wall: e.wallMs });
    while (s.length > 2 && e.wallMs - s[1].wall >= PACE_WINDOW_MS) s.shift();
    const base = s[0];
    const msPerStep = e.step > base.step ? (e.wallMs - base.wall) / (e.step - base.step) : 0;
    this.pending = {
      step: e.step,
      epoch: e.epoch,
      stepsPerEpoch: e.stepsPerEpoch,
      totalSteps: e.totalSteps,
      examplesPerSec: e.examplesPerSec,
      trainMs: e.trainMs,
      wallMs: e.wallMs,
      lr: e.lr,
      etaMs: msPerStep * Math.max(0, e.totalSteps - e.step),
    };
    if (this.timer) return;
    this.timer = window.setTimeout(() => {
      this.timer = 0;
      this.show(this.pending);
    }, PROGRESS_MS);
  }

  /** Shows the last queued value now (training stopped or paused). */
  flush() {
    clearTimeout(this.timer);
    this.timer = 0;
    if (this.pending) this.show(this.pending);
  }

  /** A new run: nothing shown, the pace forgotten. */
  clear() {
    this.cancel();
    this.samples = [];
    this.show(null);
  }

  /** A model restored at `step` after a crash: the counter shows it, queued progress is dropped. */
  restoredAt(step: number) {
    this.cancel();
    const p = this.value;
    this.show(
      p
        ? { ...p, step, epoch: p.stepsPerEpoch > 0 ? step / p.stepsPerEpoch : p.epoch, etaMs: 0 }
        : null,
    );
  }

  private cancel() {
    clearTimeout(this.timer);
    this.timer = 0;
    this.pending = null;
  }

  private show(p: TrainProgress | null) {
    this.value = p;
    this.host.requestUpdate();
  }
}
