// Friends: comparing the household with friends' pulsemons, and the links
// it gives away (docs/sharing.md). The two steps a person takes: add a
// friend's share link, read the comparison. Friends' figures are the
// daemon's checked copies (GET /api/friends), marked with their age.
import { api } from './api.js';
import { electricityBy, lessThan, measured, ranking } from './friends_compare.js';
import * as f from './format.js';

const DAY = 86400e3;
const MEASURES = { household: 'per household', person: 'per person', area: 'per m²' };
const STATES = {
  waiting: 'not fetched yet',
  fine: 'up to date',
  unreachable: 'unreachable',
  revoked: 'revoked',
  expired: 'expired',
  refused: 'refused',
};

function ago(iso) {
  if (!iso) return 'never';
  const hours = (Date.now() - Date.parse(iso)) / 3600e3;
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min ago`;
  if (hours < 48) return `${Math.round(hours)} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

// The household's own electricity by day, in a share's shape: whole days
// only, as friends give theirs.
async function ownShare(meters, days) {
  const electric = meters.filter((meter) => meter.kind === 'electricity' && meter.unit === 'kWh');
  const from = f.localDate(Date.now() - days * DAY);
  const to = f.localDate(Date.now());
  const rows = await Promise.all(electric.map((meter) => api(`/api/meters/${meter.id}/energy?bucket=day&from=${from}&to=${to}`)));
  return {
    granularity: 'day',
    meters: rows.map((list) => ({
      kind: 'electricity',
      unit: 'kWh',
      periods: list.map((row) => {
        const first = f.localDate(Date.parse(row.start));
        return { first_day: first, last_day: first, value: row.value };
      }).filter((period) => period.first_day < to),
    })),
  };
}

function compareCard(you, household, friends, state) {
  const sides = [{ name: 'You', values: new Map(), note: '' }];
  const youBy = electricityBy(you, state.granularity);
  for (const [period, value] of youBy) sides[0].values.set(period, measured(value, household, state.measure));
  for (const friend of friends) {
    const side = { name: friend.label, values: new Map(), note: `figures from ${ago(friend.fetched)}` };
    const by = electricityBy(friend.figures, state.granularity);
    if (by === null) {
      side.note = `shares by ${friend.figures.granularity} only`;
    } else {
      for (const [period, value] of by) side.values.set(period, measured(value, friend.figures.household, state.measure));
    }
    sides.push(side);
  }
  const periods = [...new Set(sides.slice(1).flatMap((side) => [...side.values.keys()]))]
    .filter((period) => sides[0].values.has(period)).sort().reverse().slice(0, 31);
  const unit = { household: 'kWh', person: 'kWh per person', area: 'kWh per m²' }[state.measure];
  const digits = state.measure === 'area' ? 3 : 2;
  const summary = sides.slice(1).map((side) => {
    const compared = lessThan(sides[0].values, side.values);
    if (!compared) return f.el('li', {}, `${side.name}: nothing to compare ${MEASURES[state.measure]} (${side.note}).`);
    const word = compared.percent >= 0 ? 'less' : 'more';
    return f.el('li', { 'data-testid': 'compare-summary' },
      `You used ${f.number(Math.abs(compared.percent), 0)} % ${word} than ${side.name} ${MEASURES[state.measure]} over ${compared.periods} ${state.granularity}${compared.periods === 1 ? '' : 's'} (${side.note}).`);
  });
  const ranked = ranking(sides.map((side) => ({ name: side.name, values: new Map([...side.values].filter(([period]) => periods.includes(period))) })));
  const place = ranked.findIndex((side) => side.name === 'You');
  const choose = (name, options, value) => f.el('select', {
    'data-testid': `compare-${name}`,
    onchange: (event) => { state[name] = event.target.value; state.redraw(); },
  }, Object.entries(options).map(([key, text]) => f.el('option', { value: key, selected: key === value }, text)));
  return f.el('section', { class: 'card wide', 'aria-labelledby': 'compare-title', 'data-testid': 'compare' },
    f.el('h2', { id: 'compare-title' }, 'You and your friends'),
    f.el('p', { class: 'controls' },
      f.el('label', {}, 'By ', choose('granularity', { day: 'day', week: 'week', month: 'month' }, state.granularity)), ' ',
      f.el('label', {}, 'Measure ', choose('measure', MEASURES, state.measure))),
    friends.length === 0 ? f.el('p', { class: 'summary' }, 'Add a friend\'s share link below to compare.') : f.el('ul', { class: 'summary' }, summary),
    place >= 0 && ranked.length > 1 ? f.el('p', { 'data-testid': 'compare-rank' }, `You rank ${place + 1} of ${ranked.length} (lowest use first).`) : null,
    periods.length === 0 ? null : f.el('table', { 'data-testid': 'compare-table' },
      f.el('caption', {}, unit),
      f.el('thead', {}, f.el('tr', {}, f.el('th', { scope: 'col' }, state.granularity === 'day' ? 'Day' : `${state.granularity[0].toUpperCase()}${state.granularity.slice(1)} from`),
        sides.map((side) => f.el('th', { scope: 'col' }, side.name)))),
      f.el('tbody', {}, periods.map((period) => f.el('tr', {},
        f.el('th', { scope: 'row' }, period),
        sides.map((side) => f.el('td', { class: 'number' }, f.number(side.values.get(period), digits))))))));
}

function friendsCard(friends, canChange, redraw) {
  const message = f.el('p', { class: 'summary', role: 'status' });
  const act = async (work) => {
    try {
      await work();
      await redraw();
    } catch (failure) {
      message.textContent = failure.message;
    }
  };
  const items = friends.map((friend) => f.el('li', { 'data-testid': `friend-${friend.id}` },
    f.el('strong', {}, friend.label), ' — ',
    f.el('span', { 'data-testid': 'friend-state', class: `state-${friend.state}` }, STATES[friend.state] || friend.state),
    friend.reason ? `: ${friend.reason}` : '',
    friend.state !== 'fine' && friend.state !== 'waiting' && friend.since ? ` (since ${f.time(friend.since)})` : '',
    friend.fetched ? ` (figures from ${ago(friend.fetched)})` : '',
    canChange ? [' ',
      f.el('button', { type: 'button', onclick: () => act(() => api(`/api/friends/${friend.id}/refresh`, { method: 'POST' })) }, 'Refresh'), ' ',
      f.el('button', { type: 'button', onclick: () => act(() => api(`/api/friends/${friend.id}`, { method: 'DELETE' })) }, 'Remove')] : null));
  const label = f.el('input', { name: 'label', required: true, maxlength: '100', autocomplete: 'off' });
  const url = f.el('input', { name: 'url', type: 'url', required: true, placeholder: 'https://their.pulsemon/share/…' });
  const form = f.el('form', {
    'data-testid': 'add-friend',
    onsubmit: (event) => {
      event.preventDefault();
      act(() => api('/api/friends', { method: 'POST', body: { label: label.value.trim(), url: url.value.trim() } }));
    },
  }, f.el('label', {}, 'Name ', label), ' ', f.el('label', {}, 'Their share link ', url), ' ', f.el('button', { type: 'submit' }, 'Add friend'));
  return f.el('section', { class: 'card', 'aria-labelledby': 'friends-title' },
    f.el('h2', { id: 'friends-title' }, 'Friends'),
    friends.length ? f.el('ul', {}, items) : f.el('p', { class: 'summary' }, 'No friends yet.'),
    canChange ? form : null, message);
}

function linksCard(links, meters, redraw) {
  const message = f.el('p', { class: 'summary', role: 'status', 'data-testid': 'link-message' });
  const act = async (work) => {
    try {
      const made = await work();
      await redraw(made);
    } catch (failure) {
      message.textContent = failure.message;
    }
  };
  const items = links.map((link) => f.el('li', { 'data-testid': `link-${link.id}` },
    f.el('strong', {}, link.label), ` — ${link.kind === 'share' ? `energy by ${link.granularity}, ${link.window_days} days back` : 'wall display (Home, live)'}`,
    `, used ${link.uses} time${link.uses === 1 ? '' : 's'}${link.last_used ? `, last ${ago(link.last_used)}` : ''}`,
    link.open ? [' ', f.el('button', { type: 'button', onclick: () => act(() => api(`/api/shares/${link.id}`, { method: 'DELETE' })) }, 'Revoke')]
      : f.el('span', { class: 'summary' }, link.revoked ? ' (revoked)' : ' (expired)')));
  const field = (name, attributes = {}) => f.el('input', { name, ...attributes });
  const kind = f.el('select', { name: 'kind' }, f.el('option', { value: 'share' }, 'Share with friends (daily figures)'), f.el('option', { value: 'display' }, 'Wall display (Home, live)'));
  const granularity = f.el('select', { name: 'granularity' }, ['day', 'week', 'month'].map((g) => f.el('option', { value: g }, g)));
  const chosen = meters.map((meter) => f.el('label', {}, f.el('input', { type: 'checkbox', name: 'meter', value: String(meter.id), checked: meter.kind === 'electricity' }), ` ${meter.name} `));
  const label = field('label', { required: true, maxlength: '100', autocomplete: 'off' });
  const windowDays = field('window_days', { type: 'number', min: '1', max: '3660', value: '365' });
  const expires = field('expires', { type: 'date' });
  const form = f.el('form', {
    'data-testid': 'add-link',
    onsubmit: (event) => {
      event.preventDefault();
      const body = {
        kind: kind.value,
        label: label.value.trim(),
        meters: chosen.map((box) => box.querySelector('input')).filter((input) => input.checked).map((input) => Number(input.value)),
      };
      if (kind.value === 'share') {
        body.granularity = granularity.value;
        body.window_days = Number(windowDays.value);
      }
      if (expires.value) body.expires = expires.value;
      act(() => api('/api/shares', { method: 'POST', body }));
    },
  }, f.el('label', {}, 'What ', kind), ' ', f.el('label', {}, 'Name ', label), f.el('p', {}, 'Meters: ', chosen),
  f.el('label', {}, 'Finest period ', granularity), ' ', f.el('label', {}, 'Days back ', windowDays), ' ',
  f.el('label', {}, 'Until ', expires), ' ', f.el('button', { type: 'submit' }, 'Make link'));
  return f.el('section', { class: 'card', 'aria-labelledby': 'links-title' },
    f.el('h2', { id: 'links-title' }, 'Your links'),
    f.el('p', { class: 'summary' }, 'A share link shows whole days (or weeks, months) that have ended, never finer; a display link shows Home with live power on a screen of your own. Either works without a sign-in until you revoke it.'),
    links.length ? f.el('ul', {}, items) : null, form, message);
}

export async function renderFriends(root) {
  const state = { granularity: 'day', measure: 'household', made: null };
  const draw = async () => {
    const [meters, friends, links, household] = await Promise.all([
      api('/api/meters'),
      api('/api/friends'),
      api('/api/shares').catch(() => null), // a viewer makes no links
      api('/api/household').catch(() => null), // the home site's only
    ]);
    const withFigures = friends.filter((friend) => friend.figures);
    const earliest = withFigures.map((friend) => friend.figures.first_day).sort()[0];
    const days = earliest ? Math.min(400, Math.ceil((Date.now() - Date.parse(earliest)) / DAY) + 1) : 31;
    const you = await ownShare(meters, days);
    state.redraw = () => root.replaceChildren(...cards());
    const made = state.made ? f.el('p', { class: 'card', 'data-testid': 'made-link' },
      'Your new link (shown this once): ', f.el('code', {}, `${location.origin}${state.made.path}`)) : null;
    const cards = () => [compareCard(you, household, withFigures, state), made,
      friendsCard(friends, links !== null, draw), links === null ? null : linksCard(links, meters, async (link) => {
        state.made = link && link.path ? link : null;
        await draw();
      })].filter(Boolean);
    state.redraw();
  };
  await draw();
}
