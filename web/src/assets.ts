// Where the site's assets (data/mnist/*.gz, models/pretrained.safetensors) live: the element's
// `assets` attribute if it has one, else the default base (the library build sets it to its own
// folder), else the document's base URL (the playground page).
let defaultBase: string | null = null;
/**
 * Where each asset went when a bundler renamed them (the npm package in an app's build): path as
 * under the asset folder ('data/mnist/manifest.json') -> URL. Used by elements without `assets`.
 */
let defaultFiles: Record<string, string> | null = null;

export function setAssetBase(base: string): void {
  defaultBase = base;
}

export function setAssetFiles(files: Record<string, string>): void {
  defaultFiles = files;
}

/**
 * The URLs of the files under `dir` ('data/mnist/') by name, when a bundler renamed them; null
 * when they sit in one folder (resolve them against assetUrl(dir) then).
 */
export function assetFiles(dir: string, el?: Element | null): Record<string, string> | null {
  if (!defaultFiles || el?.getAttribute('assets')) return null;
  const files: Record<string, string> = {};
  for (const [path, url] of Object.entries(defaultFiles))
    if (path.startsWith(dir)) files[path.slice(dir.length)] = url;
  return files;
}

export function assetUrl(path: string, el?: Element | null): string {
  const own = el?.getAttribute('assets');
  if (!own && defaultFiles?.[path]) return defaultFiles[path];
  // The attribute names a folder: "../lib" means "../lib/", not the file "lib" in "../".
  const base = own
    ? new URL(own.endsWith('/') ? own : own + '/', document.baseURI).href
    : (defaultBase ?? document.baseURI);
  return new URL(path, base).href;
}

/**
 * The threaded engine (wasm-mt/cnn.js beside the page), offered only by the playground page
 * itself: the library's elements (script tag or npm package) run on other sites, which are rarely
 * cross-origin isolated and do not serve it.
 */
export function threadedModuleUrl(): string | undefined {
  return defaultBase === null && defaultFiles === null
    ? new URL('wasm-mt/cnn.js', document.baseURI).href
    : undefined;
}
