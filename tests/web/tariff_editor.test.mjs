// The tariff form's split of the API's one-line tariff into fields and
// its join back (web/src/tariff_editor.js): what a household types must
// come back as the line the API checks, and a stored line as the fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinTariff, splitTariff } from '../../web/src/tariff_editor.js';

test('a gas tariff per kWh with a standing charge splits into fields and joins back', () => {
  const line = '0.07/kWh;standing=0.29;peak=0.09@Mon-Fri 16:00-19:00';
  const split = splitTariff(line);
  assert.deepEqual(split, {
    base: '0.07', perKwh: true, standing: '0.29',
    periods: [{ name: 'peak', price: '0.09', days: 'Mon-Fri', from: '16:00', to: '19:00' }],
  });
  assert.equal(joinTariff(split), line);
});

test('a period to midnight is 24:00 in the line and 00:00 in the form', () => {
  const line = '0.22;weekend=0.18@Sat,Sun 00:00-24:00';
  assert.equal(splitTariff(line).periods[0].to, '00:00');
  assert.equal(joinTariff(splitTariff(line)), line);
});

test('empty fields are no tariff, and a standing charge alone keeps its price', () => {
  assert.equal(joinTariff({ base: '', standing: '', periods: [] }), '');
  assert.equal(joinTariff({ base: ' 0.30 ', standing: ' 0.45 ', periods: [] }), '0.30;standing=0.45');
  assert.equal(splitTariff('').base, '');
});

test('a line the form cannot show is left to be edited as text', () => {
  assert.equal(splitTariff('0.22;peak=0.35'), null);
  assert.equal(splitTariff('0.22;standing=0.1;standing=0.2'), null, 'a second standing charge is the API\'s to refuse');
});
