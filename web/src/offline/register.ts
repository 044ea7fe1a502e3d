// Registers the playground's service worker (sw.js beside the page, made by the site's build), so
// the page opens and trains offline after the first visit. Called by the playground page alone:
// never by the library's elements or by the page in `?embed=1` mode, which run inside other
// people's pages and must not install a service worker on their behalf.

/** Registers sw.js once the page has loaded (its own downloads go first). No-op in `npm run dev`. */
export function registerOfflineShell(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const register = () => {
    navigator.serviceWorker.register(new URL('sw.js', document.baseURI)).catch((e: unknown) => {
      // Only the offline copy is lost (private window, storage refused): the page works on.
      console.warn(`The page will not work offline: ${e instanceof Error ? e.message : String(e)}`);
    });
  };
  if (document.readyState === 'complete') register();
  else addEventListener('load', register, { once: true });
}
