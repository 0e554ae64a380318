// What the billing period will come to: what was used so far, plus the
// rest of the period at the pace of the last four weeks (whole weeks, as a
// household's week has its rhythm: washing on Saturday, home on Sunday),
// or at the period's own pace while fewer than seven days are known. The
// bench (bench/forecast) measures it on a simulated year against the naive
// forecast "as much as last period" (docs/benchmarks.md). Pure.

// `soFar`: the period's energy until now; `daysElapsed`: the days of the
// period gone by (fractional); `daysInPeriod`: its length in days;
// `recentDays`: the energy of the last complete days, oldest first (null
// for a day without data). Returns null when nothing is known yet.
export function forecastPeriod({ soFar, daysElapsed, daysInPeriod, recentDays }) {
  const remaining = Math.max(0, daysInPeriod - daysElapsed);
  const known = recentDays.filter((value) => value !== null && value !== undefined);
  const weeks = Math.min(4, Math.floor(known.length / 7));
  let pace;
  if (weeks > 0) {
    const lastWeeks = known.slice(known.length - weeks * 7);
    pace = lastWeeks.reduce((sum, value) => sum + value, 0) / lastWeeks.length;
  } else if (daysElapsed > 0) {
    pace = soFar / daysElapsed;
  } else {
    return null;
  }
  return soFar + remaining * pace;
}
