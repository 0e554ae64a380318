// The dashboard's comparison by the clock (web/src/compare.js), in Node
// with the same Intl time zones as the browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignByClock, change, clockOf, totalOf, valueWithData } from '../../web/src/compare.js';

const zone = 'Europe/Amsterdam';

// Hour buckets of a local day as the API returns them (UTC instants).
function hours(firstUtcMs, count, value) {
  return Array.from({ length: count }, (_, i) => ({
    start: new Date(firstUtcMs + i * 3600e3).toISOString(),
    end: new Date(firstUtcMs + (i + 1) * 3600e3).toISOString(),
    value: value(i),
  }));
}

test('a spring-forward day meets the day before hour by hour', () => {
  // 28 March 2026 (24 h, from 23:00 UTC) and 29 March (23 h: 02:00 is skipped).
  const before = hours(Date.UTC(2026, 2, 27, 23), 24, (i) => i); // value = local hour
  const shown = hours(Date.UTC(2026, 2, 28, 23), 23, () => 1);
  const compared = alignByClock(shown, before, 'hour', zone, (row) => row.value);
  assert.equal(compared.length, 23);
  assert.deepEqual(compared.slice(0, 4), [0, 1, 3, 4], '02:00 does not exist; 03:00 meets 03:00');
  assert.equal(compared[22], 23, 'the last hour meets the last hour, none dropped');
});

test('a fall-back day meets its repeated hour once each', () => {
  // 25 October 2026: 25 hours, 02:00 twice.
  const shown = hours(Date.UTC(2026, 9, 24, 22), 25, () => 1);
  const before = hours(Date.UTC(2026, 9, 23, 22), 24, (i) => i);
  const compared = alignByClock(shown, before, 'hour', zone, (row) => row.value);
  assert.deepEqual(compared.slice(0, 5), [0, 1, 2, null, 3], 'the second 02:00 has no counterpart');
});

test('months without data are null, not 0, and totals leave them out', () => {
  const first = Date.parse('2026-03-10T00:00:00Z');
  const now = Date.parse('2026-05-15T00:00:00Z');
  const months = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'].map((m, i, all) => ({
    start: `${m}-01T00:00:00Z`, end: `${all[i + 1] || '2026-07'}-01T00:00:00Z`, value: 0,
  }));
  const values = months.map((row) => valueWithData(row, (r) => r.value + 5, first, now));
  assert.deepEqual(values, [null, null, 5, 5, 5, null]);
  assert.equal(totalOf(values), 15);
  assert.equal(totalOf([null, null]), null);
  assert.equal(valueWithData(months[0], (r) => r.value, null, now), null, 'a meter that never pulsed has no data');
});

test('change in percent, and none against nothing', () => {
  assert.equal(change(110, 100), 10);
  assert.equal(change(5, 0), null);
  assert.equal(change(null, 4), null);
});

test('weeks meet by the day of the week, not the day of the month', () => {
  const days = (firstUtcMs, values) => values.map((value, i) => ({
    start: new Date(firstUtcMs + i * 86400e3).toISOString(),
    end: new Date(firstUtcMs + (i + 1) * 86400e3).toISOString(),
    value,
  }));
  // Monday 16 and Monday 23 March 2026 at Amsterdam's midnight.
  const before = days(Date.UTC(2026, 2, 15, 23), [1, 2, 3, 4, 5, 6, 7]);
  const shown = days(Date.UTC(2026, 2, 22, 23), [10, 20, 30, 40, 50, 60, 70]);
  assert.deepEqual(alignByClock(shown, before, 'weekday', zone, (row) => row.value), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(alignByClock(shown, before, 'day', zone, (row) => row.value), [null, null, null, null, null, null, null],
    'by the day of the month no day of one week meets the other');
});

test('the household\'s clock is read in its own zone', () => {
  // 13:45 UTC on 29 March 2026 is 15:45 in Amsterdam (summer time).
  assert.deepEqual(clockOf(Date.UTC(2026, 2, 29, 13, 45), zone), { hour: 15, fraction: 0.75 });
  assert.deepEqual(clockOf(Date.UTC(2026, 2, 28, 13, 45), zone), { hour: 14, fraction: 0.75 });
});
