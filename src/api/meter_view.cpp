#include "api/meter_view.h"

#include "core/time_text.h"

namespace pulsemon {

nlohmann::json meter_view(SqliteStore &store, const Meter &meter, UtcTime now,
                          std::optional<double> live_power) {
  const MeterStats stats = store.stats(meter.id);
  const RegisterState state = store.register_state(meter.id, now);
  const std::optional<double> power = live_power ? live_power : store.latest_power(meter.id, now);
  nlohmann::json nodes = nlohmann::json::array();
  for (const NodeStatus &node : store.nodes_of_meter(meter.id)) {
    nodes.push_back(node_view(node, now));
  }
  nlohmann::json recent_gaps = nlohmann::json::array();
  for (const Gap &gap : store.gaps(meter.id, 10)) {
    recent_gaps.push_back(
        {{"at", format_utc(gap.at)},
         {"missing_pulses",
          gap.missing_pulses ? nlohmann::json(*gap.missing_pulses) : nlohmann::json()},
         {"reason", gap.reason}});
  }
  nlohmann::json json{
      {"id", meter.id},
      {"name", meter.name},
      {"location", meter.location},
      {"kind", to_string(meter.kind)},
      {"unit", meter.unit},
      {"ppu", meter.pulses_per_unit},
      {"tariff", meter.tariff},
      {"min_interval_ms", static_cast<double>(meter.filter.min_interval.count()) / 1000.0},
      {"min_width_ms", static_cast<double>(meter.filter.min_width.count()) / 1000.0},
      {"power_timeout_s", meter.power_timeout.count()},
      {"pulses", stats.pulses},
      {"duplicates", stats.duplicates},
      {"rejected",
       {{"too_close", stats.rejected.too_close},
        {"too_short", stats.rejected.too_short},
        {"unpaired", stats.rejected.unpaired}}},
      {"total", state.total},
      {"gaps", recent_gaps},
      {"nodes", nodes},
      {"power", power ? nlohmann::json(*power) : nlohmann::json()},
      {"power_unit", rate_unit(meter.unit).name},
      {"register", state.register_value},
      {"first_pulse",
       stats.first_pulse ? nlohmann::json(format_utc(*stats.first_pulse)) : nlohmann::json()},
      {"last_pulse",
       stats.last_pulse ? nlohmann::json(format_utc(*stats.last_pulse)) : nlohmann::json()},
  };
  return json;
}

nlohmann::json node_view(const NodeStatus &node, UtcTime now) {
  return {{"node", node.name},
          {"meter", node.meter_id},
          {"key", node.key_id},
          {"last_heard", format_utc(node.last_heard)},
          {"seconds_since_heard",
           std::chrono::duration_cast<std::chrono::seconds>(now - node.last_heard).count()},
          {"boot", node.boot},
          {"last_seq", node.last_seq},
          {"health", nlohmann::json::parse(node.health_json, nullptr, false)}};
}

} // namespace pulsemon
