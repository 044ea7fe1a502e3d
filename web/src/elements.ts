// The custom elements every library entry exports (lib.ts for the script tag, package.ts for npm);
// importing this defines them. No worker or asset folder here: each entry sets its own.
export { setAssetBase } from './assets';
export { CnnPlayground } from './ui/cnn-playground';
export { ConvExplainer } from './ui/conv-explainer';
export { DigitPad, type DigitDrawnDetail } from './ui/digit-pad-reader';
export { FeatureMaps } from './ui/feature-maps-reader';
export { KernelPlayground } from './ui/kernel-playground';
