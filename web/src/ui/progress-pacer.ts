// The training panel's progress: the worker's step events turned into what the panel shows, with
// the time left estimated from the recent pace (an exponential average of the wall time per step,
// evaluations included), and re-rendered at most every PROGRESS_MS; the last value always lands.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { EventOf } from '../worker/client';
import type { TrainProgress } from './train-panel';

const PROGRESS_MS = 150;

export class ProgressPacer implements ReactiveController {
  /** What the panel shows (null: no run yet). */
  value: TrainProgress | null = null;
  private pending: TrainProgress | null = null;
  private timer = 0;
  private last = { step: 0, wall: 0, msPerStep: 0 };

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostDisconnected() {
    this.cancel();
  }

  /** A step event from the worker. */
  step(e: EventOf<'metrics/step'>) {
    const last = this.last;
    if (last.step > 0 && e.step > last.step && e.wallMs > last.wall) {
      const per = (e.wallMs - last.wall) / (e.step - last.step);
      last.msPerStep = last.msPerStep > 0 ? 0.9 * last.msPerStep + 0.1 * per : per;
    }
    last.step = e.step;
    last.wall = e.wallMs;
    this.pending = {
      step: e.step,
      epoch: e.epoch,
      stepsPerEpoch: e.stepsPerEpoch,
      totalSteps: e.totalSteps,
      examplesPerSec: e.examplesPerSec,
      trainMs: e.trainMs,
      wallMs: e.wallMs,
      lr: e.lr,
      etaMs: last.msPerStep * Math.max(0, e.totalSteps - e.step),
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
    this.last = { step: 0, wall: 0, msPerStep: 0 };
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
