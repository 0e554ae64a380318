// Health: what could make the figures wrong, and the sensors behind them.
// Gaps on a timeline (kernel sequence gaps, node outages, overflows), edges
// the filter rejected by reason, sensor nodes with signal, supply, buffer,
// firmware and when they were last heard, the clock and the version.
import { api } from './api.js';
import * as f from './format.js';
import { durationText, parseDowntimes } from './downtime.js';

const DAY = 24 * 3600 * 1000;

function gapTimeline(gaps) {
  // The last 30 days as a strip, each gap a mark at its time.
  const now = Date.now();
  const strip = f.el('div', { class: 'timeline', role: 'img', 'aria-label': `${gaps.length} gaps in the last 30 days` });
  for (const gap of gaps) {
    const at = Date.parse(gap.at);
    if (now - at > 30 * DAY) continue;
    const left = 100 - ((now - at) / (30 * DAY)) * 100;
    strip.append(f.el('span', { class: 'mark', title: `${f.time(gap.at)}: ${gap.reason}`, 'data-left': left.toFixed(2) }));
  }
  // Positions through CSSOM, which the page's policy allows (no style attributes).
  for (const mark of strip.children) mark.style.left = `${mark.dataset.left}%`;
  return strip;
}

// "running", "running (restarted 2 times; last: …)" or "down: why; trying again at …".
function sourceText(source) {
  if (source.state !== 'running') {
    return `down: ${source.last_failure}; trying again at ${f.time(source.restart_at)}`;
  }
  const notes = [];
  if (source.condition) notes.push(source.condition);
  if (source.restarts > 0) notes.push(`restarted ${source.restarts} time${source.restarts === 1 ? '' : 's'}; last: ${source.last_failure}`);
  return notes.length ? `running (${notes.join('; ')})` : 'running';
}

// "daily to /mnt/usb; the last 2026-…, 12.5 MB", or why there is none.
function backupText(backup) {
  if (!backup) return 'none scheduled: set [backup] dir to a USB disk or a NAS share (docs/backup.md)';
  const last = backup.last
    ? `the last ${f.time(backup.last.at)}, ${f.number(backup.last.bytes / 1e6, 1)} MB`
    : 'none made yet';
  const failed = backup.last_failure ? `; failed ${f.time(backup.last_failure_at)}: ${backup.last_failure}` : '';
  return `${backup.every} to ${backup.dir}; ${last}${failed}`;
}

// The last 30 days' downtimes as a strip of spans, and a line each.
function downtimeCard(downtimes) {
  const now = Date.now();
  const strip = f.el('div', { class: 'timeline', role: 'img', 'aria-label': `pulsemon was not running ${downtimes.length} times in the last 30 days` });
  for (const down of downtimes) {
    const left = Math.max(0, 100 - ((now - down.fromMs) / (30 * DAY)) * 100);
    const width = Math.max(0.3, ((down.toMs - Math.max(down.fromMs, now - 30 * DAY)) / (30 * DAY)) * 100);
    strip.append(f.el('span', { class: 'span', title: `${f.time(new Date(down.fromMs).toISOString())}: ${durationText(down.toMs - down.fromMs)}`, 'data-left': left.toFixed(2), 'data-width': width.toFixed(2) }));
  }
  for (const span of strip.children) {
    span.style.left = `${span.dataset.left}%`;
    span.style.width = `${span.dataset.width}%`;
  }
  return f.el('section', { class: 'card', 'aria-labelledby': 'health-downtime' },
    f.el('h2', { id: 'health-downtime' }, 'When pulsemon was not running'),
    strip,
    downtimes.length === 0
      ? f.el('p', { class: 'summary', 'data-testid': 'downtime' }, 'It ran throughout the last 30 days.')
      : f.el('ul', { class: 'gaps', 'data-testid': 'downtime' }, downtimes.slice(-10).reverse().map((down) => f.el('li', {},
        `${down.exact ? '' : 'about '}${f.time(new Date(down.fromMs).toISOString())} to ${f.time(new Date(down.toMs).toISOString())}: ${durationText(down.toMs - down.fromMs)}`))),
    f.el('p', { class: 'summary' }, 'Nothing was counted from GPIO lines or simulators then; sensor nodes send what they kept once pulsemon is back.'));
}

