// The training worker: owns the wasm module (loaded once), one Trainer and the data, and answers
// the page's requests (protocol.ts) by type: the engine's own here, the data's, the model's and
// training's, and the views'. It does no math itself: everything numeric is the core's, through
// the Embind Trainer; the scheduler trains in chunks and yields between them.
import { dataHandlers } from './data-handlers';
import {
  ctx,
  codeOf,
  engine,
  loadEngine,
  post,
  threadInfo,
  trainerIsMade,
  unwrap,
  UserError,
  type Handler,
  type Handlers,
} from './engine';
import { inspectHandlers } from './inspect-handlers';
import { modelHandlers } from './model-handlers';
import {
  PROTOCOL_VERSION,
  protocolMismatch,
  type FeatureMap,
  type RequestOf,
  type RequestType,
  type ResultOf,
  type ToWorker,
} from './protocol';

// 'debug/crash' with `during`: the request type that makes this worker throw instead of replying.
let crashDuring: RequestType | null = null;

export const engineHandlers: Handlers<'init' | 'engine/threads' | 'engine/memory' | 'debug/crash'> =
  {
    async init(req) {
      ctx.cnn = await loadEngine(req.threadedModule);
      ctx.trainer ??= new ctx.cnn.Trainer();
      trainerIsMade();
      const presets: Record<string, string> = {};
      for (const name of ctx.cnn.presetNames()) presets[name] = unwrap(ctx.cnn.preset(name)).json;
      return {
        version: PROTOCOL_VERSION,
        presets,
        variant: 'wasmsimd',
        threads: threadInfo(ctx.cnn),
      };
    },

    async 'engine/threads'(req) {
      ctx.cnn = await engine();
      const max = ctx.cnn.hardwareThreads();
      if (!Number.isInteger(req.threads) || req.threads < 1 || req.threads > max)
        throw new UserError(
          max > 1
            ? `threads must be a whole number from 1 to ${max}`
            : `this engine runs on one thread (${ctx.threadNote})`,
        );
      ctx.cnn.setThreads(req.threads);
      return threadInfo(ctx.cnn);
    },

    async 'engine/memory'() {
      ctx.cnn = await engine();
      return ctx.cnn.heapBytes();
    },

    'debug/crash'(req) {
      if (req.during) {
        crashDuring = req.during;
        return {};
      }
      crash();
      return {};
    },
  };

const handlers: Handlers<RequestType> = {
  ...engineHandlers,
  ...dataHandlers,
  ...modelHandlers,
  ...inspectHandlers,
};

/** A real uncaught error in the worker's event loop, as a wasm trap would give. */
function crash(): void {
  setTimeout(() => {
    throw new Error('simulated worker crash');
  });
}

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const req = ev.data;
  try {
    // A page and a worker of different versions (a stale copy of either in the browser's cache)
    // would misread each other's messages: refuse everything, with the one sentence that helps.
    if (req.protocol !== PROTOCOL_VERSION)
      throw new UserError(protocolMismatch(req.protocol, PROTOCOL_VERSION), 'protocol');
    if (crashDuring === req.type) {
      crashDuring = null;
      crash();
      return;
    }
    const handler = handlers[req.type] as Handler<RequestType>;
    if (!handler)
      throw new UserError(`unknown request "${(req as { type: string }).type}"`, 'protocol');
    if (req.type !== 'init' && req.type !== 'data/load-mnist') await engine();
    const result = await handler(req as RequestOf<RequestType>);
    const transfer: Transferable[] = [];
    if (req.type === 'model/save' || req.type === 'model/export-onnx')
      transfer.push((result as ResultOf<'model/save'>).bytes);
    if (req.type === 'inspect/activations' || req.type === 'digit/predict')
      for (const m of (result as { layers: FeatureMap[] }).layers) transfer.push(m.data.buffer);
    if (req.type === 'inspect/explain') {
      const e = result as ResultOf<'inspect/explain'>;
      transfer.push(e.saliency.buffer, e.gradCam.buffer, e.occlusion.buffer);
    }
    if (req.type === 'inspect/filters')
      for (const f of (result as ResultOf<'inspect/filters'>).layers) transfer.push(f.data.buffer);
    post({ type: 'reply', id: req.id, ok: true, result }, transfer);
  } catch (e) {
    const layer = e instanceof UserError ? e.layer : undefined;
    post({
      type: 'reply',
      id: req.id,
      ok: false,
      error: e instanceof Error ? e.message : String(e),
      code: codeOf(e),
      layer,
    });
  }
};
