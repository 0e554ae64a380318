// Comparing with friends (web/src/friends_compare.js): periods grouped as
// the calendar has them, never finer than a friend shared, measures per
// person and per m² only where the household said them, and the figures
// a household reads ("X % less", the rank).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { electricityBy, lessThan, measured, periodOf, ranking } from '../../web/src/friends_compare.js';

const share = (granularity, periods, kind = 'electricity') => ({
  granularity,
  meters: [{ kind, unit: kind === 'gas' ? 'm³' : 'kWh', periods }],
});
const day = (first, value, last = first) => ({ first_day: first, last_day: last, value });

test('days fall in their ISO week (from Monday) and their month', () => {
  assert.equal(periodOf('2026-12-06', 'week'), '2026-11-30', 'a Sunday in the week from Monday 30 Nov');
  assert.equal(periodOf('2026-11-30', 'week'), '2026-11-30');
  assert.equal(periodOf('2027-01-01', 'week'), '2026-12-28', 'across the year');
  assert.equal(periodOf('2026-02-28', 'month'), '2026-02-01');
  assert.equal(periodOf('2026-02-28', 'day'), '2026-02-28');
});

test('days add up to weeks and months; gas is not electricity', () => {
  const days = share('day', [day('2026-11-29', 1), day('2026-11-30', 2), day('2026-12-01', 4)]);
  assert.deepEqual([...electricityBy(days, 'week')], [['2026-11-23', 1], ['2026-11-30', 6]]);
  assert.deepEqual([...electricityBy(days, 'month')], [['2026-11-01', 3], ['2026-12-01', 4]]);
  assert.equal(electricityBy(share('day', [day('2026-11-29', 9)], 'gas'), 'day').size, 0);
});

test('a friend who shares by the month is never shown by the day or week', () => {
  const months = share('month', [day('2026-10-01', 300, '2026-10-31')]);
  assert.equal(electricityBy(months, 'day'), null);
  assert.equal(electricityBy(months, 'week'), null);
  assert.deepEqual([...electricityBy(months, 'month')], [['2026-10-01', 300]]);
});

test('per person and per m² only where the household said them', () => {
  assert.equal(measured(12, { people: 3 }, 'person'), 4);
  assert.equal(measured(12, { people: null }, 'person'), null);
  assert.equal(measured(12, { floor_area_m2: 120 }, 'area'), 0.1);
  assert.equal(measured(12, null, 'area'), null);
  assert.equal(measured(12, null, 'household'), 12);
});

test('"less than" counts only the periods both have, and the rank is by average', () => {
  const you = new Map([['a', 8], ['b', 8], ['c', 100]]);
  const friend = new Map([['a', 10], ['b', 10]]);
  assert.deepEqual(lessThan(you, friend), { percent: 20, periods: 2 });
  assert.equal(lessThan(you, new Map()), null);
  assert.equal(lessThan(new Map([['a', 12]]), friend).percent, -20, 'more is negative');
  const ranked = ranking([
    { name: 'You', values: you },
    { name: 'Jansens', values: friend },
    { name: 'Nobody', values: new Map([['a', null]]) },
  ]);
  assert.deepEqual(ranked.map((side) => side.name), ['Jansens', 'You']);
});
