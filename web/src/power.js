// Live power between pulses, as the API computes it (src/core/power.h):
// at a pulse P is the rate its interval implies; between pulses
// P(now) = min(P at the last pulse, rate(now − latency − last pulse)): a
// pulse reaches this page up to the meter's power_latency_s late (the
// daemon's commit interval and the trip here), so the figure holds until the
// next pulse is overdue by that much and only then decays; after the
// meter's timeout, 0.

// Watts per unit per hour for energy units (core/meter.cpp, rate_unit);
// other units show their flow per hour (m³/h).
const FACTOR = { kWh: 1000, Wh: 1, MWh: 1e6 };

export function rateFor(intervalSeconds, meter) {
  return (3600 / (meter.ppu * intervalSeconds)) * (FACTOR[meter.unit] || 1);
}

export function powerNow(state, meter, nowMs) {
  if (state.lastPulseMs === null) return state.power;
  const since = (nowMs - state.lastPulseMs) / 1000 - (meter.power_latency_s || 0);
  if (since >= meter.power_timeout_s) return 0;
  if (state.power === null) return null;
  if (since <= 0) return state.power;
  return Math.min(state.power, rateFor(since, meter));
}
