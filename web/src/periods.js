// Calendar periods as the household's dates (YYYY-MM-DD). The API reads a
// date in the household's zone and its buckets follow that zone's
// calendar, so a spring-forward day has 23 hours; this file only does
// calendar arithmetic, which needs no zone.

function parts(date) {
  const [y, m, d] = date.split('-').map(Number);
  return { y, m, d };
}

function format(y, m, d) {
  const value = new Date(Date.UTC(y, m - 1, d));
  return value.toISOString().slice(0, 10);
}

// The same day `n` months later, clamped to the month's length (31 Jan + 1 → 28/29 Feb).
function addMonths(date, n) {
  const { y, m, d } = parts(date);
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return format(first.getUTCFullYear(), first.getUTCMonth() + 1, Math.min(d, last));
}

export function addDays(date, n) {
  const { y, m, d } = parts(date);
  return format(y, m, d + n);
}

// The Monday of the week holding `date` (weeks run Monday to Sunday, ISO 8601).
export function weekStart(date) {
  const { y, m, d } = parts(date);
  const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7; // Monday = 0
  return format(y, m, d - weekday);
}

export function addPeriod(view, date, n) {
  if (view === 'day') return addDays(date, n);
  if (view === 'week') return addDays(date, 7 * n);
  if (view === 'month') return addMonths(date, n);
  if (view === 'year') return addMonths(date, 12 * n);
  return date;
}

// The period to lay over the shown one.
export function previousPeriod(view, date, compare) {
  if (compare === 'last-week' && view === 'day') return addDays(date, -7);
  // A week a year back is 52 weeks back: Monday meets Monday.
  if (compare === 'last-year' && view === 'week') return addDays(date, -364);
  if (compare === 'last-year') return addMonths(date, -12);
  return addPeriod(view, date, -1);
}

export function periodOf(view, date, meter) {
  const { y, m } = parts(date);
  if (view === 'month') return { from: format(y, m, 1), to: format(y, m + 1, 1), bucket: 'day' };
  if (view === 'week') {
    const from = weekStart(date);
    return { from, to: addDays(from, 7), bucket: 'day', align: 'weekday' };
  }
  if (view === 'year') return { from: format(y, 1, 1), to: format(y + 1, 1, 1), bucket: 'month' };
  if (view === 'all') {
    const first = meter && meter.first_pulse ? Number(meter.first_pulse.slice(0, 4)) : y - 9;
    const now = new Date().getUTCFullYear();
    return { from: format(Math.max(first, now - 50), 1, 1), to: format(now + 1, 1, 1), bucket: 'year' };
  }
  return { from: date, to: addDays(date, 1), bucket: 'hour' };
}

export function periodLabel(view, date) {
  const { y, m, d } = parts(date);
  const utc = new Date(Date.UTC(y, m - 1, d, 12));
  if (view === 'month') return new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(utc);
  if (view === 'year') return String(y);
  if (view === 'week') {
    const monday = parts(weekStart(date));
    const start = new Date(Date.UTC(monday.y, monday.m - 1, monday.d, 12));
    return `Week of ${new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(start)}`;
  }
  return new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'long', year: 'numeric' }).format(utc);
}

// The billing period holding `today`: it starts on `billingDay` (1–28) of
// a month. `before` is the start of the period before it.
export function billingPeriod(today, billingDay) {
  const { y, m, d } = parts(today);
  const startMonth = d >= billingDay ? m : m - 1;
  return {
    from: format(y, startMonth, billingDay),
    to: format(y, startMonth + 1, billingDay),
    before: format(y, startMonth - 1, billingDay),
  };
}
