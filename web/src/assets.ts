// Where the site's assets (data/mnist/*.gz, models/pretrained.safetensors) live: the element's
// `assets` attribute if it has one, else the default base (the library build sets it to its own
// folder), else the document's base URL (the playground page).
let defaultBase: string | null = null;

export function setAssetBase(base: string): void {
  defaultBase = base;
}

export function assetUrl(path: string, el?: Element | null): string {
  const own = el?.getAttribute('assets');
  // The attribute names a folder: "../lib" means "../lib/", not the file "lib" in "../".
  const base = own ? new URL(own.endsWith('/') ? own : own + '/', document.baseURI).href : defaultBase ?? document.baseURI;
  return new URL(path, base).href;
}

/**
 * The threaded engine (wasm-mt/cnn.js beside the page), offered only by the playground page
 * itself: the library's elements run on other sites, which are rarely cross-origin isolated.
 */
export function threadedModuleUrl(): string | undefined {
  return defaultBase === null ? new URL('wasm-mt/cnn.js', document.baseURI).href : undefined;
}
