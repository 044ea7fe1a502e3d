// Shared by the benchmark workers: fetching the MNIST files and reporting back to the page.
export async function fetchMnist() {
  const get = async (f) => {
    const r = await fetch(`/mnist/${f}`);
    if (!r.ok) throw new Error(`fetch /mnist/${f}: ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    get('train-images-idx3-ubyte'),
    get('train-labels-idx1-ubyte'),
    get('t10k-images-idx3-ubyte'),
    get('t10k-labels-idx1-ubyte'),
  ]);
  return { trainImages, trainLabels, testImages, testLabels };
}
export const log = (message) =>
  self.postMessage({ type: 'log', message: `  [chromium] ${message}` });
export const browserEnv = () => ({
  userAgent: navigator.userAgent,
  hardwareConcurrency: navigator.hardwareConcurrency,
  crossOriginIsolated: self.crossOriginIsolated,
  sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
});
export async function handle(run) {
  try {
    self.postMessage({ type: 'result', result: await run() });
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e?.stack ?? e?.message ?? e) });
  }
}
