// The dashboard's billing-period forecast (web/src/forecast.js) measured on
// a simulated household against the naive forecast "as much as the last
// period", in the same run. For every complete period after the first, a
// forecast is made at the end of each of its days but the last, with what
// was known then (the period so far, the 28 days before); its error is
// against what the period came to. Prints name=value lines (bench/run).
//
//   node bench/forecast.mjs BASE_URL TOKEN METER [BILLING_DAY]
import { forecastPeriod } from '../web/src/forecast.js';

const [base, token, meter, billingDayText = '1'] = process.argv.slice(2);
if (!base || !token || !meter) {
  console.error('usage: node bench/forecast.mjs BASE_URL TOKEN METER [BILLING_DAY]');
  process.exit(2);
}
const billingDay = Number(billingDayText);
const get = async (path) => {
  const answer = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!answer.ok) throw new Error(`${path}: HTTP ${answer.status} ${await answer.text()}`);
  return answer.json();
};

const about = await get(`/api/meters/${meter}`);
if (!about.first_pulse) {
  console.log('forecast_periods=0');
  process.exit(0);
}
// Every day from the first pulse's to the last's, a year at a time.
const first = about.first_pulse.slice(0, 10);
const last = about.last_pulse.slice(0, 10);
const days = [];
for (let from = first; from <= last;) {
  const to = new Date(Date.parse(`${from}T00:00:00Z`) + 366 * 86400e3).toISOString().slice(0, 10);
  const rows = await get(`/api/meters/${meter}/energy?bucket=day&from=${from}&to=${to < last ? to : last}`);
  days.push(...rows.map((row) => ({ date: row.start, value: row.value })));
  if (to >= last) break;
  from = to;
}
// Local dates of the rows, in the zone the API used.
const { zone } = await get('/api/status');
const localDate = (iso) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
for (const day of days) day.date = localDate(day.date);

// Split into billing periods; the first (partial) one is dropped.
const periods = [];
for (const day of days) {
  const [, , d] = day.date.split('-').map(Number);
  if (d === billingDay || periods.length === 0) periods.push([]);
  periods.at(-1).push(day);
}
const complete = periods.slice(1).filter((period) => {
  const [y, m] = period[0].date.split('-').map(Number);
  return period.length === new Date(Date.UTC(y, m, 0)).getUTCDate() || period.length >= 28;
});
const errors = { forecast: [], naive: [], actual: [] };
const byMonth = new Map();
for (let p = 1; p < complete.length; ++p) {
  const period = complete[p];
  const actual = period.reduce((sum, day) => sum + day.value, 0);
  const naive = complete[p - 1].reduce((sum, day) => sum + day.value, 0);
  const start = days.indexOf(period[0]);
  for (let k = 1; k < period.length; ++k) {
    const soFar = period.slice(0, k).reduce((sum, day) => sum + day.value, 0);
    const recentDays = days.slice(Math.max(0, start + k - 28), start + k).map((day) => day.value);
    const forecast = forecastPeriod({ soFar, daysElapsed: k, daysInPeriod: period.length, recentDays });
    errors.forecast.push(Math.abs(forecast - actual));
    errors.naive.push(Math.abs(naive - actual));
    errors.actual.push(actual);
    const month = period[0].date.slice(5, 7);
    const entry = byMonth.get(month) || { forecast: [], naive: [], actual: [] };
    entry.forecast.push(Math.abs(forecast - actual));
    entry.naive.push(Math.abs(naive - actual));
    entry.actual.push(actual);
    byMonth.set(month, entry);
  }
}
const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
const figure = (name, value) => console.log(`${name}=${value}`);
figure('forecast_periods', Math.max(0, complete.length - 1));
if (errors.forecast.length === 0) process.exit(0);
const forecastMae = mean(errors.forecast);
const naiveMae = mean(errors.naive);
figure('forecast_mae_kwh', forecastMae.toFixed(2));
figure('forecast_naive_mae_kwh', naiveMae.toFixed(2));
figure('forecast_mae_percent', ((100 * forecastMae) / mean(errors.actual)).toFixed(1));
figure('forecast_naive_mae_percent', ((100 * naiveMae) / mean(errors.actual)).toFixed(1));
figure('forecast_mae_ratio', (forecastMae / naiveMae).toFixed(2));
for (const [month, entry] of [...byMonth].sort()) {
  figure(`forecast_mae_percent_month_${month}`, ((100 * mean(entry.forecast)) / mean(entry.actual)).toFixed(1));
  figure(`forecast_naive_mae_percent_month_${month}`, ((100 * mean(entry.naive)) / mean(entry.actual)).toFixed(1));
}
