// "Now": per meter, the live power (moving with every pulse and decaying
// between pulses as the API's figure does), today's energy and cost, the
// same time yesterday, the last pulse and the meter's state.
//
// Only what is known is shown as current: while the live stream is down
// (the daemon stopped, the network dropped) the figures stay as they were
// last heard, greyed, with the time they were last updated, and power does
// not decay as if the house had stopped using it. When the stream comes
// back, every figure is read afresh. Today and yesterday-by-now are read
// again every minute, so they move on through midnight.
import { api } from './api.js';
import { followLive } from './live.js';
import { powerNow } from './power.js';
import * as f from './format.js';
import { durationText } from './downtime.js';
import { clockOf, untilClockTime, valueWithData } from './compare.js';
import { addDays } from './periods.js';

const MINUTE = 60 * 1000;

// A meter's state in words, and its class: pulsing; quiet for a while (a
// gas boiler off, no water running: not in itself a fault; a sensor that
// fell off is told by Home's alerts); never pulsed; or with gaps.
function stateOf(meter, live, nowMs) {
  if (live.lastPulseMs === null && !meter.last_pulse) return { key: 'waiting', text: 'no pulse yet' };
  const lastMs = live.lastPulseMs ?? Date.parse(meter.last_pulse);
  if ((nowMs - lastMs) / 1000 >= meter.power_timeout_s) return { key: 'quiet', text: `no pulse for ${durationText(nowMs - lastMs)}` };
  return meter.gaps && meter.gaps.length > 0 ? { key: 'gap', text: 'gap' } : { key: 'live', text: 'live' };
}

// Energy and cost from the household's midnight of `day` (YYYY-MM-DD; the
// API reads a date in the household's zone) to `toMs`: the hours since the
// meter's first pulse, as Home counts them (a standing charge from before
// the meter was added is not its cost).
async function energySince(meter, day, toMs) {
  const firstMs = meter.first_pulse ? Date.parse(meter.first_pulse) : null;
  const rows = (await api(`/api/meters/${meter.id}/energy?bucket=hour&from=${day}&to=${Math.floor(toMs / 1000)}`))
    .filter((row) => valueWithData(row, () => true, firstMs, toMs) !== null);
  return rows.reduce((sum, row) => ({
    value: sum.value + row.value,
    // Unknown when an hour that used something has no price (gas priced
    // per kWh before any calorific value), never 0.
    cost: sum.cost === null || (row.cost === null && row.value > 0) ? null : sum.cost + (row.cost || 0),
    kwh: row.kwh === undefined || row.kwh === null ? sum.kwh : (sum.kwh || 0) + row.kwh,
  }), { value: 0, cost: 0, kwh: null });
}

function liveOf(meter) {
  return { lastPulseMs: meter.last_pulse ? Date.parse(meter.last_pulse) : null, power: meter.power };
}

