// The page's side of the worker bridge: typed requests that resolve with the worker's reply,
// listeners for the worker's event stream, and crash detection. A crashed worker is replaced by a
// fresh one; the owner (the playground) restores the model into it.
import {
  PROTOCOL_VERSION,
  protocolMismatch,
  type ErrorCode,
  type FromWorker,
  type IdxFiles,
  type RequestOf,
  type RequestType,
  type ResultOf,
} from './protocol';

type Event = Exclude<FromWorker, { type: 'reply' }>;
export type EventType = Event['type'];
export type EventOf<T extends EventType> = Extract<Event, { type: T }>;
type Payload<T extends RequestType> = Omit<RequestOf<T>, 'type' | 'id' | 'protocol'>;

/** A refused request: the worker's sentence and its code (decide by the code, show the sentence). */
export class WorkerError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    /** The spec's layer the error is about, -1 for none. */
    readonly layer = -1,
  ) {
    super(message);
  }
}

/** The code of an error from a request ('internal' for anything that is not a WorkerError). */
export function errorCode(e: unknown): ErrorCode {
  return e instanceof WorkerError ? e.code : 'internal';
}

export class WorkerClient {
  private worker!: Worker;
  private nextId = 1;
  private pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private listeners = new Map<string, Set<(e: Event) => void>>();
  /** Called after the worker crashed and a fresh one was started. */
  onCrash: (message: string) => void = () => {};

  constructor(private readonly create: () => Worker) {
    this.start();
  }

  private start(): void {
    this.worker = this.create();
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.receive(ev.data);
    this.worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.crashed(ev.message || 'the worker stopped unexpectedly');
    };
    this.worker.onmessageerror = () => this.crashed('a message from the worker could not be read');
  }

  private crashed(message: string): void {
    this.worker.terminate();
    for (const p of this.pending.values())
      p.reject(new WorkerError(`the training worker crashed (${message})`, 'crashed'));
    this.pending.clear();
    this.start();
    this.onCrash(message);
  }

  private receive(msg: FromWorker): void {
    if (msg.type === 'reply') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else
        p.reject(
          new WorkerError(msg.error ?? 'unknown error', msg.code ?? 'internal', msg.layer ?? -1),
        );
      return;
    }
    for (const fn of this.listeners.get(msg.type) ?? []) fn(msg);
  }

  request<T extends RequestType>(
    type: T,
    payload: Payload<T>,
    transfer: Transferable[] = [],
  ): Promise<ResultOf<T>> {
    const id = this.nextId++;
    return new Promise<ResultOf<T>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...payload, type, id, protocol: PROTOCOL_VERSION }, transfer);
    });
  }

  on<T extends EventType>(type: T, fn: (e: EventOf<T>) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(fn as (e: Event) => void);
    return () => set!.delete(fn as (e: Event) => void);
  }

  /**
   * Starts the engine. A worker of another protocol version (a stale copy in the browser's cache)
   * is refused here with one sentence (code 'protocol'): its replies cannot be trusted.
   */
  async init(payload: Payload<'init'>): Promise<ResultOf<'init'>> {
    const r = await this.request('init', payload);
    const version = (r as { version?: unknown } | undefined)?.version;
    if (version !== PROTOCOL_VERSION)
      throw new WorkerError(protocolMismatch(PROTOCOL_VERSION, version), 'protocol');
    return r;
  }

  loadFiles(files: IdxFiles, names: string[]): Promise<ResultOf<'data/load-files'>> {
    return this.request('data/load-files', { files, names }, [
      files.trainImages,
      files.trainLabels,
      files.testImages,
      files.testLabels,
    ]);
  }

  terminate(): void {
    this.worker.terminate();
  }
}

/**
 * How the training worker starts: each entry registers one (worker/bundled-worker.ts for the site
 * and the script-tag library; the npm package's entry its own, in the form bundlers recognise).
 */
let workerFactory: (() => Worker) | null = null;

export function setWorkerFactory(factory: () => Worker): void {
  workerFactory = factory;
}

export function createTrainingWorker(): WorkerClient {
  const factory = workerFactory;
  if (!factory) throw new Error('no training worker registered (setWorkerFactory)');
  return new WorkerClient(factory);
}
