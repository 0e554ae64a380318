// The page a share link opens (/share/TOKEN): the figures a household gave
// away (GET /api/share/TOKEN), read-only, without a sign-in. Nothing live,
// no pulses, no settings: whole days, weeks or months only.
import * as f from './format.js';

const PER = { day: 'Day', week: 'Week from', month: 'Month from' };

function householdText(household) {
  const parts = [];
  if (household.people) parts.push(`${household.people} ${household.people === 1 ? 'person' : 'people'}`);
  if (household.floor_area_m2) parts.push(`${f.number(household.floor_area_m2, 0)} m²`);
  if (household.heating) parts.push(`heating: ${household.heating.replace('_', ' ')}`);
  return parts.length ? parts.join(', ') : 'The household did not say how many live there or how large the home is.';
}

function meterCard(meter, granularity) {
  const title = meter.name ? `${meter.name}${meter.location ? ` (${meter.location})` : ''}` : `Meter ${meter.ref}: ${meter.kind}`;
  const total = meter.periods.reduce((sum, period) => sum + period.value, 0);
  const rows = [...meter.periods].reverse().map((period) => f.el('tr', {},
    f.el('th', { scope: 'row' }, period.first_day),
    f.el('td', { class: 'number' }, `${f.number(period.value, 2)} ${meter.unit}`)));
  return f.el('section', { class: 'card', 'data-testid': `shared-meter-${meter.ref}` },
    f.el('h2', {}, title),
    f.el('p', { class: 'summary' }, meter.periods.length
      ? `${f.number(total, 1)} ${meter.unit} over ${meter.periods.length} ${granularity}${meter.periods.length === 1 ? '' : 's'}.`
      : 'No whole period has ended yet.'),
    meter.periods.length ? f.el('table', {},
      f.el('thead', {}, f.el('tr', {}, f.el('th', { scope: 'col' }, PER[granularity]), f.el('th', { scope: 'col' }, 'Used'))),
      f.el('tbody', {}, rows)) : null);
}

export async function renderShared(root, token) {
  const heading = f.el('h1', { class: 'view-title' }, 'Shared energy use');
  root.replaceChildren(heading, f.el('p', { class: 'card' }, 'Loading…'));
  const response = await fetch(`/api/share/${encodeURIComponent(token)}`, { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    root.replaceChildren(heading, f.el('p', { class: 'card error', role: 'alert', 'data-testid': 'share-gone' },
      response.status === 429 ? 'Too many requests from here; try again in a minute.'
        : 'This share link opens nothing: it may have been revoked or have expired.'));
    return;
  }
  const share = await response.json();
  heading.textContent = share.label;
  root.replaceChildren(heading,
    f.el('p', { class: 'card', 'data-testid': 'share-household' },
      `Energy by ${share.granularity} from ${share.first_day} to ${share.last_day}. ${householdText(share.household)}`),
    ...share.meters.map((meter) => meterCard(meter, share.granularity)));
}