export async function renderHealth(root) {
  const [status, meters, nodes, downtimeList] = await Promise.all([api('/api/status'), api('/api/meters'), api('/api/nodes'), api('/api/downtime')]);
  const downtimes = parseDowntimes(downtimeList);
  const clock = status.clock_synchronised === null ? 'unknown' : status.clock_synchronised ? 'synchronised' : 'not synchronised';
  root.append(
    f.el('section', { class: 'card' },
      f.el('h2', {}, 'pulsemon'),
      f.el('dl', {},
        f.el('dt', {}, 'Version'), f.el('dd', { 'data-testid': 'version' }, status.version),
        f.el('dt', {}, 'Time zone'), f.el('dd', {}, status.zone),
        f.el('dt', {}, 'Clock'), f.el('dd', { class: status.clock_synchronised === false ? 'bad' : '' }, clock),
        f.el('dt', {}, 'Backups'),
        f.el('dd', { class: !status.backup || status.backup.overdue || status.backup.last_failure ? 'bad' : '', 'data-testid': 'backup' },
          backupText(status.backup)),
        (status.sources || []).flatMap((source) => [
          f.el('dt', {}, source.name),
          f.el('dd', { class: source.state === 'running' && !source.condition ? '' : 'bad', 'data-testid': `source-${source.meter}` },
            sourceText(source))]))),
  );
  root.append(downtimeCard(downtimes));
  const behind = new Map((status.totals_behind || []).map((hole) => [hole.meter, hole]));
  for (const meter of meters) {
    const rejected = meter.rejected || {};
    const hole = behind.get(meter.id);
    root.append(
      f.el('section', { class: 'card', 'aria-label': `${meter.name} health` },
        f.el('h2', {}, meter.name),
        hole
          ? f.el('p', { class: 'bad', role: 'status', 'data-testid': `behind-${meter.id}` },
            `The database is ${f.number(hole.missing, 3)} ${meter.unit} behind the total already published `
            + `(since ${f.time(hole.since)}; was it put back from an older copy?). The total shown holds at `
            + `${f.number(hole.published_total, 3)} ${meter.unit} until new pulses make up the difference.`)
          : '',
        f.el('dl', {},
          f.el('dt', {}, 'Pulses stored'), f.el('dd', {}, f.number(meter.pulses)),
          f.el('dt', {}, 'Resent, stored once'), f.el('dd', {}, f.number(meter.duplicates)),
          f.el('dt', {}, 'Rejected: bounce'), f.el('dd', { 'data-testid': `too-close-${meter.id}` }, f.number(rejected.too_close || 0)),
          f.el('dt', {}, 'Rejected: too short'), f.el('dd', {}, f.number(rejected.too_short || 0)),
          f.el('dt', {}, 'Rejected: unpaired'), f.el('dd', {}, f.number(rejected.unpaired || 0)),
          f.el('dt', {}, 'Gaps (30 days)'), f.el('dd', {}, gapTimeline(meter.gaps || []))),
        meter.pulses === 0 && (meter.gaps || []).length === 0
          ? f.el('p', { class: 'summary' }, 'No pulses yet: nothing has arrived from this meter.')
          : (meter.gaps || []).length === 0
            ? f.el('p', { class: 'summary' }, downtimes.length === 0
              ? 'No gaps: every pulse is accounted for.'
              : 'No gaps recorded while pulsemon ran; see when it was not running above.')
          : f.el('ul', { class: 'gaps' }, meter.gaps.slice(0, 10).map((gap) =>
            f.el('li', {}, `${f.time(gap.at)}: ${gap.reason}${gap.missing_pulses ? ` (${gap.missing_pulses} pulses)` : ''}`)))),
    );
  }
  const nodeRows = nodes.map((node) => {
    const health = node.health || {};
    return f.el('tr', {},
      f.el('td', {}, node.node),
      f.el('td', {}, String(node.meter)),
      f.el('td', {}, health.rssi !== undefined ? `${health.rssi} dBm` : '–'),
      f.el('td', {}, health.voltage !== undefined ? `${f.number(health.voltage, 2)} V` : '–'),
      f.el('td', {}, health.buffer !== undefined ? f.number(health.buffer) : '–'),
      f.el('td', {}, f.number((health.too_close ?? health.glitches) || 0)),
      f.el('td', {}, health.firmware || '–'),
      f.el('td', {}, f.time(node.last_heard)));
  });
  root.append(
    f.el('section', { class: 'card wide' },
      f.el('h2', {}, 'Sensor nodes'),
      nodes.length === 0
        ? f.el('p', { class: 'summary' }, 'No sensor node has uploaded yet (docs/sensor-node.md).')
        // On a phone the table scrolls sideways; the keyboard can scroll it too.
        : f.el('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Sensor nodes, scrolls sideways' }, f.el('table', { 'data-testid': 'nodes' },
          f.el('thead', {}, f.el('tr', {}, ['Node', 'Meter', 'Signal', 'Supply', 'Buffered', 'Bounce', 'Firmware', 'Last heard'].map((h) => f.el('th', { scope: 'col' }, h)))),
          f.el('tbody', {}, nodeRows)))),
  );
  return () => {};
}
