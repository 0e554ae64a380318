// pulsemon's own downtime on the charts (web/src/downtime.js): a bucket
// wholly inside it with no pulse is no data; one with pulses (a sensor
// node's, sent later) or only partly inside keeps its figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coveredByDowntime, durationText, parseDowntimes, withoutDowntime } from '../../web/src/downtime.js';

const downtimes = parseDowntimes([{ from: '2026-03-28T10:00:00Z', to: '2026-03-28T13:30:00Z', exact: true }]);
const hour = (h, pulses) => ({
  start: `2026-03-28T${String(h).padStart(2, '0')}:00:00Z`,
  end: `2026-03-28T${String(h + 1).padStart(2, '0')}:00:00Z`,
  pulses,
  value: pulses / 1000,
});

test('an hour wholly in the downtime without pulses is no data', () => {
  const valueOf = withoutDowntime((row) => row.value, downtimes);
  assert.equal(valueOf(hour(11, 0)), null);
  assert.equal(valueOf(hour(10, 0)), null, 'from the first minute');
  assert.equal(valueOf(hour(13, 0)), 0, 'half in it: what was counted around it');
  assert.equal(valueOf(hour(9, 0)), 0);
  assert.equal(valueOf(hour(12, 250)), 0.25, 'a node\'s pulses, sent afterwards, are kept');
  assert.equal(coveredByDowntime(hour(12, 0), []), false);
});

test('durations read as a person says them', () => {
  assert.equal(durationText(20e3), '1 min');
  assert.equal(durationText(45 * 60e3), '45 min');
  assert.equal(durationText(148 * 60e3), '2 h 28 min');
  assert.equal(durationText(22 * 3600e3), '22 h');
  assert.equal(durationText(76 * 3600e3), '3 days 4 h');
});
