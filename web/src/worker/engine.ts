// What every part of the training worker shares: the engine (the bundled single-threaded wasm
// module, or the threaded one when the page is cross-origin isolated), the Trainer, the shipped
// pretrained model and the data in use; posting to the page; and errors as one sentence with the
// code the page decides by.
import createCnnModule from '../wasm/cnn.js';
import type { CnnModule, Result, WasmTrainer } from '../wasm/cnn.js';
import type { TestSet } from './eval-report';
import type {
  DataInfo,
  ErrorCode,
  FromWorker,
  RequestOf,
  RequestType,
  ResultOf,
  ThreadInfo,
} from './protocol';

export type Handler<T extends RequestType> = (
  req: RequestOf<T>,
) => Promise<ResultOf<T>> | ResultOf<T>;
/** The handlers of some request types; worker.ts joins them into one for every type. */
export type Handlers<K extends RequestType> = { [T in K]: Handler<T> };

export const ctx = {
  /** The engine, loaded by the first request (init, normally). */
  modulePromise: null as Promise<CnnModule> | null,
  /** Why the engine is single-threaded (shown in the training panel). */
  threadNote: 'page not cross-origin isolated',
  cnn: null as CnnModule | null,
  trainer: null as WasmTrainer | null,
  /** The shipped model, for the digit pad until training starts. */
  pretrained: null as WasmTrainer | null,
  /** The raw IDX test files, for galleries. */
  testSet: null as TestSet | null,
  dataInfo: null as DataInfo | null,
};

// Resolves when init has made the trainer: the MNIST download starts before that, beside the engine's.
let initialized: () => void = () => {};
export const trainerMade = new Promise<void>((resolve) => (initialized = resolve));
export function trainerIsMade(): void {
  initialized();
}

export function post(msg: FromWorker, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(msg, transfer);
}

/** An error with a sentence for the user and the code the page decides by. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode = 'invalid',
    readonly layer?: number,
  ) {
    super(message);
  }
}

export function codeOf(e: unknown): ErrorCode {
  return e instanceof UserError ? e.code : 'internal';
}

export function engine(): Promise<CnnModule> {
  return (ctx.modulePromise ??= createCnnModule());
}

export async function loadEngine(threadedModule?: string): Promise<CnnModule> {
  if (ctx.modulePromise) return ctx.modulePromise;
  const isolated =
    (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = navigator.hardwareConcurrency ?? 1;
  if (!threadedModule) ctx.threadNote = 'this page offers no threaded engine';
  else if (!isolated) ctx.threadNote = 'page not cross-origin isolated';
  else if (cores < 2) ctx.threadNote = 'one core';
  else {
    ctx.modulePromise = (async () => {
      // Served as it was built (Vite would break its pthread workers), so imported by URL.
      const mod = (await import(/* @vite-ignore */ threadedModule)) as {
        default: typeof createCnnModule;
      };
      const m = await mod.default();
      ctx.threadNote = '';
      m.setThreads(m.hardwareThreads());
      return m;
    })().catch((e: unknown) => {
      ctx.threadNote = `the threaded engine failed to load (${e instanceof Error ? e.message : String(e)})`;
      return createCnnModule();
    });
  }
  return engine();
}

export function threadInfo(m: CnnModule): ThreadInfo {
  return {
    threads: m.threads(),
    max: m.hardwareThreads(),
    why: m.hardwareThreads() > 1 ? '' : ctx.threadNote,
  };
}

export function unwrap<T>(r: Result<T>): T {
  if (r && typeof r === 'object' && 'error' in r) {
    const e = r as { error: string; code?: ErrorCode; layer?: number };
    throw new UserError(e.error, e.code ?? 'internal', e.layer);
  }
  return r as T;
}

export function need(): WasmTrainer {
  if (!ctx.trainer) throw new UserError('the model is not ready yet', 'state');
  return ctx.trainer;
}
