// pulsemon's dashboard: sign-in, then the views, chosen by the URL's hash
// (#/home, #/charts, …) so that the daemon serves one page.
import { api, session, saveSession, whenSignedOut, chosenSite, chooseSite, useDisplayLink } from './api.js';
import { renderSignIn } from './signin.js';
import { renderNow } from './now.js';
import { renderHome } from './home.js';
import { renderCharts } from './charts.js';
import { renderHealth } from './health.js';
import { renderSettings } from './settings.js';
import { renderSites } from './sites.js';
import { renderFriends } from './friends.js';
import { renderShared } from './shared.js';
import { setCurrency, setZone, el } from './format.js';

const views = { home: renderHome, now: renderNow, charts: renderCharts, health: renderHealth, settings: renderSettings, sites: renderSites, friends: renderFriends };
const titles = { home: 'Home', now: 'Now', charts: 'Charts', health: 'Health', settings: 'Settings', sites: 'Sites', friends: 'Friends' };
const app = document.getElementById('app');
const nav = document.getElementById('nav');
const signOut = document.getElementById('sign-out');
const siteSwitch = document.getElementById('site-switch');
let leaveView = () => {};
let routing = 0; // how many times route() began
let failedInARow = 0; // views that could not be drawn, for the retry's pause

function showSignIn(message) {
  leaveView();
  leaveView = () => {};
  nav.hidden = true;
  signOut.hidden = true;
  siteSwitch.hidden = true;
  chooseSite(null);
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
  const asked = (location.hash.replace(/^#\//, '') || 'home').split('?')[0];
  const name = asked in views ? asked : 'home';
  const render = views[name];
  for (const link of nav.querySelectorAll('a')) {
    link.setAttribute('aria-current', link.getAttribute('href') === `#/${name}` ? 'page' : 'false');
  }
  leaveView();
  leaveView = () => {};
  // Each view draws into a box of its own: a view still loading when the
  // user moves on finishes into its detached box and is then left at once.
  const turn = ++routing;
  const box = el('div', { class: 'view' });
  // One heading per view, focused once drawn, so a screen reader or a
  // keyboard starts at the new view after sign-in and every move.
  const heading = el('h1', { class: 'view-title', tabindex: '-1' }, titles[name]);
  app.replaceChildren(heading, box);
  try {
    const [status, sites] = await Promise.all([api('/api/status'), api('/api/sites')]);
    setZone(status.zone);
    setCurrency(status.currency);
    showSites(sites);
    const leave = (await render(box)) || (() => {});
    failedInARow = 0;
    if (turn === routing) {
      leaveView = leave;
      heading.focus({ preventScroll: true });
    } else {
      leave();
    }
  } catch (failure) {
    if (!session() || turn !== routing) return;
    // The daemon may be restarting or the network down: the view tries
    // again by itself, sooner at first, at most every 30 s.
    const seconds = Math.min(2 ** failedInARow, 30);
    failedInARow += 1;
    box.replaceChildren(el('p', { class: 'card error', role: 'alert', 'data-testid': 'view-error' },
      `${failure.message} — trying again in ${seconds} s.`));
    setTimeout(() => { if (turn === routing) route(); }, seconds * 1000);
  }
}

// A user in several sites switches between them; an operator gets the
// Sites view (every site's data quality and billing periods).
function showSites(sites) {
  const mine = sites.sites.filter((site) => site.role);
  nav.querySelector('[data-role="operator"]').hidden = !sites.operator;
  if (mine.length < 2) {
    chooseSite(null);
    siteSwitch.hidden = true;
    return;
  }
  if (!mine.some((site) => site.id === chosenSite())) chooseSite(mine[0].id);
  const select = siteSwitch.querySelector('select');
  select.replaceChildren(...mine.map((site) => el('option', { value: String(site.id), selected: site.id === chosenSite() }, site.name)));
  siteSwitch.hidden = false;
}

siteSwitch.querySelector('select').addEventListener('change', (event) => {
  chooseSite(Number(event.target.value));
  route();
});

// A display link (/display/TOKEN): Home of its meters, live, read-only,
// without a sign-in or any other view; when the link is revoked the page
// says so and draws nothing more.
async function showDisplay(token) {
  useDisplayLink(token);
  let leave = () => {};
  const gone = (message) => {
    leave();
    app.replaceChildren(el('p', { class: 'card error', role: 'alert', 'data-testid': 'display-gone' }, message));
  };
  whenSignedOut(() => gone('This display link no longer opens anything: it was revoked or has expired.'));
  const box = el('div', { class: 'view' });
  app.replaceChildren(el('h1', { class: 'view-title' }, 'Home'), box);
  try {
    const status = await api('/api/status');
    setZone(status.zone);
    setCurrency(status.currency);
    leave = (await renderHome(box)) || (() => {});
  } catch (failure) {
    gone(failure.status === 401 ? 'This display link no longer opens anything: it was revoked or has expired.'
      : `${failure.message}`);
  }
}

const [, kind, token] = location.pathname.match(/^\/(share|display)\/([^/]+)$/) || [];
if (kind === 'share') {
  renderShared(app, decodeURIComponent(token));
} else if (kind === 'display') {
  showDisplay(decodeURIComponent(token));
} else {
  whenSignedOut((message) => showSignIn(message));
  signOut.addEventListener('click', () => {
    saveSession(null);
    showSignIn('Signed out.');
  });
  window.addEventListener('hashchange', route);
  route();
}
