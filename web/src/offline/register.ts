// Registers the playground's service worker (sw.js beside the page, made by the site's build), so
// the page opens and trains offline after the first visit, and tells the learner where the page
// stands in one line at the bottom of the window (#offline-status in index.html): being saved,
// saved, running offline, or a new version out. Called by the playground page alone: never by
// the library's elements or by the page in `?embed=1` mode, which run inside other people's pages
// and must not install a service worker on their behalf.
//
// A new version: the service worker gives an online page the network's build (network first), so
// a reload is all it takes to use it; the new service worker itself waits until no page of the old
// build is open (web/src/offline/service-worker.ts). An open page asks the browser for a new
// service worker when it becomes visible again, at most every half hour.

export type OfflineState = 'saving' | 'saved' | 'offline' | 'update' | 'failed';

const UPDATE_CHECK_MS = 30 * 60_000;
/** How long "Saved for offline use" stays on screen; the other states stay while they hold. */
const SAVED_SHOWN_MS = 8_000;

function statusLine(): HTMLElement | null {
  return document.getElementById('offline-status');
}

/** Shows one state in the status line (data-state keeps it for scripts and tests). */
function show(state: OfflineState, text: string, action?: { label: string; run: () => void }) {
  const line = statusLine();
  if (!line) return;
  line.dataset.state = state;
  line.replaceChildren(text);
  if (action) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = action.label;
    button.addEventListener('click', action.run);
    line.append(' ', button);
  }
  if (state === 'saved')
    setTimeout(() => {
      if (line.dataset.state === 'saved') line.replaceChildren();
    }, SAVED_SHOWN_MS);
}

function clear() {
  const line = statusLine();
  if (line && line.dataset.state === 'offline') {
    line.dataset.state = 'saved';
    line.replaceChildren();
  }
}

/** Resolves once `worker` is installed (true) or has failed (false). */
function installed(worker: ServiceWorker): Promise<boolean> {
  return new Promise((done) => {
    const check = () => {
      if (worker.state === 'installed' || worker.state === 'activated') done(true);
      else if (worker.state === 'redundant') done(false);
      else return;
      worker.removeEventListener('statechange', check);
    };
    worker.addEventListener('statechange', check);
    check();
  });
}

function watch(reg: ServiceWorkerRegistration) {
  const controlled = () => navigator.serviceWorker.controller !== null;
  const offline = () =>
    show('offline', 'Offline: the playground runs from the copy saved in this browser.');
  if (!navigator.onLine && controlled()) offline();
  addEventListener('offline', () => {
    if (controlled() && statusLine()?.dataset.state !== 'update') offline();
  });
  addEventListener('online', clear);

  // First visit: the shell is being saved. A worker that was already waiting when the page loaded
  // is not news (this page may well be of its build), so only workers found from now on count.
  const first = reg.installing && !controlled() ? reg.installing : null;
  if (first) {
    show('saving', 'Saving the playground for offline use…');
    void installed(first).then((ok) =>
      ok
        ? show('saved', 'Saved for offline use: this page now opens and trains without a network.')
        : show('failed', 'The page could not be saved for offline use; it works on online.'),
    );
  }
  reg.addEventListener('updatefound', () => {
    const worker = reg.installing;
    if (!worker || worker === first || !controlled()) return;
    void installed(worker).then((ok) => {
      if (ok)
        show('update', 'A new version of the playground is out.', {
          label: 'Reload to use it',
          run: () => location.reload(),
        });
    });
  });

  let lastCheck = Date.now();
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible' || Date.now() - lastCheck < UPDATE_CHECK_MS) return;
    lastCheck = Date.now();
    reg.update().catch(() => undefined); // offline, or the server is away: next time
  });
}

/** Registers sw.js once the page has loaded (its own downloads go first). No-op in `npm run dev`. */
export function registerOfflineShell(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const register = () => {
    navigator.serviceWorker
      .register(new URL('sw.js', document.baseURI))
      .then(watch, (e: unknown) => {
        // Only the offline copy is lost (private window, storage refused): the page works on.
        const why = e instanceof Error ? e.message : String(e);
        console.warn(`The page will not work offline: ${why}`);
        show('failed', 'This browser does not let the page keep a copy for offline use.');
      });
  };
  if (document.readyState === 'complete') register();
  else addEventListener('load', register, { once: true });
}
