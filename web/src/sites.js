// Sites: for an operator, every household of the install with what running
// it and billing need (each meter's gaps, hours without pulses, nodes'
// health; energy of the current and the previous billing period), and
// whether its owner lets operators see its profiles. Nothing finer: that
// is the household's (docs/security.md).
import { api } from './api.js';
import * as f from './format.js';

function qualityText(quality) {
  const notes = [];
  notes.push(quality.gaps_30_days === 0 ? 'no gaps in 30 days'
    : `${quality.gaps_30_days} gap${quality.gaps_30_days === 1 ? '' : 's'} in 30 days (${quality.missing_pulses_30_days} pulses lost)`);
  if (quality.silent_hours !== null) notes.push(`no pulse for ${quality.silent_hours} h`);
  for (const node of quality.nodes) notes.push(`node ${node.node} heard ${f.time(node.last_heard)}`);
  return notes.join('; ');
}

function periodText(period) {
  const cost = period.cost === null ? '' : `, ${f.money(period.cost)}`;
  return `${f.number(period.value, 3)} ${period.unit}${cost}`;
}

function siteCard(site) {
  const rows = site.meters.map((meter) => f.el('tr', { 'data-testid': `site-meter-${meter.id}` },
    f.el('th', { scope: 'row' }, meter.name),
    f.el('td', {}, qualityText(meter.quality)),
    f.el('td', {}, meter.billing_periods.length > 1 ? periodText(meter.billing_periods[0]) : '—'),
    f.el('td', {}, meter.billing_periods.length > 0 ? periodText(meter.billing_periods[meter.billing_periods.length - 1]) : '—')));
  return f.el('section', { class: 'card', 'aria-labelledby': `site-${site.id}`, 'data-testid': `site-${site.id}` },
    f.el('h2', { id: `site-${site.id}` }, site.name),
    f.el('p', { class: 'summary' }, site.profiles_granted
      ? 'Its owner lets operators see its hourly figures.'
      : 'Operators see its data quality and billing periods only.'),
    site.meters.length === 0
      ? f.el('p', { class: 'summary' }, 'No meters yet.')
      : f.el('table', { class: 'sites' },
        f.el('thead', {}, f.el('tr', {},
          f.el('th', { scope: 'col' }, 'Meter'), f.el('th', { scope: 'col' }, 'Data quality'),
          f.el('th', { scope: 'col' }, 'Last billing period'), f.el('th', { scope: 'col' }, 'This billing period'))),
        f.el('tbody', {}, rows)));
}

export async function renderSites(root) {
  const answer = await api('/api/sites');
  if (!answer.operator) {
    root.replaceChildren(f.el('p', { class: 'card' }, 'Only an operator sees every site.'));
    return;
  }
  root.replaceChildren(...answer.sites.map(siteCard));
}
