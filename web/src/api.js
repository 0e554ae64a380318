// Talking to pulsemon's API: the token from /api/login travels in the
// Authorization header (never a cookie, so no request can be forged from
// another site), kept in sessionStorage so that it ends with the tab.

const KEY = 'pulsemon.session';

// A display link's page (/display/TOKEN) calls the API with the link's
// token instead of a signed-in user's: read-only, its chosen meters only.
let display = null;
export function useDisplayLink(token) {
  display = { token: `pmd_${token}`, user: 'display', role: 'display' };
}
export function isDisplay() {
  return display !== null;
}

export function session() {
  if (display) return display;
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

export function saveSession(value) {
  if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
  else sessionStorage.removeItem(KEY);
}

// The site whose meters the views show, for a user in several (core/site.h):
// kept per tab with the session. Null: every meter the user sees.
const SITE_KEY = 'pulsemon.site';
export function chosenSite() {
  const value = Number(sessionStorage.getItem(SITE_KEY));
  return Number.isInteger(value) && value > 0 ? value : null;
}
export function chooseSite(id) {
  if (id) sessionStorage.setItem(SITE_KEY, String(id));
  else sessionStorage.removeItem(SITE_KEY);
}

// An answer the API refused: its status and message ({"error":{message}}).
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let onSignedOut = () => {};
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

// The token no longer works (expired, or the user was changed): forget it
// and show the sign-in.
export function endSession() {
  saveSession(null);
  onSignedOut('Your session has ended; please sign in again.');
}

// A call of the API: the JSON answer, or with `accept` another type (CSV)
// as a Blob. A failure throws ApiError with the API's message.
export async function api(path, { method = 'GET', body, signal, accept = 'application/json' } = {}) {
  const headers = { Accept: accept };
  const current = session();
  if (current) headers.Authorization = `Bearer ${current.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (failure) {
    if (failure.name === 'AbortError') throw failure;
    // The browser's own words ("Failed to fetch") say nothing to a household.
    throw new ApiError(0, 'unreachable', 'pulsemon cannot be reached (is it running? is this device on the network?)');
  }
  if (response.ok && accept !== 'application/json') return response.blob();
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    // {"error":{code,message}}, or the legacy login's {"status","message"}.
    const error = data && data.error ? data.error : { message: data && data.message };
    if (response.status === 401 && current) endSession();
    throw new ApiError(response.status, error.code || 'http', error.message || `HTTP ${response.status}`);
  }
  // Every view lists meters through here: a user in several sites sees the
  // chosen one's.
  const site = chosenSite();
  if (site && path === '/api/meters' && Array.isArray(data)) return data.filter((meter) => meter.site === site);
  return data;
}

export async function signIn(username, password) {
  const answer = await api('/api/login', { method: 'POST', body: { username, password } });
  saveSession({ token: answer.token, user: answer.user, role: answer.role, expires: answer.expires });
  return answer;
}
