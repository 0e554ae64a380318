// When pulsemon itself was not running (GET /api/downtime): nothing was
// counted from GPIO lines or simulators then, so a bucket that lies wholly
// in that time and holds no pulse is "no data", never 0 W or 0 kWh. A
// sensor node keeps counting and sends its pulses later: a bucket that
// holds pulses keeps them. Pure: no DOM, no clock.

export function parseDowntimes(list) {
  return list.map((down) => ({ fromMs: Date.parse(down.from), toMs: Date.parse(down.to), exact: down.exact }));
}

export function coveredByDowntime(row, downtimes) {
  const start = Date.parse(row.start);
  const end = Date.parse(row.end);
  return downtimes.some((down) => down.fromMs <= start && end <= down.toMs);
}

// `valueOf` with the rows pulsemon could not count made null.
export function withoutDowntime(valueOf, downtimes) {
  return (row) => (row.pulses === 0 && coveredByDowntime(row, downtimes) ? null : valueOf(row));
}

// "45 min", "2 h 28 min", "3 days 4 h".
export function durationText(ms) {
  const minutes = Math.round(ms / 60e3);
  if (minutes < 60) return `${Math.max(minutes, 1)} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} days` : `${days} days ${hours % 24} h`;
}
