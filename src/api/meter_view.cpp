#include "api/meter_view.h"

#include "core/power.h"
#include "core/time_text.h"
#include "core/untrusted_json.h"
#include "ingest/ingest_batch.h"

#include <algorithm>

namespace pulsemon {

namespace {

constexpr std::size_t recent_gap_count = 10;

} // namespace

std::optional<RegisterState> MeterFacts::state_if_settled(UtcTime now) const {
  if (now == state_at || (now >= settled_from && state_at >= settled_from)) {
    return state;
  }
  return std::nullopt;
}

MeterFacts read_meter_facts(Store &store, const Meter &meter, UtcTime now) {
  MeterFacts facts{.meter = meter,
                   .created = store.meter_created(meter.id),
                   .stats = store.stats(meter.id),
                   .state = store.register_state(meter.id, now),
                   .state_at = now,
                   .settled_from = {},
                   .last_pulses = store.last_pulses(meter.id, 2),
                   .nodes = store.nodes_of_meter(meter.id),
                   .recent_gaps = store.gaps(meter.id, recent_gap_count)};
  // The register moves with the clock only while a record or a pulse lies
  // ahead of it; from the latest of them on, it stays as it is.
  facts.settled_from = facts.stats.last_pulse.value_or(facts.created);
  for (const RegisterRecord &record : store.register_records(meter.id)) {
    facts.settled_from = std::max(facts.settled_from, record.at);
  }
  return facts;
}

std::optional<double> power_now(const MeterFacts &facts, UtcTime now, const LivePower *live) {
  if (live != nullptr) {
    return live->power;
  }
  return power_after_stored_pulses(power_settings_for(facts.meter), facts.last_pulses, now);
}

MovingFigures moving_figures(const MeterFacts &facts, const RegisterState &state, UtcTime now,
                             const LivePower *live) {
  MovingFigures moving{
      power_now(facts, now, live), live != nullptr ? live->latency : Micros{0}, state, {}};
  for (const NodeStatus &node : facts.nodes) {
    moving.seconds_since_heard.push_back(
        std::chrono::duration_cast<std::chrono::seconds>(now - node.last_heard).count());
  }
  return moving;
}

nlohmann::json meter_view(const MeterFacts &facts, const MovingFigures &moving) {
  const Meter &meter = facts.meter;
  const MeterStats &stats = facts.stats;
  const RegisterState &state = moving.state;
  const std::optional<double> &power = moving.power;
  nlohmann::json nodes = nlohmann::json::array();
  for (std::size_t i = 0; i < facts.nodes.size(); ++i) {
    nodes.push_back(node_view(facts.nodes[i], moving.seconds_since_heard.at(i)));
  }
  nlohmann::json recent_gaps = nlohmann::json::array();
  for (const Gap &gap : facts.recent_gaps) {
    recent_gaps.push_back(
        {{"at", format_utc(gap.at)},
         {"missing_pulses",
          gap.missing_pulses ? nlohmann::json(*gap.missing_pulses) : nlohmann::json()},
         {"reason", gap.reason}});
  }
  nlohmann::json json{
      {"id", meter.id},
      {"site", meter.site_id},
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
      {"power_latency_s", to_seconds(moving.power_latency)},
      {"register", state.register_value},
      {"first_pulse",
       stats.first_pulse ? nlohmann::json(format_utc(*stats.first_pulse)) : nlohmann::json()},
      {"last_pulse",
       stats.last_pulse ? nlohmann::json(format_utc(*stats.last_pulse)) : nlohmann::json()},
  };
  return json;
}

nlohmann::json meter_view(Store &store, const Meter &meter, UtcTime now) {
  const MeterFacts facts = read_meter_facts(store, meter, now);
  return meter_view(facts, moving_figures(facts, facts.state, now, nullptr));
}

nlohmann::json node_view(const NodeStatus &node, UtcTime now) {
  return node_view(node,
                   std::chrono::duration_cast<std::chrono::seconds>(now - node.last_heard).count());
}

namespace {

// What a node reported, through the same policy as when it arrived: a
// report stored before that policy (nested, or with other fields) is shown
// as its documented fields, or as {} when those are out of range.
nlohmann::json shown_health(const std::string &stored) {
  const auto parsed = parse_untrusted_json(stored, "health");
  if (!parsed.ok()) {
    return nlohmann::json::object();
  }
  try {
    return node_health(*parsed);
  } catch (const Failure &) {
    return nlohmann::json::object();
  }
}

} // namespace

nlohmann::json node_view(const NodeStatus &node, std::int64_t seconds_since_heard) {
  return {{"node", node.name},
          {"meter", node.meter_id},
          {"key", node.key_id},
          {"last_heard", format_utc(node.last_heard)},
          {"seconds_since_heard", seconds_since_heard},
          {"boot", node.boot},
          {"last_seq", node.last_seq},
          {"health", shown_health(node.health_json)},
          // What the server's pulse rule filtered of the node's pulses
          // (the node's own filter counts into health.too_close).
          {"filtered", {{"too_close", node.filtered_too_close}}}};
}

} // namespace pulsemon
