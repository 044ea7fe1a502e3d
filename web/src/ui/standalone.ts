// The worker of elements that run alone (a tutorial page, the library): when nobody handed the
// element a `client` by its first update, it takes the page's standalone worker, initialised once
// and loaded on demand with what the element needs (the pretrained model, the MNIST test set).
// Every standalone element on a page (with the same asset folder) shares that one worker and
// wasm instance; the last one to leave terminates it. Inside the playground the panels get the
// playground's worker instead and this does nothing.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { assetFiles, assetUrl } from '../assets';
import { createTrainingWorker, type WorkerClient } from '../worker/client';

/** What an element may need loaded into the worker before it asks it anything. */
export type Need = 'pretrained' | 'mnist-test';

interface Shared {
  client: WorkerClient;
  /** Where its data comes from: the asset folder of the elements that share it (the pool's key). */
  base: string;
  /** Each asset's own URL by its path under the folder, when a bundler renamed them. */
  files: Record<string, string> | null;
  users: number;
  loads: Map<string, Promise<unknown>>;
  stopTimer: number;
}

/** One shared worker per asset folder, since what is loaded into it comes from there. */
const pool = new Map<string, Shared>();

export interface StandaloneHost extends ReactiveControllerHost, HTMLElement {
  client: WorkerClient | null;
}

export class Standalone implements ReactiveController {
  private shared: Shared | null = null;
  private base = '';
  /** The element ran on the standalone worker when it was last connected. */
  private wasOwn = false;

  constructor(private readonly host: StandaloneHost) {
    host.addController(this);
  }

  /** True while the element runs on the standalone worker (no client was given). */
  get own(): boolean {
    return this.shared !== null;
  }

  /** Call from firstUpdated: without a client by now, the element runs alone. */
  start(): void {
    if (!this.host.client) this.acquire();
  }

  hostConnected(): void {
    // Moved in the DOM or re-attached: take the worker back.
    if (this.wasOwn && !this.host.client) this.acquire();
  }

  hostDisconnected(): void {
    const s = this.shared;
    if (!s) return;
    this.shared = null;
    this.wasOwn = true;
    this.host.client = null;
    s.users--;
    // Terminated a moment later, so an element that is only being moved keeps the loaded worker.
    const base = this.base;
    clearTimeout(s.stopTimer);
    s.stopTimer = window.setTimeout(() => {
      if (s.users > 0 || pool.get(base) !== s) return;
      pool.delete(base);
      s.client.terminate();
    }, 1000);
  }

  /**
   * The worker, initialised and with `what` loaded. With a client from a parent it returns that
   * client as it is: the parent loads what its panels need.
   */
  async need(...what: Need[]): Promise<WorkerClient> {
    const s = this.shared;
    if (!s) {
      if (!this.host.client) throw new Error('no worker yet');
      return this.host.client;
    }
    await load(s, 'init');
    await Promise.all(what.map((w) => load(s, w)));
    return s.client;
  }

  private acquire(): void {
    this.base = assetUrl('./', this.host);
    let s = pool.get(this.base);
    if (!s) {
      const client = createTrainingWorker();
      const fresh: Shared = {
        client,
        base: this.base,
        files: assetFiles('', this.host),
        users: 0,
        loads: new Map(),
        stopTimer: 0,
      };
      // A crashed worker is replaced by an empty one: everything loads again on the next need.
      client.onCrash = () => fresh.loads.clear();
      pool.set(this.base, fresh);
      s = fresh;
    }
    clearTimeout(s.stopTimer);
    s.users++;
    this.shared = s;
    this.host.client = s.client;
  }
}

/** Starts loading `what` once per worker; a failed load is tried again by the next need. */
function load(s: Shared, what: 'init' | Need): Promise<unknown> {
  let p = s.loads.get(what);
  if (p) return p;
  const c = s.client;
  if (what === 'init') p = c.init({});
  else if (what === 'pretrained')
    p = c.request('pretrained/load', {
      url:
        s.files?.['models/pretrained.safetensors'] ??
        new URL('models/pretrained.safetensors', s.base).href,
    });
  else
    p = c.request('data/load-mnist', {
      baseUrl: new URL('data/mnist/', s.base).href,
      files: within(s.files, 'data/mnist/'),
      testOnly: true,
    });
  s.loads.set(what, p);
  p.catch(() => {
    if (s.loads.get(what) === p) s.loads.delete(what);
  });
  return p;
}

/** The files under `dir` by their names there, or undefined without a map. */
function within(
  files: Record<string, string> | null,
  dir: string,
): Record<string, string> | undefined {
  if (!files) return undefined;
  return Object.fromEntries(
    Object.entries(files).flatMap(([path, url]) =>
      path.startsWith(dir) ? [[path.slice(dir.length), url]] : [],
    ),
  );
}
