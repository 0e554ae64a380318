// Charts of one meter: power over the last hour or day (lines, following
// live), and energy by hour of a day, by day of a month, by month of a year
// and by year (bars, with cost), in the household's time zone. Periods are
// stepped back and forward; a previous period can be laid over the shown
// one; the base load (the night's lowest hour) is marked. The state is in
// the URL (#/charts?meter=1&view=day&date=2026-03-29&compare=previous),
// so a chart can be bookmarked and the back button works.
import uPlot from 'uplot';
import { api } from './api.js';
import * as f from './format.js';
import { addPeriod, periodOf, periodLabel, previousPeriod } from './periods.js';
import { gestures } from './gestures.js';
import { alignByClock, change, totalOf, valueWithData } from './compare.js';
import { durationText, parseDowntimes, withoutDowntime } from './downtime.js';

// The chart's colours from the stylesheet's variables, so axes, labels and
// series follow the light or dark theme (a canvas does not inherit CSS).
function theme() {
  const style = getComputedStyle(document.documentElement);
  const read = (name) => style.getPropertyValue(name).trim();
  return { text: read('--text'), grid: read('--chart-grid'), series: read('--chart-series'), fill: read('--chart-fill'), area: read('--chart-area'), compare: read('--chart-compare'), mark: read('--muted'), downtime: read('--chart-downtime') };
}

// When pulsemon was not running in [from, to) (dates or Unix seconds).
async function downtimesIn(from, to) {
  return parseDowntimes(await api(`/api/downtime?from=${from}&to=${to}&tz=${encodeURIComponent(f.householdZone())}`));
}

// Shades the times pulsemon was not running, under the series.
function shadeDowntimes(downtimes, colour) {
  return (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.fillStyle = colour;
    for (const down of downtimes) {
      const left = Math.max(bbox.left, u.valToPos(down.fromMs / 1000, 'x', true));
      const right = Math.min(bbox.left + bbox.width, u.valToPos(down.toMs / 1000, 'x', true));
      if (right > left) ctx.fillRect(left, bbox.top, right - left, bbox.height);
    }
    ctx.restore();
  };
}

// "pulsemon was not running 14:02–16:30 (2 h 28 min): nothing was counted then".
function downtimeSummary(downtimes, view) {
  if (downtimes.length === 0) return null;
  const longest = Math.max(...downtimes.map((d) => d.toMs - d.fromMs));
  if (downtimes.length > 1) {
    return `pulsemon was not running ${downtimes.length} times (the longest ${durationText(longest)}; shaded): nothing was counted then`;
  }
  const [down] = downtimes;
  const when = view === 'hour' || view === 'day24' || view === 'day'
    ? `${f.clock(down.fromMs)}–${f.clock(down.toMs)}`
    : `from ${f.dateTime(down.fromMs, 'day')} to ${f.dateTime(down.toMs, 'day')}`;
  return `pulsemon was not running ${when} (${durationText(longest)}; shaded): nothing was counted then`;
}

function themedAxis(axis, colours) {
  return { ...axis, stroke: colours.text, grid: { stroke: colours.grid, width: 1 }, ticks: { stroke: colours.grid, width: 1 } };
}

const POWER_VIEWS = {
  hour: { label: 'Power, last hour', seconds: 3600, step: 10 },
  day24: { label: 'Power, last 24 h', seconds: 86400, step: 300 },
};
const ENERGY_VIEWS = { day: 'Day by hour', week: 'Week by day', month: 'Month by day', year: 'Year by month', all: 'By year' };

function readState() {
  const query = new URLSearchParams(location.hash.split('?')[1] || '');
  return {
    meter: Number(query.get('meter')) || null,
    view: query.get('view') || 'day',
    date: query.get('date') || f.localDate(Date.now()),
    compare: query.get('compare') || 'none',
    kwh: query.get('kwh') === '1',
  };
}

