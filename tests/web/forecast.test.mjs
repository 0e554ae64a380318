// The billing period's forecast (web/src/forecast.js) and a day's energy up
// to a clock time (web/src/compare.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forecastPeriod } from '../../web/src/forecast.js';
import { untilClockTime } from '../../web/src/compare.js';

test('the rest of the period goes at the last whole weeks\' pace', () => {
  // 10 days of 5 kWh, then 20 days of 10 kWh: the last two whole weeks are 10 a day.
  const recentDays = [...Array(10).fill(5), ...Array(20).fill(10)];
  assert.equal(forecastPeriod({ soFar: 100, daysElapsed: 10, daysInPeriod: 30, recentDays }), 100 + 20 * (20 * 10 + 8 * 5) / 28);
  assert.equal(forecastPeriod({ soFar: 100, daysElapsed: 10, daysInPeriod: 30, recentDays: recentDays.slice(-14) }), 300);
});

test('with less than a week known, the period\'s own pace; with nothing, no forecast', () => {
  assert.equal(forecastPeriod({ soFar: 12, daysElapsed: 1.5, daysInPeriod: 31, recentDays: [7] }), 12 + 29.5 * 8);
  assert.equal(forecastPeriod({ soFar: 0, daysElapsed: 0, daysInPeriod: 31, recentDays: [] }), null);
  assert.equal(forecastPeriod({ soFar: 300, daysElapsed: 31, daysInPeriod: 31, recentDays: Array(28).fill(9) }), 300, 'a period that is over is what it was');
});

test('a day up to a clock time counts the same clock hours on a DST day', () => {
  const hours = (firstUtcMs, count) => Array.from({ length: count }, (_, i) => ({
    start: new Date(firstUtcMs + i * 3600e3).toISOString(), value: 1,
  }));
  const zone = 'Europe/Amsterdam';
  // Up to 04:30: hours 00–03 and half of 04.
  assert.equal(untilClockTime(hours(Date.UTC(2026, 2, 27, 23), 24), zone, 4, 0.5, (r) => r.value), 4.5);
  // The spring-forward day has no 02:00: 00, 01, 03 and half of 04.
  assert.equal(untilClockTime(hours(Date.UTC(2026, 2, 28, 23), 23), zone, 4, 0.5, (r) => r.value), 3.5);
  // The fall-back day has 02:00 twice.
  assert.equal(untilClockTime(hours(Date.UTC(2026, 9, 24, 22), 25), zone, 4, 0.5, (r) => r.value), 5.5);
});

test('the billing period holding a day starts on the billing day', async () => {
  const { billingPeriod } = await import('../../web/src/periods.js');
  assert.deepEqual(billingPeriod('2026-12-05', 1), { from: '2026-12-01', to: '2027-01-01', before: '2026-11-01' });
  assert.deepEqual(billingPeriod('2026-12-05', 15), { from: '2026-11-15', to: '2026-12-15', before: '2026-10-15' });
  assert.deepEqual(billingPeriod('2026-01-20', 15), { from: '2026-01-15', to: '2026-02-15', before: '2025-12-15' });
  assert.deepEqual(billingPeriod('2026-01-03', 15), { from: '2025-12-15', to: '2026-01-15', before: '2025-11-15' });
});
