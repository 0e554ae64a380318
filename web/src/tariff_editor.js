// A meter's tariff as a form: a base price and time-of-use periods, each
// with a name, a price, the days it applies and a time range. The API keeps
// a tariff as one line (core/tariff.h):
//
//   0.22;peak=0.35@Mon-Fri 07:00-23:00;night=0.15@all 23:00-07:00
//
// and checks it; this file only splits that line into fields and joins the
// fields back, so the API's message ("tariff: …") stays the one truth.
import * as f from './format.js';

const PERIOD = /^([^=;@]+)=([^@;]+)@(\S+) (\d\d:\d\d)-(\d\d:\d\d)$/;

// { base, periods: [{ name, price, days, from, to }] }, or null when the
// line is not one this form can show (it is then edited as text).
export function splitTariff(text) {
  const [base, ...rest] = (text || '').split(';').map((part) => part.trim());
  const periods = [];
  for (const part of rest) {
    const match = PERIOD.exec(part);
    if (!match) return null;
    const [, name, price, days, from, to] = match;
    periods.push({ name, price, days, from, to: to === '24:00' ? '00:00' : to });
  }
  return { base, periods };
}

// The line for the API. A period ending at 00:00 ends at midnight: 24:00
// when it starts later that day, which the API reads as the same day's end.
export function joinTariff({ base, periods }) {
  const parts = [base.trim()];
  for (const period of periods) {
    if (!period.name.trim() && !period.price.trim()) continue; // an empty row
    const to = period.to === '00:00' ? '24:00' : period.to;
    parts.push(`${period.name.trim()}=${period.price.trim()}@${period.days.trim()} ${period.from}-${to}`);
  }
  return parts.join(';');
}

const DAY_CHOICES = ['all', 'Mon-Fri', 'Sat,Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

// The editor for a form of settings.js: `node` to show, `value()` the line.
export function tariffEditor(id, text) {
  const split = splitTariff(text);
  const base = f.el('input', {
    id, name: 'tariff', type: 'text', inputmode: split ? 'decimal' : 'text', autocomplete: 'off',
    value: split ? split.base : text || '',
    'aria-describedby': `${id}-error`,
  });
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
    f.el('label', { for: id }, 'Price per unit'), base,
    list, daysList, split ? add : null,
    f.el('small', {}, 'A period\'s price applies on its days between its times (multiples of 15 minutes; 23:00–07:00 runs past midnight); the first period that matches wins, otherwise the price per unit.'));
  return {
    node,
    value: () => (split ? joinTariff({ base: base.value, periods: rows.filter((r) => !r.removed).map((r) => r.value()) }) : base.value),
  };
}
