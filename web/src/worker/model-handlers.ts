// The worker's model and training requests: configure, reset, save, export, load (a model file or
// weights from elsewhere), the pretrained model, a hand-made filter, hyper-parameters, and
// start / pause / step / evaluate, which the scheduler carries out.
import { ctx, codeOf, need, post, unwrap, UserError, type Handlers } from './engine';
import {
  finishedAllEpochs,
  fullEvaluation,
  postStep,
  readSpecCounts,
  resetCounters,
  run,
  runLoop,
  setState,
} from './scheduler';

export const modelHandlers: Handlers<
  | 'model/configure'
  | 'model/reset'
  | 'model/save'
  | 'model/export-onnx'
  | 'model/set-filter'
  | 'model/load'
  | 'pretrained/load'
  | 'hparams/set'
  | 'train/start'
  | 'train/pause'
  | 'train/step'
  | 'eval/run'
> = {
  'model/configure'(req) {
    const t = need();
    if (run.state === 'running') run.state = 'paused';
    const summary = unwrap(t.configure(req.spec));
    readSpecCounts();
    run.stepsPerEpoch = 0;
    resetCounters();
    setState('idle');
    return { summary, spec: t.specJson() };
  },

  'model/reset'(req) {
    const t = need();
    if (run.state === 'running') run.state = 'paused';
    unwrap(t.reset(req.seed ?? -1));
    resetCounters();
    setState('idle');
    return { summary: unwrap(t.summary()) };
  },

  'model/save'(req) {
    const t = need();
    const bytes = unwrap(req.weightsOnly ? t.saveWeights() : t.save()).bytes;
    return { bytes: bytes.buffer as ArrayBuffer, step: t.step() };
  },

  'model/export-onnx'() {
    const t = need();
    const bytes = unwrap(t.exportOnnx()).bytes;
    return { bytes: bytes.buffer as ArrayBuffer, step: t.step() };
  },

  'model/set-filter'(req) {
    const t = need();
    const layers = unwrap(t.summary()).layers;
    const L = req.layer < 0 ? (layers.find((l) => l.type === 'conv2d')?.index ?? -1) : req.layer;
    if (L < 0) throw new UserError('the current model has no conv2d layer');
    const p = unwrap(t.setConvFilter(L, req.filter, req.kernel, req.kh, req.kw));
    return {
      layer: p.layer,
      layerName: layers[L].name,
      filter: req.filter,
      layerKh: p.layerKh,
      layerKw: p.layerKw,
      offsetY: p.offsetY,
      offsetX: p.offsetX,
    };
  },

  'model/load'(req) {
    const t = need();
    const bytes = new Uint8Array(req.bytes);
    let summary;
    let weightsOnly = false;
    try {
      summary = unwrap(t.load(bytes, req.name));
    } catch (e) {
      // A file without our spec (weights from elsewhere) goes into the current model if it fits.
      if (codeOf(e) !== 'no-spec') throw e;
      unwrap(t.importWeights(bytes, req.name));
      summary = unwrap(t.summary());
      weightsOnly = true;
    }
    if (run.state === 'running') run.state = 'paused';
    readSpecCounts();
    resetCounters();
    run.stepsPerEpoch = 0;
    setState(t.step() > 0 || weightsOnly ? 'paused' : 'idle');
    return { summary, spec: t.specJson(), step: t.step(), weightsOnly };
  },

  async 'pretrained/load'(req) {
    const res = await fetch(req.url);
    if (!res.ok)
      throw new UserError(
        `the pretrained model could not be downloaded (HTTP ${res.status})`,
        'download',
      );
    const bytes = new Uint8Array(await res.arrayBuffer());
    const p = new ctx.cnn!.Trainer();
    try {
      const summary = unwrap(p.load(bytes, 'the pretrained model'));
      ctx.pretrained?.delete();
      ctx.pretrained = p;
      return { summary };
    } catch (e) {
      p.delete();
      throw e;
    }
  },

  'hparams/set'(req) {
    const t = need();
    unwrap(t.setHyperparameters(req.hparams));
    if (req.hparams.epochs !== undefined) run.epochs = req.hparams.epochs;
    if (req.hparams.batchSize !== undefined) {
      run.batchSize = req.hparams.batchSize;
      run.stepsPerEpoch = 0; // re-learnt from the next chunk
    }
    return {};
  },

  'train/start'() {
    need();
    if (!ctx.dataInfo) throw new UserError('load a data set before training', 'state');
    if (run.state === 'running') return {};
    if (finishedAllEpochs())
      throw new UserError(
        `all ${run.epochs} epochs are done: raise Epochs to train further, or Reset`,
        'state',
      );
    setState('running');
    void runLoop();
    return {};
  },

  'train/pause'() {
    if (run.state === 'running') setState('paused');
    return {};
  },

  'train/step'() {
    const t = need();
    if (!ctx.dataInfo) throw new UserError('load a data set before training', 'state');
    if (run.state === 'running') setState('paused');
    const r = unwrap(t.trainSteps(1));
    postStep(r);
    if (run.state === 'idle') setState('paused');
    else post({ type: 'train/state', state: run.state, step: t.step(), epochs: run.epochs });
    return {};
  },

  'eval/run'() {
    const t = need();
    if (!ctx.dataInfo) throw new UserError('load a data set before evaluating', 'state');
    fullEvaluation(run.stepsPerEpoch > 0 ? t.step() / run.stepsPerEpoch : 0);
    return {};
  },
};