// `onTick(entries, connected, nowMs)`, when given, is called with every
// redraw: Home sums the meters' live power from it.
export async function renderNow(root, { onTick } = {}) {
  const meters = await api('/api/meters');
  const cards = new Map();
  let connected = false;
  let updatedMs = Date.now(); // when the figures were last known to be current

  function readDays(entry) {
    const now = Date.now();
    const { meter } = entry;
    energySince(meter, f.localDate(now), now)
      .then((sum) => {
        entry.today.textContent = `${f.amount(sum.value, meter)}${sum.kwh !== null && meter.kind === 'gas' ? ` (${f.number(sum.kwh, 1)} kWh)` : ''} ${!meter.tariff ? '' : sum.cost === null ? '· cost unknown: no calorific value' : `· ${f.money(sum.cost)}`}`.trim();
      })
      .catch((failure) => { entry.today.textContent = failure.message; });
    // Yesterday up to this clock time (not 24 hours ago, which on a DST
    // change is an hour off), as Home compares.
    const yesterday = addDays(f.localDate(now), -1);
    const clock = clockOf(now, f.householdZone());
    api(`/api/meters/${meter.id}/energy?bucket=hour&from=${yesterday}&to=${addDays(yesterday, 1)}`)
      .then((rows) => {
        const value = untilClockTime(rows, f.householdZone(), clock.hour, clock.fraction, (row) => row.value);
        entry.yesterday.textContent = f.amount(value, meter);
      })
      .catch((failure) => { entry.yesterday.textContent = failure.message; });
  }

  for (const meter of meters) {
    const figure = f.el('output', { class: 'power', 'data-testid': `power-${meter.id}` }, f.power(meter.power, meter.power_unit, meter.kind));
    const state = f.el('span', { class: 'state' });
    const lastPulse = f.el('span', {}, f.time(meter.last_pulse));
    const today = f.el('span', { 'data-testid': `today-${meter.id}` }, '…');
    const yesterday = f.el('span', {}, '…');
    const card = f.el(
      'section',
      { class: 'card meter', 'aria-label': meter.name, 'data-testid': `meter-${meter.id}` },
      f.el('h2', {}, meter.name, ' ', f.el('small', {}, meter.location || meter.kind)),
      figure,
      f.el('dl', {},
        f.el('dt', {}, 'State'), f.el('dd', {}, state),
        f.el('dt', {}, 'Today'), f.el('dd', {}, today),
        f.el('dt', {}, 'Yesterday by now'), f.el('dd', {}, yesterday),
        f.el('dt', {}, 'Last pulse'), f.el('dd', {}, lastPulse)),
    );
    const entry = { meter, live: liveOf(meter), figure, state, lastPulse, today, yesterday, card };
    cards.set(meter.id, entry);
    root.append(card);
    readDays(entry);
  }
  if (meters.length === 0) {
    root.append(f.el('p', { class: 'card' }, 'No meters yet: add one under Settings or with ', f.el('code', {}, 'pulsemon meter add'), '.'));
  }
  const connection = f.el('p', { class: 'connection', 'data-testid': 'connection' }, 'connecting…');
  // Announced to screen readers: only the connection's changes, not every
  // redraw of a figure.
  const announcer = f.el('p', { class: 'visually-hidden', role: 'status' });
  root.prepend(connection, announcer);

  // Everything afresh after the stream came back: what happened while it
  // was gone is in the store, not in the page.
  async function reread() {
    try {
      for (const meter of await api('/api/meters')) {
        const entry = cards.get(meter.id);
        if (!entry) continue;
        entry.meter = meter;
        entry.live = liveOf(meter);
        entry.lastPulse.textContent = f.time(meter.last_pulse);
        readDays(entry);
      }
      updatedMs = Date.now();
    } catch {
      // the stream will drop again and this runs at its return
    }
  }

  function draw() {
    const nowMs = Date.now();
    for (const entry of cards.values()) {
      entry.card.classList.toggle('stale', !connected);
      if (!connected) {
        entry.state.textContent = `not updated since ${f.clock(updatedMs)}`;
        entry.state.className = 'state offline';
        continue; // the figure stays as last heard: nothing is known since
      }
      entry.figure.textContent = f.power(powerNow(entry.live, entry.meter, nowMs), entry.meter.power_unit, entry.meter.kind);
      const state = stateOf(entry.meter, entry.live, nowMs);
      entry.state.textContent = state.text;
      entry.state.className = `state ${state.key}`;
    }
    if (onTick) onTick([...cards.values()], connected, nowMs);
  }

  const stop = followLive(
    (pulse) => {
      const entry = cards.get(pulse.meter);
      if (!entry) return;
      entry.live.lastPulseMs = Date.parse(pulse.ts);
      if (!entry.meter.first_pulse) entry.meter = { ...entry.meter, first_pulse: pulse.ts };
      if (pulse.power !== null && pulse.power !== undefined) entry.live.power = pulse.power;
      entry.lastPulse.textContent = f.time(pulse.ts);
    },
    (state) => {
      const wasConnected = connected;
      connected = state === 'live';
      if (connected) {
        connection.textContent = 'live';
        if (!wasConnected && announcer.textContent) {
          announcer.textContent = 'Connected to pulsemon again; figures are current.';
          reread();
        }
        updatedMs = Date.now();
      } else {
        if (wasConnected) {
          updatedMs = Date.now();
          announcer.textContent = `Lost the connection to pulsemon; figures as of ${f.clock(updatedMs)}.`;
        }
        connection.textContent = `no connection to pulsemon since ${f.clock(updatedMs)}; trying again…`;
      }
      draw();
    },
  );
  const tick = setInterval(() => {
    if (connected) updatedMs = Date.now();
    draw();
  }, 250);
  const days = setInterval(() => {
    if (connected) for (const entry of cards.values()) readDays(entry);
  }, MINUTE);
  return () => {
    stop();
    clearInterval(tick);
    clearInterval(days);
  };
}
