// GET /metrics: Prometheus's text format (core/metrics_text.h), following
// its naming conventions: base units (joules, cubic metres, watts,
// seconds), one unit per metric, `_total` for counters. A meter's series
// carry only its id (`meter`), so that renaming it does not start new
// series; its name, kind and unit are on pulsemon_meter_info. Energy is a
// counter of joules, so rate() gives watts. The per-meter counters never go
// down, not even when the database is put back older: they hold at the
// highest value published (store/published_totals.h), which is saved
// before the answer goes out.
//
// Access (http::Access::metrics): a login (viewer or above, or the old
// service's token), or the metrics token ([metrics] token_file), which
// opens this endpoint and no other. Never open by accident: without
// either, 401; a device key, 403.
#include "api/api.h"
#include "api/meter_view.h"
#include "api/site_access.h"

#include <nlohmann/json.hpp>

#include <set>

#include <map>
#include <optional>

namespace pulsemon {

namespace {

// Joules in one of the meter's units, for the energy units HA and people use.
std::optional<double> joules_per_unit(const std::string &unit) {
  if (unit == "Wh") {
    return 3.6e3;
  }
  if (unit == "kWh") {
    return 3.6e6;
  }
  if (unit == "MWh") {
    return 3.6e9;
  }
  if (unit == "MJ") {
    return 1e6;
  }
  if (unit == "GJ") {
    return 1e9;
  }
  return std::nullopt;
}

// Cubic metres in one of the meter's units, for the volume units.
std::optional<double> cubic_metres_per_unit(const std::string &unit) {
  if (unit == "m³" || unit == "m3") {
    return 1.0;
  }
  if (unit == "L") {
    return 1e-3;
  }
  if (unit == "ft³") {
    return 0.028316846592;
  }
  if (unit == "CCF") {
    return 2.8316846592;
  }
  if (unit == "gal") {
    return 0.003785411784; // US gallons, as Home Assistant takes them
  }
  return std::nullopt;
}

double seconds_since_epoch(UtcTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

MetricLabels meter_labels(const Meter &meter) {
  return {{"meter", std::to_string(meter.id)}};
}

void meter_metrics(MetricsText &text, ApiContext &context, const std::vector<MeterFacts> &meters,
                   UtcTime now) {
  const LivePowers live = live_powers(context);
  std::vector<MovingFigures> moving;
  // Per meter, the counters as published: held at their marks, which are
  // raised and saved before the answer leaves, so that a scraper that has
  // it never sees less.
  std::vector<std::map<MarkedFigure, double>> counted;
  moving.reserve(meters.size());
  for (const MeterFacts &facts : meters) {
    moving.push_back(moving_figures(facts, context.reads.register_state(facts, now), now,
                                    live_power(live, facts.meter.id)));
    const MeterStats &stats = facts.stats;
    std::map<MarkedFigure, double> &figures = counted.emplace_back();
    figures[MarkedFigure::total] = moving.back().state.total;
    figures[MarkedFigure::pulses] = static_cast<double>(stats.pulses);
    figures[MarkedFigure::resent] = static_cast<double>(stats.duplicates);
    figures[MarkedFigure::too_close] = static_cast<double>(stats.rejected.too_close);
    figures[MarkedFigure::too_short] = static_cast<double>(stats.rejected.too_short);
    figures[MarkedFigure::unpaired] = static_cast<double>(stats.rejected.unpaired);
    if (context.totals != nullptr) {
      for (auto &[figure, value] : figures) {
        value = context.totals->publish(facts.meter.id, figure, value, now, false,
                                        figure == MarkedFigure::total ? half_a_pulse(facts.meter)
                                                                      : 0.5);
      }
    }
    moving.back().state.total = figures[MarkedFigure::total];
  }
  if (context.totals != nullptr) {
    context.totals->save();
  }

  text.family("pulsemon_meter_info", "gauge",
              "A meter's name, kind and unit (the unit its total and pulses_per_unit are in); "
              "always 1.");
  for (const MeterFacts &facts : meters) {
    text.sample({{"meter", std::to_string(facts.meter.id)},
                 {"name", facts.meter.name},
                 {"kind", std::string(to_string(facts.meter.kind))},
                 {"unit", facts.meter.unit}},
                1.0);
  }
  text.family("pulsemon_pulses_stored_total", "counter", "Pulses stored, per meter.");
  for (std::size_t i = 0; i < meters.size(); ++i) {
    text.sample(meter_labels(meters[i].meter), counted[i][MarkedFigure::pulses]);
  }
  text.family("pulsemon_pulses_resent_total", "counter",
              "Pulses that arrived again (a node's resent batch) and were stored once.");
  for (std::size_t i = 0; i < meters.size(); ++i) {
    text.sample(meter_labels(meters[i].meter), counted[i][MarkedFigure::resent]);
  }
  text.family("pulsemon_edges_rejected_total", "counter",
              "Edges the pulse filter rejected, by reason (too_close: contact bounce, "
              "too_short: a glitch, unpaired: an edge without its pair).");
  for (std::size_t i = 0; i < meters.size(); ++i) {
    const std::string id = std::to_string(meters[i].meter.id);
    for (const MarkedFigure reason :
         {MarkedFigure::too_close, MarkedFigure::too_short, MarkedFigure::unpaired}) {
      text.sample({{"meter", id}, {"reason", std::string(to_string(reason))}}, counted[i][reason]);
    }
  }
  text.family("pulsemon_energy_joules_total", "counter",
              "Energy through meters that count energy, in joules; rate() gives watts.");
  for (std::size_t i = 0; i < meters.size(); ++i) {
    if (const auto joules = joules_per_unit(meters[i].meter.unit)) {
      text.sample(meter_labels(meters[i].meter), moving[i].state.total * *joules);
    }
  }
  text.family("pulsemon_volume_cubic_meters_total", "counter",
              "Volume through meters that count volume (gas, water), in cubic metres.");
  for (std::size_t i = 0; i < meters.size(); ++i) {
    if (const auto cubic_metres = cubic_metres_per_unit(meters[i].meter.unit)) {
      text.sample(meter_labels(meters[i].meter), moving[i].state.total * *cubic_metres);
    }
  }
  text.family("pulsemon_power_watts", "gauge",
              "Power now, from the time between the last pulses (falls as 1/t while none "
              "comes, 0 after the meter's power timeout).");
  for (std::size_t i = 0; i < meters.size(); ++i) {
    const RateUnit rate = rate_unit(meters[i].meter.unit);
    if (rate.name == "W" && moving[i].power) {
      text.sample(meter_labels(meters[i].meter), *moving[i].power);
    }
  }
  text.family("pulsemon_flow_cubic_meters_per_second", "gauge",
              "Flow now through meters that count volume, in cubic metres per second.");
  for (std::size_t i = 0; i < meters.size(); ++i) {
    const auto cubic_metres = cubic_metres_per_unit(meters[i].meter.unit);
    if (cubic_metres && moving[i].power) {
      text.sample(meter_labels(meters[i].meter), *moving[i].power * *cubic_metres / 3600.0);
    }
  }
  text.family("pulsemon_last_pulse_timestamp_seconds", "gauge",
              "When the meter's last stored pulse came (Unix time).");
  for (const MeterFacts &facts : meters) {
    if (facts.stats.last_pulse) {
      text.sample({{"meter", std::to_string(facts.meter.id)}},
                  seconds_since_epoch(*facts.stats.last_pulse));
    }
  }
  text.family("pulsemon_recent_gaps", "gauge",
              "Gaps (lost pulses, outages) among the meter's most recent ones, as /api/meters "
              "lists them.");
  for (const MeterFacts &facts : meters) {
    text.sample({{"meter", std::to_string(facts.meter.id)}},
                static_cast<double>(facts.recent_gaps.size()));
  }
  text.family("pulsemon_last_gap_timestamp_seconds", "gauge",
              "When the meter's most recent gap began (Unix time).");
  for (const MeterFacts &facts : meters) {
    if (!facts.recent_gaps.empty()) {
      text.sample({{"meter", std::to_string(facts.meter.id)}},
                  seconds_since_epoch(facts.recent_gaps.front().at));
    }
  }
}

void node_metrics(MetricsText &text, const std::vector<MeterFacts> &meters) {
  struct Reading {
    MetricLabels labels;
    nlohmann::json health;
    UtcTime last_heard;
    std::int64_t filtered_too_close = 0;
  };
  std::vector<Reading> nodes;
  for (const MeterFacts &facts : meters) {
    for (const NodeStatus &node : facts.nodes) {
      nlohmann::json health = nlohmann::json::parse(node.health_json, nullptr, false);
      if (!health.is_object()) {
        health = nlohmann::json::object();
      }
      nodes.push_back({{{"node", node.name}, {"meter", std::to_string(node.meter_id)}},
                       std::move(health),
                       node.last_heard,
                       node.filtered_too_close});
    }
  }
  auto numeric = [&](const char *name, const char *help, const char *field) {
    text.family(name, "gauge", help);
    for (const Reading &node : nodes) {
      if (node.health.contains(field) && node.health[field].is_number()) {
        text.sample(node.labels, node.health[field].get<double>());
      }
    }
  };
  numeric("pulsemon_node_rssi_dbm", "The sensor node's WiFi signal, as it last reported.", "rssi");
  numeric("pulsemon_node_supply_volts", "The sensor node's supply voltage, as it last reported.",
          "voltage");
  numeric("pulsemon_node_buffered_pulses",
          "Pulses waiting in the sensor node's buffer, as it last reported.", "buffer");
  text.family("pulsemon_node_last_heard_timestamp_seconds", "gauge",
              "When the sensor node last uploaded (Unix time).");
  for (const Reading &node : nodes) {
    text.sample(node.labels, seconds_since_epoch(node.last_heard));
  }
  text.family("pulsemon_node_filtered_pulses_total", "counter",
              "The sensor node's pulses the server's pulse rule filtered, by reason.");
  for (const Reading &node : nodes) {
    MetricLabels labels = node.labels;
    labels.emplace_back("reason", "too_close");
    text.sample(labels, static_cast<double>(node.filtered_too_close));
  }
}

void process_metrics(MetricsText &text, ApiContext &context) {
  if (context.writer_stats) {
    const WriterStats stats = context.writer_stats();
    text.family("pulsemon_writer_queued_pulses", "gauge",
                "Pulses from the GPIO lines and simulators waiting to be committed.");
    text.sample({}, static_cast<double>(stats.queued_pulses));
    text.family("pulsemon_writer_failed_commits_total", "counter",
                "Commits that failed (a full disk, a read-only file) and were retried.");
    text.sample({}, static_cast<double>(stats.failed_commits));
    text.family("pulsemon_writer_commit_seconds", "histogram",
                "How long the writer's commits took.");
    text.histogram({}, stats.commit_seconds);
  }
  if (context.backup) {
    const BackupStatus backup = context.backup();
    if (backup.last_good) {
      text.family("pulsemon_last_backup_timestamp_seconds", "gauge",
                  "When the newest good scheduled backup was made (Unix time).");
      text.sample({}, seconds_since_epoch(*backup.last_good));
      text.family("pulsemon_last_backup_bytes", "gauge", "The newest good backup's size.");
      text.sample({}, static_cast<double>(backup.last_bytes));
    }
    text.family("pulsemon_backup_overdue", "gauge",
                "1 while the newest good backup is older than twice its interval, or none is.");
    text.sample({}, backup.overdue ? 1.0 : 0.0);
    text.family("pulsemon_backup_failures_total", "counter",
                "Scheduled backups that failed since start.");
    text.sample({}, static_cast<double>(backup.failures));
  }
  text.family("pulsemon_http_requests_total", "counter",
              "HTTP requests answered, by route and status.");
  for (const auto &entry : context.http_counts) {
    const RouteCounts &counts = entry.second;
    for (const auto &[status, count] : counts.by_status) {
      text.sample({{"route", counts.route}, {"code", std::to_string(status)}},
                  static_cast<double>(count));
    }
  }
  text.family("pulsemon_http_request_duration_seconds", "histogram",
              "How long the routes' handlers took, by route.");
  for (const auto &entry : context.http_counts) {
    text.histogram({{"route", entry.second.route}}, entry.second.seconds);
  }
  if (context.live_streams) {
    text.family("pulsemon_live_streams", "gauge", "Live streams (GET /api/live) open now.");
    text.sample({}, static_cast<double>(context.live_streams()));
  }
  if (context.clock_synchronised) {
    text.family("pulsemon_clock_synchronised", "gauge",
                "1 when the kernel says the wall clock is synchronised (NTP, chrony), else 0.");
    text.sample({}, context.clock_synchronised() ? 1.0 : 0.0);
  }
  text.family("pulsemon_build_info", "gauge", "pulsemon's version, as a label; always 1.");
  text.sample({{"version", context.settings.version}}, 1.0);
}

// The meters whose figures the caller sees: every one for the metrics
// token (the install's own Prometheus), a user's sites' otherwise
// (api/site_access.h).
std::vector<MeterFacts> metered(ApiContext &context, const http::Request &request, UtcTime now) {
  const http::Principal &caller = caller_of(request);
  if (caller.role == "metrics") {
    return context.reads.meters(now);
  }
  const std::set<std::int64_t> sites = visible_sites(context, caller);
  std::vector<MeterFacts> seen;
  for (const Meter &meter : context.reads.catalogue()) {
    if (sites.contains(meter.site_id)) {
      seen.push_back(context.reads.meter(meter.id, now));
    }
  }
  return seen;
}

} // namespace

void add_metrics_routes(http::Router &router, ApiContext &context) {
  router.add({"GET",
              "/metrics",
              http::Access::metrics, // a login or the metrics token
              [&context](http::Request &request) {
                const UtcTime now = context.time->wall_now();
                const std::vector<MeterFacts> meters = metered(context, request, now);
                MetricsText text;
                meter_metrics(text, context, meters, now);
                node_metrics(text, meters);
                process_metrics(text, context);
                http::Response response;
                response.content_type = std::string(metrics_content_type);
                response.body = text.text();
                return response;
              },
              {}});
}

} // namespace pulsemon
