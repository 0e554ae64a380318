// A meter's tariff as a form: a base price (per the meter's unit, or per
// kWh for gas), a standing charge per day, and time-of-use periods, each
// with a name, a price, the days it applies and a time range. The API keeps
// a tariff as one line (core/tariff.h):
//
//   0.22;peak=0.35@Mon-Fri 07:00-23:00;night=0.15@all 23:00-07:00
//   0.07/kWh;standing=0.29
//
// and checks it; this file only splits that line into fields and joins the
// fields back, so the API's message ("tariff: …") stays the one truth.
import * as f from './format.js';

const PERIOD = /^([^=;@]+)=([^@;]+)@(\S+) (\d\d:\d\d)-(\d\d:\d\d)$/;

const STANDING = /^standing=(.+)$/;
const PER_KWH = '/kWh';

// { base, perKwh, standing, periods: [{ name, price, days, from, to }] },
// or null when the line is not one this form can show (it is then edited
// as text).
export function splitTariff(text) {
  const [first, ...rest] = (text || '').split(';').map((part) => part.trim());
  const perKwh = first.endsWith(PER_KWH);
  const base = perKwh ? first.slice(0, -PER_KWH.length) : first;
  const periods = [];
  let standing = '';
  for (const part of rest) {
    const charge = STANDING.exec(part);
    if (charge && !standing) {
      standing = charge[1].trim();
      continue;
    }
    const match = PERIOD.exec(part);
    if (!match) return null;
    const [, name, price, days, from, to] = match;
    periods.push({ name, price, days, from, to: to === '24:00' ? '00:00' : to });
  }
  return { base, perKwh, standing, periods };
}

// The line for the API. A period ending at 00:00 ends at midnight: 24:00
// when it starts later that day, which the API reads as the same day's end.
export function joinTariff({ base, perKwh = false, standing = '', periods }) {
  const price = base.trim();
  if (price === '' && standing.trim() === '' && periods.length === 0) return ''; // no tariff
  const parts = [perKwh ? `${price}${PER_KWH}` : price];
  if (standing.trim() !== '') parts.push(`standing=${standing.trim()}`);
  for (const period of periods) {
    if (!period.name.trim() && !period.price.trim()) continue; // an empty row
    const to = period.to === '00:00' ? '24:00' : period.to;
    parts.push(`${period.name.trim()}=${period.price.trim()}@${period.days.trim()} ${period.from}-${to}`);
  }
  return parts.join(';');
}

const DAY_CHOICES = ['all', 'Mon-Fri', 'Sat,Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function priceLabel(split, meter, canPerKwh) {
  if (!split) return 'Tariff (as text)';
  if (canPerKwh) return 'Price'; // the choice beside it says per what
  return `Price per ${split.perKwh ? 'kWh' : meter.unit}`;
}

// The editor for a form of settings.js: `node` to show, `value()` the line.
// `meter` gives the unit prices are per; a gas meter may be priced per kWh.
export function tariffEditor(id, text, meter) {
  const split = splitTariff(text);
  const base = f.el('input', {
    id, name: 'tariff', type: 'text', inputmode: split ? 'decimal' : 'text', autocomplete: 'off',
    value: split ? split.base : text || '',
    'aria-describedby': `${id}-error`,
  });
  const canPerKwh = meter.kind === 'gas' && meter.unit !== 'kWh';
  const per = canPerKwh && split ? f.el('select', { id: `${id}-per`, 'aria-describedby': `${id}-error` },
    f.el('option', { value: 'unit', selected: !split.perKwh }, `per ${meter.unit}`),
    f.el('option', { value: 'kWh', selected: split.perKwh }, 'per kWh (converted with the calorific value)')) : null;
  const standing = split ? f.el('input', {
    id: `${id}-standing`, type: 'text', inputmode: 'decimal', autocomplete: 'off', value: split.standing, size: 6,
    'aria-describedby': `${id}-error`,
  }) : null;
  const rows = [];
  const list = f.el('div', { class: 'periods' });
  const daysList = f.el('datalist', { id: `${id}-days` }, DAY_CHOICES.map((value) => f.el('option', { value })));

  function addRow(period = { name: '', price: '', days: 'Mon-Fri', from: '07:00', to: '23:00' }) {
    const n = rows.length;
    const input = (key, label, attributes) => f.el('label', { class: 'period-part' }, label,
      f.el('input', { id: `${id}-p${n}-${key}`, value: period[key], autocomplete: 'off', ...attributes }));
    const row = {
      node: f.el('div', { class: 'period', role: 'group', 'aria-label': `Period ${n + 1}` },
        input('name', 'Name', { type: 'text', size: 8 }),
        input('price', 'Price', { type: 'text', inputmode: 'decimal', size: 6 }),
        input('days', 'Days', { type: 'text', list: daysList.id, size: 8 }),
        input('from', 'From', { type: 'time', step: 900 }),
        input('to', 'To', { type: 'time', step: 900 })),
      removed: false,
    };
    const remove = f.el('button', {
      type: 'button', class: 'secondary', 'aria-label': `Remove period ${n + 1}`,
      onclick: () => { row.removed = true; row.node.remove(); },
    }, 'Remove');
    row.node.append(remove);
    row.value = () => Object.fromEntries(['name', 'price', 'days', 'from', 'to']
      .map((key) => [key, row.node.querySelector(`#${id}-p${n}-${key}`).value]));
    rows.push(row);
    list.append(row.node);
  }
  for (const period of split ? split.periods : []) addRow(period);

  const add = f.el('button', { type: 'button', class: 'secondary', id: `${id}-add`, onclick: () => addRow() }, 'Add a time-of-use period');
  const node = f.el('fieldset', { class: 'tariff' },
    f.el('legend', {}, 'Tariff'),
    f.el('label', { for: id }, priceLabel(split, meter, canPerKwh)), base,
    per ? f.el('label', { for: per.id }, 'Priced') : null, per,
    standing ? f.el('label', { for: standing.id }, 'Standing charge per day') : null, standing,
    list, daysList, split ? add : null,
    f.el('small', {}, 'A period\'s price applies on its days between its times (multiples of 15 minutes; 23:00–07:00 runs past midnight); the first period that matches wins, otherwise the price per unit.'));
  return {
    node,
    value: () => (split ? joinTariff({
      base: base.value,
      perKwh: per ? per.value === 'kWh' : split.perKwh,
      standing: standing.value,
      periods: rows.filter((r) => !r.removed).map((r) => r.value()),
    }) : base.value),
  };
}
