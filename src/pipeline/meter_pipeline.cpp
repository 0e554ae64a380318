#include "pipeline/meter_pipeline.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace pulsemon {

namespace {

FilterCounts rejections_since(const FilterCounts &now, const FilterCounts &before) {
  FilterCounts delta;
  delta.too_close = now.too_close - before.too_close;
  delta.too_short = now.too_short - before.too_short;
  delta.unpaired = now.unpaired - before.unpaired;
  return delta;
}

PowerSettings with_latency(PowerSettings settings, Micros latency) {
  settings.latency = latency;
  return settings;
}

} // namespace

MeterPipelines::Lane::Lane(const Meter &m, const LiveTiming &timing)
    : meter(m), rate_unit(pulsemon::rate_unit(m.unit).name), filter(m.filter),
      power(with_latency(power_settings_for(m), timing.latency)), latency(timing.latency) {
  if (timing.started) {
    power.watch_from(*timing.started);
  }
}

void MeterPipelines::Lane::set_latency(Micros value) {
  latency = value;
  power.set_settings(with_latency(power_settings_for(meter), latency));
}

MeterPipelines::Lane *MeterPipelines::find_lane(std::int64_t meter_id) const {
  const std::shared_lock lock(lanes_mutex_);
  const auto found = lanes_.find(meter_id);
  return found == lanes_.end() ? nullptr : found->second.get();
}

MeterFollowed MeterPipelines::follow_meters(const std::vector<Meter> &meters, MonoTime now) {
  MeterFollowed followed;
  for (const Meter &meter : meters) {
    Lane *const lane = find_lane(meter.id);
    if (lane == nullptr) {
      LiveTiming timing = timing_;
      timing.started = now;
      const std::unique_lock lock(lanes_mutex_);
      lanes_.emplace(meter.id, std::make_unique<Lane>(meter, timing));
      followed.added.push_back(meter);
      continue;
    }
    bool same = false;
    {
      const std::lock_guard lock(lane->mutex);
      same = lane->meter == meter;
    }
    if (!same && apply_settings(meter)) {
      followed.changed.push_back(meter);
    }
  }
  return followed;
}

bool MeterPipelines::apply_settings(const Meter &meter) {
  Lane *const found = find_lane(meter.id);
  if (found == nullptr) {
    return false;
  }
  Lane &lane = *found;
  const std::lock_guard lock(lane.mutex);
  lane.meter = meter;
  lane.rate_unit = rate_unit(meter.unit).name;
  lane.filter.set_settings(meter.filter);
  lane.set_latency(lane.latency); // the meter's new ppu and timeout, the same latency
  return true;
}

MeterPipelines::MeterPipelines(const std::vector<Meter> &meters, BatchHandler handler,
                               LiveTiming timing)
    : handler_(std::move(handler)), timing_(timing) {
  for (const Meter &meter : meters) {
    lanes_.emplace(meter.id, std::make_unique<Lane>(meter, timing_));
  }
}

void MeterPipelines::on_edge(const Edge &edge) {
  Lane *const found = find_lane(edge.meter_id);
  if (found == nullptr) {
    spdlog::warn(
        "an edge for meter {} arrived, but no such meter exists; add it with 'pulsemon meter add'",
        edge.meter_id);
    return;
  }
  Lane &lane = *found;
  std::lock_guard lock(lane.mutex);
  if (edge.single_edge) {
    const FilterVerdict verdict = lane.filter.on_pulse(edge.monotonic);
    if (verdict.accepted()) {
      accept(lane, verdict, edge);
    }
    return;
  }
  const auto verdicts = lane.filter.on_edge(edge.kind, edge.monotonic);
  for (const auto &verdict : {verdicts.first, verdicts.second}) {
    if (verdict && verdict->accepted()) {
      accept(lane, *verdict, edge);
    }
  }
}

void MeterPipelines::accept(Lane &lane, const FilterVerdict &verdict, const Edge &edge) {
  // The pulse is timed by its leading edge; its wall time follows from this
  // edge's pairing of the source's two clocks.
  const UtcTime wall = edge.wall - (edge.monotonic - verdict.pulse_time);
  const std::optional<double> power = lane.power.on_pulse(verdict.pulse_time);
  lane.last_pulse = wall;
  const FilterCounts counts = lane.filter.counts();
  // The power travels with the pulse through the writer and the bus, so
  // the live stream shows it with the pulse once committed.
  PulseBatch batch{lane.meter.id, {wall}, rejections_since(counts, lane.reported), {}, {power}};
  lane.reported = counts;
  handler_(std::move(batch));
}

