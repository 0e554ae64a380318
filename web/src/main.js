// pulsemon's dashboard: sign-in, then the views, chosen by the URL's hash
// (#/now, #/charts, …) so that the daemon serves one page.
import { api, session, saveSession, whenSignedOut } from './api.js';
import { renderSignIn } from './signin.js';
import { renderNow } from './now.js';
import { renderCharts } from './charts.js';
import { renderHealth } from './health.js';
import { renderSettings } from './settings.js';
import { setZone, el } from './format.js';

const views = { now: renderNow, charts: renderCharts, health: renderHealth, settings: renderSettings };
const app = document.getElementById('app');
const nav = document.getElementById('nav');
const signOut = document.getElementById('sign-out');
let leaveView = () => {};

function showSignIn(message) {
  leaveView();
  leaveView = () => {};
  nav.hidden = true;
  signOut.hidden = true;
  renderSignIn(app, { message, onSignedIn: () => route() });
}

async function route() {
  const current = session();
  if (!current || (current.expires && current.expires <= Date.now())) {
    saveSession(null);
    showSignIn(current ? 'Your session has ended; please sign in again.' : '');
    return;
  }
  nav.hidden = false;
  signOut.hidden = false;
  for (const link of nav.querySelectorAll('[data-role="user"]')) link.hidden = current.role === 'viewer';
  const name = (location.hash.replace(/^#\//, '') || 'now').split('?')[0];
  const render = views[name] || renderNow;
  for (const link of nav.querySelectorAll('a')) {
    link.setAttribute('aria-current', link.getAttribute('href') === `#/${name}` ? 'page' : 'false');
  }
  leaveView();
  leaveView = () => {};
  app.replaceChildren();
  try {
    const status = await api('/api/status');
    setZone(status.zone);
    leaveView = (await render(app)) || (() => {});
  } catch (failure) {
    if (session()) app.replaceChildren(el('p', { class: 'card error', role: 'alert' }, failure.message));
  }
}

whenSignedOut((message) => showSignIn(message));
signOut.addEventListener('click', () => {
  saveSession(null);
  showSignIn('Signed out.');
});
window.addEventListener('hashchange', route);
route();
