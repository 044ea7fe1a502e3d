// The worker's views into the network: feature maps for a test digit or a drawing, why it reads
// it so (saliency, Grad-CAM, occlusion), the filters,
// every layer's statistics, one conv layer with its input for the explainer, single convolutions
// and poolings on explicit numbers, and the digit pad's prediction.
import type { WasmLayerStats, WasmTensorStats, WasmTrainer } from '../wasm/cnn.js';
import { ctx, need, unwrap, UserError, engine, type Handlers } from './engine';
import type { FeatureMap, FilterTensor, InspectInput, LayerStats, PadModel } from './protocol';

export const inspectHandlers: Handlers<
  | 'inspect/activations'
  | 'inspect/explain'
  | 'inspect/filters'
  | 'inspect/stats'
  | 'inspect/layer-conv'
  | 'conv/apply'
  | 'conv/pool'
  | 'digit/predict'
  | 'digit/predict-photo'
> = {
  'inspect/activations'(req) {
    const { t, image, label } = modelAndImage(req);
    const probabilities = Array.from(unwrap(t.predict(image)).probabilities);
    return {
      layers: featureMaps(t),
      probabilities,
      label,
      model: t === ctx.pretrained ? 'pretrained' : 'current',
    };
  },

  'inspect/explain'(req) {
    const started = performance.now();
    const { t, image, label } = modelAndImage(req);
    const e = unwrap(t.explain(image));
    return {
      ...e,
      probabilities: Array.from(e.probabilities),
      image,
      label,
      model: t === ctx.pretrained ? 'pretrained' : 'current',
      ms: performance.now() - started,
    };
  },

  'inspect/filters'() {
    const t = need();
    const summary = unwrap(t.summary());
    const layers: FilterTensor[] = [];
    const lastDense = summary.layers.map((l) => l.type).lastIndexOf('dense');
    for (const l of summary.layers) {
      if (l.type !== 'conv2d' && !(l.type === 'dense' && l.index === lastDense)) continue;
      const kernel = unwrap(t.weights(l.index)).find(
        (w) => w.shape.length === (l.type === 'conv2d' ? 4 : 2),
      );
      if (!kernel) continue;
      const prev = l.index > 0 ? summary.layers[l.index - 1].output : summary.input;
      layers.push({
        index: l.index,
        name: kernel.name,
        type: l.type,
        shape: kernel.shape,
        data: kernel.data,
        inputShape: l.type === 'dense' && prev.length === 3 ? prev : null,
      });
    }
    return { layers };
  },

  'inspect/stats'() {
    const t = need();
    const n = unwrap(t.summary()).layers.length;
    const layers = [];
    for (let i = 0; i < n; i++) layers.push(unwrap(t.layerStats(i)));
    return { layers: layers.map(toLayerStats) };
  },

  'inspect/layer-conv'(req) {
    const t = need();
    const summary = unwrap(t.summary());
    const convLayers = summary.layers
      .filter((l) => l.type === 'conv2d')
      .map((l) => ({ index: l.index, name: l.name }));
    if (!convLayers.length) throw new UserError('the current model has no conv2d layer');
    const L = req.layer < 0 ? convLayers[0].index : req.layer;
    if (!convLayers.some((l) => l.index === L))
      throw new UserError(`layer ${L} is not a conv2d layer`);
    let image: Float32Array;
    let label: number | null = null;
    if (req.input.kind === 'test') {
      const r = unwrap(t.testImage(req.input.index));
      image = r.image;
      label = r.label;
    } else {
      image = req.input.image;
    }
    unwrap(t.predict(image));
    const input = unwrap(t.activation(L - 1));
    const output = unwrap(t.activation(L));
    const weights = unwrap(t.weights(L));
    const kernel = weights.find((w) => w.shape.length === 4)!;
    const bias = weights.find((w) => w.shape.length === 1) ?? null;
    const win = unwrap(t.layerWindow(L)); // the strides and the padding the layer really uses
    return {
      layer: L,
      name: summary.layers[L].name,
      inputShape: input.shape,
      input: input.data,
      kernelShape: kernel.shape,
      kernel: kernel.data,
      bias: bias ? bias.data : null,
      strideH: win.strideH,
      strideW: win.strideW,
      padding: win.padding,
      padTop: win.padTop,
      padLeft: win.padLeft,
      padBottom: win.padBottom,
      padRight: win.padRight,
      activation: win.activation,
      outputShape: output.shape,
      output: output.data,
      label,
      convLayers,
    };
  },

  async 'conv/apply'(req) {
    ctx.cnn = await engine();
    return unwrap(ctx.cnn.conv2d(req)); // the binding reads the named fields only
  },

  async 'conv/pool'(req) {
    ctx.cnn = await engine();
    return unwrap(ctx.cnn.pool2d(req));
  },

  'digit/predict'(req) {
    const started = performance.now();
    const image = unwrap(ctx.cnn!.preprocessDigit(req.gray, req.height, req.width)).image;
    // The pad reads with the network being trained once it has learnt something.
    const t = ctx.trainer && ctx.trainer.step() > 0 ? ctx.trainer : (ctx.pretrained ?? need());
    const probabilities = Array.from(unwrap(t.predict(image)).probabilities);
    const layers = req.withMaps ? featureMaps(t) : [];
    return {
      image,
      probabilities,
      model: t === ctx.pretrained ? 'pretrained' : 'current',
      ms: performance.now() - started,
      layers,
    };
  },

  'digit/predict-photo'(req) {
    const started = performance.now();
    const image = unwrap(ctx.cnn!.preprocessPhoto(req.gray, req.height, req.width, req.name)).image;
    const t = ctx.trainer && ctx.trainer.step() > 0 ? ctx.trainer : (ctx.pretrained ?? need());
    const probabilities = Array.from(unwrap(t.predict(image)).probabilities);
    return {
      image,
      probabilities,
      model: t === ctx.pretrained ? 'pretrained' : 'current',
      ms: performance.now() - started,
    };
  },
};

/** Every layer's output for the last single-image forward pass, the input first. */
/** The model a view asks about (the pretrained one when asked and loaded) and its input image. */
function modelAndImage(req: { input: InspectInput; model?: PadModel }): {
  t: WasmTrainer;
  image: Float32Array;
  label: number | null;
} {
  const t = req.model === 'pretrained' && ctx.pretrained ? ctx.pretrained : need();
  if (req.input.kind !== 'test') return { t, image: req.input.image, label: null };
  const r = unwrap(need().testImage(req.input.index));
  return { t, image: r.image, label: r.label };
}

function featureMaps(t: WasmTrainer): FeatureMap[] {
  const summary = unwrap(t.summary());
  const out: FeatureMap[] = [];
  for (let i = -1; i < summary.layers.length; i++) {
    const a = unwrap(t.activation(i));
    const l = i >= 0 ? summary.layers[i] : null;
    out.push({
      index: i,
      name: l ? l.name : 'input',
      type: l ? l.type : 'input',
      shape: a.shape,
      data: a.data,
    });
  }
  return out;
}

function toLayerStats(s: WasmLayerStats): LayerStats {
  const t = (x: WasmTensorStats) => ({ ...x, histogram: Array.from(x.histogram) });
  return { ...s, weights: t(s.weights), gradients: t(s.gradients), activations: t(s.activations) };
}
