// Comparing a household with its friends (docs/sharing.md): each side's
// electricity by day, week or month, per household, per person or per m²,
// over the periods both have; "you used X % less than …" and a rank. Pure:
// no DOM, no clock of its own; days are the YYYY-MM-DD texts of the shares.

const DAY_MS = 86400e3;
const RANK = { day: 0, week: 1, month: 2 };

function dayMs(text) {
  const [y, m, d] = text.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
}
function dayText(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

// The period a day falls in: itself, the Monday of its week, its month's 1st.
export function periodOf(day, granularity) {
  if (granularity === 'month') return `${day.slice(0, 7)}-01`;
  if (granularity === 'week') {
    const ms = dayMs(day);
    const weekday = (new Date(ms).getUTCDay() + 6) % 7; // Monday 0
    return dayText(ms - weekday * DAY_MS);
  }
  return day;
}

// Electricity in kWh by period start, from a share's meters (or the
// household's own rows in the same shape). A share given by week or month
// cannot be shown finer: null then.
export function electricityBy(share, granularity) {
  if (RANK[share.granularity] > RANK[granularity]) return null;
  const totals = new Map();
  for (const meter of share.meters) {
    if (meter.kind !== 'electricity' || meter.unit !== 'kWh') continue;
    for (const period of meter.periods) {
      const key = periodOf(period.first_day, granularity);
      // A coarser period only when the share's period lies wholly in it.
      if (periodOf(period.last_day, granularity) !== key) continue;
      totals.set(key, (totals.get(key) || 0) + period.value);
    }
  }
  return totals;
}

// A total as the chosen measure: per household, per person or per m²; null
// when the household did not say what it takes.
export function measured(value, household, measure) {
  if (value === null || value === undefined) return null;
  if (measure === 'person') return household && household.people ? value / household.people : null;
  if (measure === 'area') return household && household.floor_area_m2 ? value / household.floor_area_m2 : null;
  return value;
}

// How much less (positive) or more (negative) `you` used than `other`, in
// percent of `other`, over the periods both have; null without any.
export function lessThan(you, other) {
  let mine = 0;
  let theirs = 0;
  let shared = 0;
  for (const [period, value] of you) {
    if (value === null || !other.has(period) || other.get(period) === null) continue;
    mine += value;
    theirs += other.get(period);
    shared += 1;
  }
  if (shared === 0 || theirs <= 0) return null;
  return { percent: ((theirs - mine) / theirs) * 100, periods: shared };
}

// Every side ({name, values: Map period → measured value}) ranked by its
// average over its periods (lowest use first); sides without any are left out.
export function ranking(sides) {
  const averaged = sides.map((side) => {
    const values = [...side.values.values()].filter((value) => value !== null);
    return { name: side.name, average: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null };
  }).filter((side) => side.average !== null);
  averaged.sort((a, b) => a.average - b.average);
  return averaged;
}
