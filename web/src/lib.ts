// The embeddable library (`npm run build:lib` -> build-lib/cnn-playground.js): one ES module that
// defines the custom elements, each usable alone in a plain HTML page with one script tag:
//   <cnn-playground>       the whole playground (attributes lesson, sync-url, assets)
//   <cnn-conv-explainer>   one convolution step by step (preset, input-size, kernel-size, ...)
//   <cnn-digit-pad>        draw a digit, read by the pretrained network
//   <cnn-feature-maps>     every layer's maps for a test digit or a linked pad's drawing
//   <cnn-kernel-playground> a 3x3 kernel on an MNIST digit
// Elements alone share one worker per page (ui/standalone.ts). Not the playground site's entry
// (main.ts is).
import './lib-assets';
import './worker/bundled-worker';
export * from './elements';
