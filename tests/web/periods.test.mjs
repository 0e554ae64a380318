// Calendar periods of the charts (web/src/periods.js): weeks run Monday to
// Sunday, step by seven days, and a week a year back is 52 weeks back so
// that its Monday meets this one's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addPeriod, billingPeriod, periodOf, periodLabel, previousPeriod, weekStart } from '../../web/src/periods.js';

test('a week starts on its Monday, across a month and a year end', () => {
  assert.equal(weekStart('2026-03-29'), '2026-03-23', 'a Sunday belongs to the week before it');
  assert.equal(weekStart('2026-03-23'), '2026-03-23');
  assert.equal(weekStart('2027-01-01'), '2026-12-28');
  assert.deepEqual(periodOf('week', '2026-03-25'), { from: '2026-03-23', to: '2026-03-30', bucket: 'day', align: 'weekday' });
});

test('weeks step by seven days and compare with the week before or 52 weeks back', () => {
  assert.equal(addPeriod('week', '2026-03-23', 1), '2026-03-30');
  assert.equal(addPeriod('week', '2026-03-23', -1), '2026-03-16');
  assert.equal(previousPeriod('week', '2026-03-23', 'previous'), '2026-03-16');
  const yearBack = previousPeriod('week', '2026-03-23', 'last-year');
  assert.equal(yearBack, '2025-03-24');
  assert.equal(weekStart(yearBack), yearBack, 'a Monday a year back is a Monday');
  assert.match(periodLabel('week', '2026-03-25'), /^Week of 23 March 2026$|^Week of March 23, 2026$/);
});

test('a billing period runs from its day to the same day of the next month', () => {
  assert.deepEqual(billingPeriod('2026-03-14', 15), { from: '2026-02-15', to: '2026-03-15', before: '2026-01-15' });
  assert.deepEqual(billingPeriod('2026-01-20', 15), { from: '2026-01-15', to: '2026-02-15', before: '2025-12-15' });
});
