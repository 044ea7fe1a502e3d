// Entry point of the playground page: registers the custom elements. The page itself is one
// <cnn-playground sync-url> in index.html; `?embed=1` (the page inside a tutorial's iframe) makes
// it compact, with a link out to the full page. Only the full page registers the service worker
// that keeps it offline (an iframe is someone else's page).
import './worker/bundled-worker';
import './ui/cnn-playground';
import { registerOfflineShell } from './offline/register';

if (new URLSearchParams(location.search).get('embed') === '1') {
  document.documentElement.classList.add('embed');
  document.querySelector('cnn-playground')?.setAttribute('embed', '');
} else {
  registerOfflineShell();
}
