// "Now": per meter, the live power (moving with every pulse and decaying
// between pulses as the API's figure does), today's energy and cost, the
// same time yesterday, the last pulse and the meter's state.
import { api } from './api.js';
import { followLive } from './live.js';
import { powerNow } from './power.js';
import * as f from './format.js';

const HOUR = 3600 * 1000;

function stateOf(meter, live, nowMs) {
  if (live.lastPulseMs === null) return meter.last_pulse ? 'stale' : 'waiting';
  if ((nowMs - live.lastPulseMs) / 1000 >= meter.power_timeout_s) return 'stale';
  return meter.gaps && meter.gaps.length > 0 ? 'gap' : 'live';
}

// Energy and cost from the household's midnight of `day` (YYYY-MM-DD; the
// API reads a date in the household's zone) to `toMs`.
async function energySince(meter, day, toMs) {
  const rows = await api(`/api/meters/${meter.id}/energy?bucket=hour&from=${day}&to=${Math.floor(toMs / 1000)}`);
  return rows.reduce((sum, row) => ({ value: sum.value + row.value, cost: sum.cost + (row.cost || 0) }), { value: 0, cost: 0 });
}

export async function renderNow(root) {
  const meters = await api('/api/meters');
  const cards = new Map();
  const now = Date.now();
  for (const meter of meters) {
    const live = {
      lastPulseMs: meter.last_pulse ? Date.parse(meter.last_pulse) : null,
      power: meter.power,
    };
    const figure = f.el('output', { class: 'power', 'data-testid': `power-${meter.id}` }, f.power(meter.power, meter.power_unit));
    const state = f.el('span', { class: 'state' });
    const lastPulse = f.el('span', {}, f.time(meter.last_pulse));
    const today = f.el('span', { 'data-testid': `today-${meter.id}` }, '…');
    const yesterday = f.el('span', {}, '…');
    const card = f.el(
      'section',
      { class: 'card meter', 'aria-label': meter.name },
      f.el('h2', {}, meter.name, ' ', f.el('small', {}, meter.location || meter.kind)),
      figure,
      f.el('dl', {},
        f.el('dt', {}, 'State'), f.el('dd', {}, state),
        f.el('dt', {}, 'Today'), f.el('dd', {}, today),
        f.el('dt', {}, 'Yesterday by now'), f.el('dd', {}, yesterday),
        f.el('dt', {}, 'Last pulse'), f.el('dd', {}, lastPulse)),
    );
    cards.set(meter.id, { meter, live, figure, state, lastPulse, card });
    root.append(card);
    energySince(meter, f.localDate(now), now)
      .then((sum) => {
        today.textContent = `${f.number(sum.value, 2)} ${meter.unit} ${f.money(sum.cost)}`.trim();
      })
      .catch((failure) => { today.textContent = failure.message; });
    energySince(meter, f.localDate(now - 24 * HOUR), now - 24 * HOUR)
      .then((sum) => { yesterday.textContent = `${f.number(sum.value, 2)} ${meter.unit}`; })
      .catch((failure) => { yesterday.textContent = failure.message; });
  }
  if (meters.length === 0) root.append(f.el('p', { class: 'card' }, 'No meters yet: add one under Settings or with `pulsemon meter add`.'));
  const connection = f.el('p', { class: 'connection', 'data-testid': 'connection' }, 'connecting…');
  root.prepend(connection);

  const stop = followLive(
    (pulse) => {
      const entry = cards.get(pulse.meter);
      if (!entry) return;
      entry.live.lastPulseMs = Date.parse(pulse.ts);
      if (pulse.power !== null && pulse.power !== undefined) entry.live.power = pulse.power;
      entry.lastPulse.textContent = f.time(pulse.ts);
    },
    (state) => { connection.textContent = state === 'live' ? 'live' : 'reconnecting…'; },
  );
  const tick = setInterval(() => {
    const nowMs = Date.now();
    for (const entry of cards.values()) {
      entry.figure.textContent = f.power(powerNow(entry.live, entry.meter, nowMs), entry.meter.power_unit);
      const state = stateOf(entry.meter, entry.live, nowMs);
      entry.state.textContent = state;
      entry.state.className = `state ${state}`;
    }
  }, 250);
  return () => {
    stop();
    clearInterval(tick);
  };
}
