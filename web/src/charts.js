// Charts: power over the last hour and the last 24 hours per meter
// (GET /api/meters/{id}/power), drawn with uPlot, in the household's time
// zone, with zoom by dragging and the hour's chart following live.
import uPlot from 'uplot';
import { api } from './api.js';
import * as f from './format.js';

const RANGES = [
  { label: 'Last hour', seconds: 3600, step: 10 },
  { label: 'Last 24 hours', seconds: 86400, step: 300 },
];

function zoned(ts) {
  return uPlot.tzDate(new Date(ts * 1000), f.householdZone());
}

async function series(meter, range, nowS) {
  const rows = await api(
    `/api/meters/${meter.id}/power?from=${nowS - range.seconds}&to=${nowS}&step=${range.step}`,
  );
  const xs = rows.map((row) => Date.parse(row.start) / 1000);
  const ys = rows.map((row) => row.average);
  return [xs, ys];
}

function chartWidth(root) {
  return Math.max(280, Math.min(root.clientWidth - 32, 1100));
}

export async function renderCharts(root) {
  const meters = await api('/api/meters');
  const charts = [];
  for (const meter of meters) {
    for (const range of RANGES) {
      const holder = f.el('div', { class: 'chart', 'data-testid': `chart-${meter.id}-${range.seconds}` });
      root.append(f.el('section', { class: 'card' }, f.el('h2', {}, `${meter.name}: ${range.label}`), holder));
      const data = await series(meter, range, Math.floor(Date.now() / 1000));
      const plot = new uPlot(
        {
          width: chartWidth(root),
          height: 220,
          tzDate: zoned,
          cursor: { drag: { x: true, y: false } },
          scales: { x: { time: true } },
          axes: [{}, { label: meter.power_unit, size: 60 }],
          series: [{}, { label: `Power (${meter.power_unit})`, stroke: '#0a7', fill: 'rgba(0,170,119,0.12)', width: 1.5 }],
        },
        data,
        holder,
      );
      charts.push({ meter, range, plot });
    }
  }
  if (meters.length === 0) root.append(f.el('p', { class: 'card' }, 'No meters yet.'));
  const refresh = setInterval(async () => {
    const nowS = Math.floor(Date.now() / 1000);
    for (const chart of charts.filter((c) => c.range.seconds === 3600)) {
      try {
        chart.plot.setData(await series(chart.meter, chart.range, nowS));
      } catch {
        // the next refresh tries again
      }
    }
  }, 10000);
  const resize = () => charts.forEach((c) => c.plot.setSize({ width: chartWidth(root), height: 220 }));
  window.addEventListener('resize', resize);
  return () => {
    clearInterval(refresh);
    window.removeEventListener('resize', resize);
    charts.forEach((c) => c.plot.destroy());
  };
}
