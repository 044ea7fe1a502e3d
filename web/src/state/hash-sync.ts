// The page's AppState in location.hash: the link of a state, the key its model is kept under (a
// change of what a lesson hides or queues keeps the model), and the writing and reading of the hash. Only the
// page's own mode (`<cnn-playground sync-url>`) touches location; embedded, the lesson attribute is
// read once instead.
import { decodeState, encodeState, type AppState } from './app-state';
import type { ModelSpec } from './spec';

export class HashSync {
  /** The presets' specs, as the engine reported them (a link stores only what differs). */
  presets: Record<string, ModelSpec> = {};

  constructor(private readonly fallbackPreset: string) {}

  /** The link of a state, as a hash without '#'. */
  link(state: AppState | null): string {
    return state ? encodeState(state, this.presets) : '';
  }

  /** What a model belongs to: the state without what the lesson hides or queues to compare, and which lesson it is. */
  key(state: AppState | null): string {
    return state
      ? encodeState({ preset: state.preset, spec: state.spec, hide: [] }, this.presets)
      : '';
  }

  /** The link the share panel starts from: the state with its lesson, without `hide`. */
  shareLink(state: AppState | null): string {
    return state ? encodeState({ ...state, hide: [] }, this.presets) : '';
  }

  /** A hash (with or without '#') or a lesson attribute as a state, with a sentence if it was not all usable. */
  read(hash: string): { state: AppState; problem?: string } {
    return decodeState(hash, this.presets, this.fallbackPreset);
  }

  /** Whether location.hash already holds this state. */
  showing(state: AppState | null): boolean {
    return location.hash === '#' + this.link(state);
  }

  /** Replaces the hash (no history entry) when it differs. */
  write(state: AppState | null) {
    if (!state) return;
    const hash = '#' + this.link(state);
    if (hash !== location.hash) history.replaceState(null, '', hash);
  }
}