function writeState(state) {
  const query = new URLSearchParams({ meter: state.meter, view: state.view, date: state.date, compare: state.compare });
  if (state.kwh) query.set('kwh', '1');
  history.replaceState(null, '', `#/charts?${query}`);
}

function zoned(ts) {
  return uPlot.tzDate(new Date(ts * 1000), f.householdZone());
}

async function energyRows(meter, period, bucket) {
  return api(
    `/api/meters/${meter.id}/energy?bucket=${bucket}&from=${period.from}&to=${period.to}&tz=${encodeURIComponent(f.householdZone())}`,
  );
}

// The lowest hourly figure between midnight and 05:00 of a day, as the
// household's base load (what runs all night: fridge, router, standby).
function baseLoad(rows, valueOf) {
  const night = rows.filter((row) => {
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: f.householdZone(), hour: '2-digit', hourCycle: 'h23' }).format(new Date(row.start)));
    return hour < 5;
  });
  if (night.length === 0) return null;
  return Math.min(...night.map(valueOf));
}

function chartWidth(holder) {
  return Math.max(280, Math.min(holder.clientWidth || 600, 1100));
}

export async function renderCharts(root) {
  const meters = await api('/api/meters');
  if (meters.length === 0) {
    root.append(f.el('p', { class: 'card' }, 'No meters yet.'));
    return () => {};
  }
  const state = readState();
  if (!meters.some((m) => m.id === state.meter)) state.meter = meters[0].id;

  const meterSelect = f.el('select', { id: 'chart-meter', 'aria-label': 'Meter' },
    meters.map((m) => f.el('option', { value: m.id, selected: m.id === state.meter }, m.name)));
  const viewSelect = f.el('select', { id: 'chart-view', 'aria-label': 'Chart' },
    Object.entries({ ...Object.fromEntries(Object.entries(POWER_VIEWS).map(([k, v]) => [k, v.label])), ...ENERGY_VIEWS })
      .map(([value, label]) => f.el('option', { value, selected: value === state.view }, label)));
  const compareSelect = f.el('select', { id: 'chart-compare', 'aria-label': 'Compare with' },
    [['none', 'No comparison'], ['previous', 'Previous period'], ['last-week', 'Same day last week'], ['last-year', 'Same period last year']]
      .map(([value, label]) => f.el('option', { value, selected: value === state.compare }, label)));
  const kwhBox = f.el('input', { type: 'checkbox', id: 'chart-kwh', checked: state.kwh });
  const kwhLabel = f.el('label', { for: 'chart-kwh', class: 'inline' }, kwhBox, ' in kWh');
  const back = f.el('button', { type: 'button', id: 'chart-back', 'aria-label': 'Previous period' }, '◀');
  const forward = f.el('button', { type: 'button', id: 'chart-forward', 'aria-label': 'Next period' }, '▶');
  const title = f.el('h2', { id: 'chart-title' });
  const summary = f.el('p', { class: 'summary', id: 'chart-summary' });
  const exportButton = f.el('button', { type: 'button', id: 'chart-export', class: 'secondary' }, 'CSV');
  const pulsesButton = f.el('button', { type: 'button', id: 'chart-pulses', class: 'secondary' }, 'Pulses CSV');
  // The chart takes the keyboard: ← and → read bar by bar (or point by
  // point), Home and End jump to the ends, Page Up and Page Down step the
  // period. What the cursor reads is said in `readout`.
  const holder = f.el('div', {
    class: 'chart', 'data-testid': 'chart', tabindex: '0', role: 'group',
    'aria-roledescription': 'chart', 'aria-labelledby': 'chart-title', 'aria-describedby': 'chart-keys chart-readout',
  });
  const keysHint = f.el('p', { class: 'visually-hidden', id: 'chart-keys' }, 'Left and right arrows read each bar; Page Up and Page Down step the period.');
  const readout = f.el('p', { class: 'summary', id: 'chart-readout', role: 'status', 'data-testid': 'chart-readout' });
  // The chart's numbers for those who cannot see it, or read it by keyboard.
  // Focusable, so a keyboard can scroll it where it is wider than a phone.
  const tableBox = f.el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'The chart\'s numbers' });
  const dataTable = f.el('details', { class: 'data-table', 'data-testid': 'chart-table' },
    f.el('summary', {}, 'The chart as a table'), tableBox);
  const card = f.el('section', { class: 'card wide', 'aria-labelledby': 'chart-title' },
    f.el('div', { class: 'controls' }, meterSelect, viewSelect, f.el('span', { class: 'stepper' }, back, forward), compareSelect, kwhLabel, exportButton, pulsesButton),
    title, keysHint, holder, readout, summary, dataTable);
  root.append(card);

  let plot = null;
  let refresh = null;
  let shown = { header: [], rows: [] }; // what the CSV export writes
  let comparedColumn = null; // { header, values } beside it in the table

  function drawTable() {
    const header = comparedColumn ? [...shown.header, comparedColumn.header] : shown.header;
    const cell = (value) => (value === null || value === undefined || value === '' ? '–'
      : typeof value === 'number' ? f.number(value, 3)
        : /^\d{4}-\d\d-\d\dT/.test(value) ? f.dateTime(Date.parse(value), state.view) : String(value));
    tableBox.replaceChildren(f.el('table', {},
      f.el('thead', {}, f.el('tr', {}, header.map((h) => f.el('th', { scope: 'col' }, h)))),
      f.el('tbody', {}, shown.rows.map((row, i) => f.el('tr', {},
        [...row, ...(comparedColumn ? [comparedColumn.values[i]] : [])].map((value) => f.el('td', {}, cell(value))))))));
  }

  async function draw() {
    writeState(state);
    const meter = meters.find((m) => m.id === state.meter);
    const isPower = state.view in POWER_VIEWS;
    back.hidden = forward.hidden = compareSelect.hidden = isPower || state.view === 'all';
    // ▶ stops at the period that holds today: the future has no data.
    forward.disabled = !isPower && state.view !== 'all' &&
      periodOf(state.view, addPeriod(state.view, state.date, 1), meter).from > f.localDate(Date.now());
    kwhLabel.hidden = meter.kind !== 'gas';
    if (refresh) clearInterval(refresh);
    refresh = null;
    comparedColumn = null;
    const options = isPower ? await powerChart(meter) : await energyChart(meter);
    if (plot) plot.destroy();
    holder.replaceChildren();
    const config = { width: chartWidth(holder), height: 260, tzDate: zoned, ...options.config };
    const colours = theme();
    config.axes = config.axes.map((axis) => themedAxis(axis, colours));
    // Time labels on the household's clock; the last ones drawn are kept on
    // the holder for tests and curious readers, as is the shown range.
    // By month and by year, one label per bar, in the bar's own terms (a
    // by-year chart of three years labelled by months was no help).
    const perBar = { year: 365 * 86400, all: 366 * 86400 }[state.view];
    config.axes[0] = {
      ...config.axes[0],
      ...(perBar ? { splits: () => options.data[0] } : {}),
      values: (u, splits, axis, space, step) => {
        const labels = f.axisLabels(splits, perBar || step);
        holder.dataset.timeLabels = labels.join('|');
        return labels;
      },
    };
    config.hooks = { ...config.hooks, setScale: [...(config.hooks?.setScale || []), (u, key) => {
      if (key === 'x') holder.dataset.range = `${u.scales.x.min},${u.scales.x.max}`;
    }] };
    // The cursor's time in the legend, in the household's zone.
    config.series[0] = { value: (u, ts) => (ts === null ? '–' : f.dateTime(ts * 1000, state.view)) };
    plot = new uPlot(config, options.data, holder);
    // The legend shows the latest bar or point until the cursor picks
    // another, rather than dashes.
    const lastIndex = options.data[0].length - 1;
    const drawn = plot; // uPlot fills its legend after its first frame
    if (lastIndex >= 0) requestAnimationFrame(() => { if (plot === drawn) drawn.setLegend({ idx: lastIndex }); });
    drawTable();
    holder.dataset.points = String(options.data[0].length); // for tests and curious readers
    // When the first chart of this page load was drawn: the browser test
    // reports it (docs/benchmarks.md, time to the first chart).
    window.pulsemonFirstChartMs ??= performance.now();
    holder.dataset.series = String(options.data.length - 1);
    cursorIndex = null;
    readout.textContent = '';
    gestures(plot);
    if (isPower && state.view === 'hour') {
      refresh = setInterval(async () => {
        try {
          plot.setData((await powerChart(meter)).data);
          drawTable();
        } catch {
          // the next refresh tries again
        }
      }, 10000);
    }
  }

  async function powerChart(meter) {
    const view = POWER_VIEWS[state.view];
    const now = Math.floor(Date.now() / 1000);
    const [rows, downtimes] = await Promise.all([
      api(`/api/meters/${meter.id}/power?from=${now - view.seconds}&to=${now}&step=${view.step}`),
      downtimesIn(now - view.seconds, now)]);
    const averageOf = withoutDowntime((row) => row.average, downtimes);
    const xs = rows.map((row) => Date.parse(row.start) / 1000);
    const ys = rows.map(averageOf);
    const low = baseLoad(rows, (row) => averageOf(row) ?? Infinity);
    title.textContent = `${meter.name}: ${view.label}`;
    summary.textContent = [
      low !== null && Number.isFinite(low) ? `Base load (lowest at night): ${f.power(low, meter.power_unit)}` : null,
      downtimeSummary(downtimes, state.view)].filter(Boolean).join(' · ');
    holder.dataset.downtimes = String(downtimes.length);
    shown = { header: ['start', `average ${meter.power_unit}`], rows: rows.map((r) => [r.start, averageOf(r)]) };
    return {
      data: [xs, ys],
      config: {
        cursor: { drag: { x: true, y: false } },
        scales: { x: { time: true } },
        axes: [{}, { label: meter.power_unit, size: 64 }],
        series: [{}, { label: `Power (${meter.power_unit})`, stroke: theme().series, fill: theme().area, width: 1.5 }],
        hooks: { drawClear: [shadeDowntimes(downtimes, theme().downtime)] },
      },
    };
  }

  async function energyChart(meter) {
    const period = periodOf(state.view, state.date, meter);
    const comparing = state.compare !== 'none' && state.view !== 'all';
    const otherDate = comparing ? previousPeriod(state.view, state.date, state.compare) : null;
    const otherPeriod = comparing ? periodOf(state.view, otherDate, meter) : null;
    const [rows, downtimes] = await Promise.all([
      energyRows(meter, period, period.bucket),
      downtimesIn(otherPeriod && otherPeriod.from < period.from ? otherPeriod.from : period.from, period.to)]);
    const inKwh = state.kwh && meter.kind === 'gas';
    const unit = inKwh ? 'kWh' : meter.unit;
    const firstPulseMs = meter.first_pulse ? Date.parse(meter.first_pulse) : null;
    const nowMs = Date.now();
    // No data (before the first pulse, or not begun) is null, never 0.
    const valueOf = withoutDowntime((row) => valueWithData(row, (r) => (inKwh ? r.kwh ?? null : r.value), firstPulseMs, nowMs), downtimes);
    const costOf = (row) => valueWithData(row, (r) => r.cost ?? null, firstPulseMs, nowMs);
    const xs = rows.map((row) => Date.parse(row.start) / 1000);
    const colours = theme();
    const series = [{}, { label: `Energy (${unit})`, fill: colours.fill, stroke: colours.series, paths: uPlot.paths.bars({ size: [0.8, 60] }), points: { show: false } }];
    const values = rows.map(valueOf);
    const data = [xs, values];
    const total = totalOf(values);
    const cost = totalOf(rows.map(costOf));
    const today = f.localDate(nowMs);
    const partial = period.from <= today && today < period.to;
    title.textContent = `${meter.name}: ${state.view === 'all' ? 'by year' : periodLabel(state.view, state.date)}${partial && state.view !== 'all' ? ' (so far)' : ''}`;
    const parts = [total === null ? 'No data in this period' : `Total ${f.number(total, 2)} ${unit}`];
    if (meter.tariff && cost !== null) parts.push(f.money(cost));
    if (comparing) {
      const other = otherDate;
      const otherRows = await energyRows(meter, otherPeriod, period.bucket);
      // Lined up by the clock; compared only where the shown period has
      // data, so today so far meets yesterday by the same time.
      const aligned = alignByClock(rows, otherRows, period.align || period.bucket, f.householdZone(), valueOf)
        .map((v, i) => (values[i] === null ? null : v));
      data.push(aligned);
      holder.dataset.compared = JSON.stringify(aligned); // for tests and curious readers
      comparedColumn = { header: `${periodLabel(state.view, other)} ${unit}`, values: aligned };
      series.push({ label: `${periodLabel(state.view, other)} (${unit})`, stroke: colours.compare, width: 2, points: { show: true, size: 5 } });
      const compared = totalOf(aligned);
      if (compared === null) {
        parts.push(`${periodLabel(state.view, other)}: no data`);
      } else {
        const difference = total === null ? null : total - compared;
        const percent = change(total, compared);
        parts.push(`${periodLabel(state.view, other)}: ${f.number(compared, 2)} ${unit}` +
          (difference === null ? '' : ` (${difference >= 0 ? '+' : '−'}${f.number(Math.abs(difference), 2)} ${unit}` +
            `${percent === null ? '' : `, ${percent >= 0 ? '+' : '−'}${f.number(Math.abs(percent), 0)} %`})`));
        if (meter.tariff) {
          const comparedCost = totalOf(alignByClock(rows, otherRows, period.align || period.bucket, f.householdZone(), costOf).map((v, i) => (values[i] === null ? null : v)));
          if (comparedCost !== null) parts.push(`then ${f.money(comparedCost)}`);
        }
      }
    }
    const low = state.view === 'day' ? baseLoad(rows, (row) => valueOf(row) ?? Infinity) : null;
    // An hour's energy in kWh is its average power in kW: the base load in W.
    if (low !== null && Number.isFinite(low)) {
      parts.push(unit === 'kWh' ? `base load ${f.number(low * 1000, 0)} W` : `base load ${f.number(low, 3)} ${unit}/h`);
    }
    const shownDowntimes = downtimes.filter((d) => d.toMs > Date.parse(rows[0]?.start ?? 0));
    const downtimeText = downtimeSummary(shownDowntimes, state.view);
    if (downtimeText) parts.push(downtimeText);
    holder.dataset.downtimes = String(shownDowntimes.length);
    summary.textContent = parts.join(' · ');
    shown = {
      header: ['start', 'end', `energy ${unit}`, `cost ${f.currencyCode()}`],
      rows: rows.map((row) => [row.start, row.end, valueOf(row), row.cost ?? '']),
    };
    const markBaseLoad = (u) => {
      if (low === null || !Number.isFinite(low)) return;
      const y = u.valToPos(low, 'y', true);
      const { ctx } = u;
      ctx.save();
      ctx.setLineDash([6, 4]);
      ctx.strokeStyle = colours.mark;
      ctx.beginPath();
      ctx.moveTo(u.bbox.left, y);
      ctx.lineTo(u.bbox.left + u.bbox.width, y);
      ctx.stroke();
      ctx.restore();
    };
    return {
      data,
      config: {
        cursor: { drag: { x: true, y: false } },
        scales: {
          // Half a bucket of room at each end, so the first and last bars show whole.
          x: { time: true, range: (u, min, max) => { const half = xs.length > 1 ? (xs[1] - xs[0]) / 2 : 1800; return [min - half, max + half]; } },
          y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [{}, { label: unit, size: 64 }],
        series,
        hooks: { drawClear: [shadeDowntimes(shownDowntimes, colours.downtime)], draw: [markBaseLoad] },
      },
    };
  }

  // The bar or point the keyboard is on: the cursor moves there and its
  // figures are read out (the legend shows them too).
  let cursorIndex = null;
  function readAt(index) {
    const xs = plot.data[0];
    if (xs.length === 0) return;
    cursorIndex = Math.max(0, Math.min(xs.length - 1, index));
    plot.setCursor({ left: plot.valToPos(xs[cursorIndex], 'x'), top: plot.bbox.height / devicePixelRatio / 2 });
    plot.setLegend({ idx: cursorIndex });
    const figures = plot.series.slice(1).map((series, i) => {
      const value = plot.data[i + 1][cursorIndex];
      return `${series.label}: ${value === null || value === undefined ? 'no data' : f.number(value, 3)}`;
    });
    readout.textContent = `${f.dateTime(xs[cursorIndex] * 1000, state.view)}: ${figures.join(', ')}`;
  }
  holder.addEventListener('keydown', (event) => {
    if (!plot) return;
    const last = plot.data[0].length - 1;
    const at = cursorIndex ?? last;
    const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
    if (step !== undefined) readAt(cursorIndex === null ? last : at + step);
    else if (event.key === 'Home') readAt(0);
    else if (event.key === 'End') readAt(last);
    else if (event.key === 'PageUp' && !back.hidden) back.click();
    else if (event.key === 'PageDown' && !forward.hidden && !forward.disabled) forward.click();
    else return;
    event.preventDefault();
  });

  const redraw = () => draw().catch((failure) => { summary.textContent = failure.message; });
  meterSelect.addEventListener('change', () => { state.meter = Number(meterSelect.value); redraw(); });
  viewSelect.addEventListener('change', () => { state.view = viewSelect.value; redraw(); });
  compareSelect.addEventListener('change', () => { state.compare = compareSelect.value; redraw(); });
  kwhBox.addEventListener('change', () => { state.kwh = kwhBox.checked; redraw(); });
  back.addEventListener('click', () => { state.date = addPeriod(state.view, state.date, -1); redraw(); });
  forward.addEventListener('click', () => { state.date = addPeriod(state.view, state.date, 1); redraw(); });
  const saveFile = (blob, name) => {
    const link = f.el('a', { href: URL.createObjectURL(blob), download: name });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  };
  exportButton.addEventListener('click', () => {
    const lines = [shown.header, ...shown.rows].map((row) => row.map((cell) => (cell === null ? '' : String(cell))).join(','));
    saveFile(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }), `pulsemon-meter${state.meter}-${state.view}-${state.date}.csv`);
  });
  // Every stored pulse of the shown range, as the API streams it.
  pulsesButton.addEventListener('click', async () => {
    const meter = meters.find((m) => m.id === state.meter);
    let range;
    if (state.view in POWER_VIEWS) {
      const now = Math.floor(Date.now() / 1000);
      range = { from: now - POWER_VIEWS[state.view].seconds, to: now };
    } else {
      range = periodOf(state.view, state.date, meter);
    }
    try {
      const blob = await api(`/api/meters/${meter.id}/pulses?from=${range.from}&to=${range.to}&tz=${encodeURIComponent(f.householdZone())}`, { accept: 'text/csv' });
      saveFile(blob, `pulsemon-meter${state.meter}-pulses-${state.view}-${state.date}.csv`);
    } catch (failure) {
      summary.textContent = failure.message;
    }
  });
  const resize = () => plot && plot.setSize({ width: chartWidth(holder), height: 260 });
  window.addEventListener('resize', resize);
  await draw();
  return () => {
    if (refresh) clearInterval(refresh);
    window.removeEventListener('resize', resize);
    if (plot) plot.destroy();
  };
}