std::vector<MeterPipelines::LivePulse>
MeterPipelines::on_committed(std::int64_t meter_id, const std::vector<UtcTime> &pulses,
                             MonoTime now_monotonic, UtcTime now_wall,
                             const std::vector<std::optional<double>> &powers) {
  std::vector<LivePulse> live;
  Lane *const found = find_lane(meter_id);
  if (found == nullptr) {
    return live; // a meter the daemon has not read yet (follow_meters adds it)
  }
  Lane &lane = *found;
  const bool own = !powers.empty() && powers.size() == pulses.size();
  std::vector<std::pair<UtcTime, std::optional<double>>> in_order;
  in_order.reserve(pulses.size());
  for (std::size_t i = 0; i < pulses.size(); ++i) {
    in_order.emplace_back(pulses[i], own ? powers[i] : std::nullopt);
  }
  std::sort(in_order.begin(), in_order.end(),
            [](const auto &a, const auto &b) { return a.first < b.first; });
  std::lock_guard lock(lane.mutex);
  bool latency_set = false;
  for (const auto &[wall, power_when_it_came] : in_order) {
    if (lane.last_shown && wall <= *lane.last_shown) {
      continue; // shown already
    }
    if (own) {
      // This lane's own, with the power estimated when it came.
      live.push_back({meter_id, lane.meter.site_id, wall, power_when_it_came});
      lane.last_shown = wall;
      continue;
    }
    if (lane.last_pulse && wall <= *lane.last_pulse) {
      continue; // not after the lane's own latest: outside the live figures
    }
    if (!latency_set) {
      // Stored by another path (a node's upload): its pulses come as late as
      // the oldest new one of this batch, which the power has to allow for.
      latency_set = true;
      const Micros came_late =
          std::clamp<Micros>(now_wall - wall, timing_.latency,
                             std::max<Micros>(timing_.latency, lane.power.settings().timeout));
      lane.set_latency(came_late);
    }
    const std::optional<double> power = lane.power.on_pulse(now_monotonic - (now_wall - wall));
    live.push_back({meter_id, lane.meter.site_id, wall, power});
    lane.last_pulse = wall;
    lane.last_shown = wall;
  }
  return live;
}

void MeterPipelines::on_lost_pulses(std::int64_t meter_id, UtcTime at, std::int64_t pulses,
                                    const std::string &reason) {
  Lane *const found = find_lane(meter_id);
  if (found == nullptr) {
    return;
  }
  Lane &lane = *found;
  std::lock_guard lock(lane.mutex);
  lane.lost_pulses += pulses;
  handler_(PulseBatch{meter_id, {}, {}, {Gap{at, pulses, reason}}});
}

void MeterPipelines::hand_on_rejections() {
  const std::shared_lock lanes(lanes_mutex_);
  for (const auto &[id, lane] : lanes_) {
    std::lock_guard lock(lane->mutex);
    const FilterCounts counts = lane->filter.counts();
    const FilterCounts delta = rejections_since(counts, lane->reported);
    if (delta.rejected() > 0) {
      lane->reported = counts;
      handler_(PulseBatch{id, {}, delta, {}});
    }
  }
}

std::optional<double> MeterPipelines::power_now(std::int64_t meter_id, MonoTime now) const {
  const Lane *const found = find_lane(meter_id);
  if (found == nullptr) {
    return std::nullopt;
  }
  const std::lock_guard lock(found->mutex);
  return found->power.power_at(now);
}

std::vector<MeterLiveStatus> MeterPipelines::status(MonoTime now) const {
  std::vector<MeterLiveStatus> result;
  const std::shared_lock lanes(lanes_mutex_);
  for (const auto &[id, lane] : lanes_) {
    std::lock_guard lock(lane->mutex);
    result.push_back({id, lane->meter.name, lane->rate_unit, lane->power.power_at(now),
                      lane->latency, lane->last_pulse, lane->filter.counts(), lane->lost_pulses});
  }
  return result;
}

} // namespace pulsemon
