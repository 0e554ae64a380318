// Home, the first view after sign-in: what a household reads at a glance
// above the meters' own cards (now.js). Electricity now, summed over the
// electricity meters; today so far against yesterday, the same weekday
// last week and the same day last year by the same clock time; the
// billing period so far with its forecast (forecast.js); the always-on
// load and its cost a year (GET /api/base-load); what is worth a look
// (GET /api/alerts). Figures that need the live stream follow Now's
// rules: greyed and frozen while it is down.
import { api } from './api.js';
import { renderNow } from './now.js';
import { powerNow } from './power.js';
import { addDays, billingPeriod, previousPeriod } from './periods.js';
import { change, clockOf, totalOf, untilClockTime, valueWithData } from './compare.js';
import { forecastPeriod } from './forecast.js';
import * as f from './format.js';

const DAY = 86400e3;

const isElectric = (meter) => meter.kind === 'electricity' && meter.unit === 'kWh';

// A day's hours; today's only up to now, so that its last hour carries the
// energy and the share of the standing charge so far, as Now's cards do.
function hourRows(meter, date, untilMs = null) {
  const to = untilMs === null ? addDays(date, 1) : Math.floor(untilMs / 1000);
  return api(`/api/meters/${meter.id}/energy?bucket=hour&from=${date}&to=${to}`);
}

function dayRows(meter, from, to) {
  return api(`/api/meters/${meter.id}/energy?bucket=day&from=${from}&to=${to}`);
}

function signedPercent(now, before) {
  const percent = change(now, before);
  if (percent === null) return '';
  return ` (${percent >= 0 ? '+' : '−'}${f.number(Math.abs(percent), 0)} %)`;
}

// Energy and cost of the electricity meters on `date` up to this clock
// time. Today's current hour counts whole: it holds only what has happened
// so far. The cost is of the meters with a tariff (null when none has one).
async function dayUntilNow(meters, date, clock, untilMs = null) {
  const sums = await Promise.all(meters.map(async (meter) => {
    const first = meter.first_pulse ? Date.parse(meter.first_pulse) : null;
    const rows = await hourRows(meter, date, untilMs);
    const until = (valueOf) => untilClockTime(rows, f.householdZone(), clock.hour, clock.fraction,
      (row) => valueWithData(row, valueOf, first, Date.now()));
    return { energy: until((r) => r.value), cost: meter.tariff ? until((r) => r.cost ?? null) : null };
  }));
  return { energy: totalOf(sums.map((s) => s.energy)), cost: totalOf(sums.map((s) => s.cost)) };
}

async function periodFigures(meters, billingDay, nowMs) {
  const today = f.localDate(nowMs);
  const { from, to, before } = billingPeriod(today, billingDay);
  const perMeter = await Promise.all(meters.map(async (meter) => {
    const first = meter.first_pulse ? Date.parse(meter.first_pulse) : null;
    const value = (row) => valueWithData(row, (r) => r.value, first, nowMs);
    const [days, recent, previous] = await Promise.all([
      dayRows(meter, from, to), dayRows(meter, addDays(today, -28), today), dayRows(meter, before, from)]);
    return { days: days.map(value), recent: recent.map(value), previous: totalOf(previous.map(value)), firstDay: days[0] };
  }));
  const sumAt = (list, i) => totalOf(perMeter.map((p) => list(p)[i] ?? null));
  const soFar = totalOf(perMeter.map((p) => totalOf(p.days)));
  const daysInPeriod = perMeter[0].days.length;
  const daysElapsed = (nowMs - Date.parse(perMeter[0].firstDay.start)) / DAY;
  const recentDays = perMeter[0].recent.map((_, i) => sumAt((p) => p.recent, i));
  const forecast = soFar === null ? null : forecastPeriod({ soFar, daysElapsed, daysInPeriod, recentDays });
  return { from, to, soFar, forecast, previous: totalOf(perMeter.map((p) => p.previous)) };
}

