// Numbers and times as a household reads them, in the household's time
// zone (the daemon's, from /api/status), whatever the browser's zone.

let zone = 'UTC';
export function setZone(value) {
  zone = value || 'UTC';
}
export function householdZone() {
  return zone;
}

export function number(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// Watts as W or kW, water in litres a minute, other flows with their unit.
export function power(value, unit, kind) {
  if (value === null || value === undefined) return '–';
  if (unit === 'm³/h' && kind === 'water') return `${number((value * 1000) / 60, 1)} L/min`;
  if (unit === 'W' && Math.abs(value) >= 10000) return `${number(value / 1000, 1)} kW`;
  if (unit === 'W') return `${number(value, 0)} W`;
  return `${number(value, 3)} ${unit}`;
}

// A meter's energy or volume as a household reads it: water in litres.
export function amount(value, meter) {
  if (value === null || value === undefined) return '–';
  if (meter.unit === 'm³' && meter.kind === 'water') return `${number(value * 1000, 0)} L`;
  return `${number(value, 2)} ${meter.unit}`;
}

export function time(iso) {
  if (!iso) return '–';
  return new Intl.DateTimeFormat(undefined, { timeZone: zone, dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
}

// The household's clock time of an instant: "14:05".
export function clock(ms) {
  return new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
}

// An instant as the legend of a chart shows it: the date, and the time
// when the chart's buckets are shorter than a day.
export function dateTime(ms, view) {
  const options = { timeZone: zone, year: 'numeric', month: 'short', day: 'numeric' };
  if (view === 'year') delete options.day;
  if (view === 'all') return new Intl.DateTimeFormat(undefined, { timeZone: zone, year: 'numeric' }).format(new Date(ms));
  if (view === 'week') options.weekday = 'short';
  else if (view !== 'month' && view !== 'year') Object.assign(options, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return new Intl.DateTimeFormat(undefined, options).format(new Date(ms));
}

// The labels of a time axis whose ticks are `step` seconds apart, on the
// household's clock: hours within a day, days within a month, months, years.
export function axisLabels(seconds, step) {
  let options;
  if (step < 86400) options = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  else if (step < 28 * 86400) options = { day: 'numeric', month: 'short' };
  else if (step < 365 * 86400) options = { month: 'short', year: 'numeric' };
  else if (step < 366 * 86400) options = { month: 'short' }; // the months of one year
  else options = { year: 'numeric' };
  const format = new Intl.DateTimeFormat(undefined, { timeZone: zone, ...options });
  return seconds.map((s) => format.format(new Date(s * 1000)));
}

// The household's calendar date of an instant, as YYYY-MM-DD.
export function localDate(ms) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(ms));
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

// The instance's currency (money.currency, from /api/status): every cost
// is shown in it.
let currency = 'EUR';
export function setCurrency(value) {
  currency = value || 'EUR';
}
export function currencyCode() {
  return currency;
}
export function money(value) {
  if (value === null || value === undefined) return '';
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(value);
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
