// Laying one period's energy over another's by the household's clock, not
// by position: hour by hour on a day (a 23-hour spring-forward day meets
// the day before at 03:00, not an hour early), day of the month by day of
// the month, month by month. A bucket without data (before the meter's
// first pulse, or not begun yet) is `null`, never 0: a chart draws nothing
// there and totals leave it out. Pure: no DOM, no clock of its own.

// What a bucket is on the household's clock: "14:00" (and "02:00#2" for
// the second 02:00 of a fall-back night), the day of the month (or of the
// week, where weeks meet), the month.
function clockKeys(rows, bucket, zone) {
  const options = {
    hour: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
    day: { day: 'numeric' },
    weekday: { weekday: 'short' },
    month: { month: 'numeric' },
    year: { year: 'numeric' },
  }[bucket];
  const format = new Intl.DateTimeFormat('en-GB', { timeZone: zone, ...options });
  const seen = new Map();
  return rows.map((row) => {
    const key = format.format(new Date(row.start));
    const count = (seen.get(key) || 0) + 1;
    seen.set(key, count);
    return count === 1 ? key : `${key}#${count}`;
  });
}

// A row's value, or null when the meter had not begun counting by its end
// or the bucket has not begun yet.
export function valueWithData(row, valueOf, firstPulseMs, nowMs) {
  if (firstPulseMs === null || Date.parse(row.end) <= firstPulseMs) return null;
  if (Date.parse(row.start) > nowMs) return null;
  return valueOf(row);
}

// For each shown row, the compared period's value at the same clock time
// (null where it has none).
export function alignByClock(rows, otherRows, bucket, zone, valueOfOther) {
  const keys = clockKeys(rows, bucket, zone);
  const otherKeys = clockKeys(otherRows, bucket, zone);
  const byKey = new Map(otherKeys.map((key, i) => [key, valueOfOther(otherRows[i])]));
  return keys.map((key) => (byKey.has(key) ? byKey.get(key) : null));
}

// A day's energy up to a clock time of the household ("14:37" as hour 14
// and 37/60 of the next): the whole hours before it and the share of its
// own hour, found by the clock, so a DST day counts the same clock hours.
export function untilClockTime(hourRows, zone, hour, minuteFraction, valueOf) {
  const keys = clockKeys(hourRows, 'hour', zone);
  const values = hourRows.map((row, i) => {
    const rowHour = Number(keys[i].slice(0, 2));
    const value = valueOf(row);
    if (value === null || value === undefined) return null;
    if (rowHour < hour) return value;
    return rowHour === hour ? value * minuteFraction : 0;
  });
  return totalOf(values);
}

// The household's clock at an instant: the hour and the share of it gone.
export function clockOf(ms, zone) {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(new Date(ms));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return { hour: get('hour'), fraction: get('minute') / 60 };
}

// Sum of the values that exist; null when none does.
export function totalOf(values) {
  const known = values.filter((v) => v !== null && v !== undefined);
  return known.length === 0 ? null : known.reduce((sum, v) => sum + v, 0);
}

// "+12.5 %" of `now` against `before`; null when it means nothing.
export function change(now, before) {
  if (now === null || before === null || before === 0) return null;
  return ((now - before) / before) * 100;
}