export async function renderHome(root) {
  const [meters, status] = await Promise.all([api('/api/meters'), api('/api/status')]);
  const electric = meters.filter(isElectric);
  const overview = f.el('div', { class: 'view' });
  root.append(overview);
  // What the daemon found worth telling (GET /api/alerts): a leak, a silent
  // meter, a higher base load, an unusual day.
  const alertList = f.el('ul', { class: 'plain', 'data-testid': 'alerts' });
  const alertsCard = f.el('section', { class: 'card', 'aria-labelledby': 'home-alerts' },
    f.el('h2', { id: 'home-alerts' }, 'Worth a look'), alertList);
  overview.append(alertsCard);
  const readAlerts = () => api('/api/alerts').then((alerts) => {
    alertsCard.classList.toggle('attention', alerts.length > 0);
    alertList.replaceChildren(...(alerts.length === 0
      ? [f.el('li', { class: 'summary' }, 'Nothing unusual: no leak, no silent meter, no new always-on load.')]
      : alerts.map((alert) => f.el('li', { 'data-kind': alert.kind },
        f.el('strong', {}, alert.name), `: ${alert.message} (since ${alert.since})`))));
  }).catch((failure) => { alertList.replaceChildren(f.el('li', {}, failure.message)); });
  const alertsRead = readAlerts();
  let total = null;
  let readFigures = () => {};
  if (electric.length > 0) {
    total = f.el('output', { class: 'power', 'data-testid': 'power-total' }, '…');
    const todayFigure = f.el('dd', { 'data-testid': 'today-total' }, '…');
    const yesterday = f.el('dd', { 'data-testid': 'yesterday-by-now' }, '…');
    const lastWeek = f.el('dd', {}, '…');
    const lastYear = f.el('dd', {}, '…');
    const baseLoad = f.el('output', { class: 'power', 'data-testid': 'base-load' }, '…');
    const baseLoadCost = f.el('p', { class: 'summary', 'data-testid': 'base-load-cost' });
    const period = f.el('dd', { 'data-testid': 'period-so-far' }, '…');
    const forecast = f.el('dd', { 'data-testid': 'period-forecast' }, '…');
    overview.append(
      f.el('section', { class: 'card', 'aria-labelledby': 'home-now' },
        f.el('h2', { id: 'home-now' }, 'Electricity now'),
        total,
        f.el('p', { class: 'summary' }, electric.length > 1 ? `${electric.length} meters together` : electric[0].name)),
      f.el('section', { class: 'card', 'aria-labelledby': 'home-today' },
        f.el('h2', { id: 'home-today' }, 'Today so far'),
        f.el('dl', {},
          f.el('dt', {}, 'Today'), todayFigure,
          f.el('dt', {}, 'Yesterday by now'), yesterday,
          f.el('dt', {}, 'Last week by now'), lastWeek,
          f.el('dt', {}, 'A year ago by now'), lastYear)),
      f.el('section', { class: 'card', 'aria-labelledby': 'home-period' },
        f.el('h2', { id: 'home-period' }, 'This billing period'),
        f.el('dl', {},
          f.el('dt', {}, 'So far'), period,
          f.el('dt', {}, 'Forecast'), forecast),
        f.el('p', { class: 'summary' }, 'The forecast: the period so far, and its remaining days at the pace of the last four weeks.')),
      f.el('section', { class: 'card', 'aria-labelledby': 'home-base' },
        f.el('h2', { id: 'home-base' }, 'Always on'),
        baseLoad, baseLoadCost),
    );
    // What runs day and night (fridge, router, standby): the lowest hour
    // of recent nights, and that load's cost over a year.
    const readBaseLoad = () => api('/api/base-load').then((loads) => {
      const mine = loads.filter((load) => electric.some((meter) => meter.id === load.meter));
      if (mine.length === 0) {
        baseLoad.textContent = 'not known yet';
        baseLoadCost.textContent = 'It needs a night with all its hours from 00:00 to 05:00.';
        return;
      }
      baseLoad.textContent = f.power(mine.reduce((sum, load) => sum + load.watts, 0), 'W');
      const cost = totalOf(mine.map((load) => load.cost_per_year));
      baseLoadCost.textContent = `The lowest hour of recent nights: what your always-on devices use${cost === null ? '.' : `, about ${f.money(cost)} a year.`}`;
    }).catch((failure) => { baseLoad.textContent = failure.message; });
    const baseLoadRead = readBaseLoad();
    const kwh = (value) => (value === null ? 'no data' : `${f.number(value, 2)} kWh`);
    const withCost = (sum) => (sum.cost === null || sum.energy === null ? '' : ` · ${f.money(sum.cost)}`);
    // Read again every minute, so the figures move on through midnight
    // into the new day and the new period.
    readFigures = () => {
      const nowMs = Date.now();
      const clock = clockOf(nowMs, f.householdZone());
      const today = f.localDate(nowMs);
      const todayRead = dayUntilNow(electric, today, { ...clock, fraction: 1 }, nowMs).then(async (now) => {
        todayFigure.textContent = kwh(now.energy) + withCost(now);
        const compare = async (date, into) => {
          const then = await dayUntilNow(electric, date, clock);
          into.textContent = kwh(then.energy) + withCost(then) + (then.energy === null || now.energy === null ? '' : signedPercent(now.energy, then.energy));
        };
        await Promise.all([
          compare(addDays(today, -1), yesterday),
          compare(addDays(today, -7), lastWeek),
          compare(previousPeriod('day', today, 'last-year'), lastYear),
        ]);
      }).catch((failure) => { todayFigure.textContent = failure.message; });
      const periodRead = periodFigures(electric, status.billing_day || 1, nowMs).then((figures) => {
        period.textContent = kwh(figures.soFar);
        forecast.textContent = figures.forecast === null ? 'not yet'
          : `${kwh(figures.forecast)}${figures.previous === null ? '' : `; last period ${kwh(figures.previous)}${signedPercent(figures.forecast, figures.previous)}`}`;
      }).catch((failure) => { period.textContent = failure.message; });
      return Promise.all([todayRead, periodRead]);
    };
    // When Home first showed every figure: the browser test and bench/run
    // report it (docs/benchmarks.md, time to a drawn Home).
    Promise.all([readFigures(), baseLoadRead, alertsRead]).then(() => { window.pulsemonHomeDrawnMs ??= performance.now(); });
  }
  if (electric.length === 0) alertsRead.then(() => { window.pulsemonHomeDrawnMs ??= performance.now(); });
  const minutely = setInterval(() => { readFigures(); readAlerts(); }, 60e3);
  let leaveNow;
  try {
    leaveNow = await renderNow(root, {
      onTick: (entries, connected, nowMs) => {
        if (!total || !connected) {
          total?.closest('.card').classList.toggle('stale', !connected);
          return;
        }
        total.closest('.card').classList.remove('stale');
        const watts = entries.filter((e) => isElectric(e.meter))
          .map((e) => powerNow(e.live, e.meter, nowMs))
          .filter((w) => w !== null && w !== undefined);
        total.textContent = watts.length === 0 ? '–' : f.power(watts.reduce((a, b) => a + b, 0), 'W');
      },
    });
  } catch (failure) {
    clearInterval(minutely);
    throw failure;
  }
  return () => {
    clearInterval(minutely);
    leaveNow();
  };
}
