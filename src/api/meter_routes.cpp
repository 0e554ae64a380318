// GET /api/meters, GET /api/meters/{id}, …/energy, …/power.
#include "api/api.h"
#include "api/energy_answers.h"
#include "api/meter_view.h"
#include "api/site_access.h"
#include "core/calendar.h"
#include "core/power.h"
#include "core/quoted_input.h"
#include "core/time_text.h"
#include "domain/alerts.h"
#include "domain/series.h"

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <set>

namespace pulsemon {

namespace {

const date::time_zone &zone_of(const ApiContext &context, const http::Request &request) {
  const auto it = request.query.find("tz");
  const std::string name = it == request.query.end() ? context.settings.zone : it->second;
  try {
    return *date::locate_zone(name);
  } catch (const std::exception &) {
    throw Failure(ErrorCode::invalid_argument,
                  "tz: " + quoted_input(name) +
                      " is not an IANA time zone (e.g. Europe/Amsterdam)");
  }
}

UtcTime time_param(const http::Request &request, const std::string &name,
                   const date::time_zone &zone, UtcTime fallback) {
  const auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) {
    return fallback;
  }
  auto parsed = parse_time(it->second, zone);
  if (!parsed.ok()) {
    throw Failure(ErrorCode::invalid_argument, name + ": " + parsed.error().message);
  }
  return *parsed;
}

struct Range {
  UtcTime from;
  UtcTime to;
};

Range range_of(const http::Request &request, const date::time_zone &zone, Micros default_span,
               UtcTime now) {
  const UtcTime to = time_param(request, "to", zone, now);
  const UtcTime from = time_param(request, "from", zone, to - default_span);
  if (from >= to) {
    throw Failure(ErrorCode::invalid_argument, "from: must be before to");
  }
  return {from, to};
}

http::Response energy(ApiContext &context, EnergyAnswers &answers, const http::Request &request) {
  const std::int64_t id = meter_in_reach(context, request);
  const date::time_zone &zone = zone_of(context, request);
  const auto bucket_text =
      request.query.contains("bucket") ? request.query.at("bucket") : std::string("hour");
  const BucketSize size = value_or_throw(parse_bucket_size(bucket_text));
  const Range range = range_of(request, zone, std::chrono::hours{24}, context.time->wall_now());
  const EnergyAnswers::Key key{id, to_epoch_us(range.from), to_epoch_us(range.to),
                               static_cast<int>(size), std::string(zone.name())};
  const std::uint64_t generation = context.reads.generation();
  if (const std::string *kept = answers.find(key, generation)) {
    return http::json_response(200, *kept);
  }
  const auto snapshot = context.store.read_scope();
  const Meter meter = context.store.meter(id);
  const Calendar calendar(zone, context.settings.billing_day);
  auto rows = energy_series(context.store, id, range.from, range.to, size, calendar,
                            context.settings.max_rows);
  if (!rows.ok()) {
    throw Failure(rows.error());
  }
  nlohmann::json body = nlohmann::json::array();
  for (const EnergyRow &row : *rows) {
    nlohmann::json item{{"start", format_utc(row.bucket.start)},
                        {"end", format_utc(row.bucket.end)},
                        {"pulses", row.pulses},
                        {"value", row.value},
                        {"unit", meter.unit},
                        {"cost", row.cost ? nlohmann::json(*row.cost) : nlohmann::json()}};
    if (row.kwh) {
      item["kwh"] = *row.kwh;
    }
    body.push_back(std::move(item));
  }
  std::string text = http::json_text(body);
  answers.keep(key, text, generation);
  return http::json_response(200, std::move(text));
}

// When pulsemon was not running in a range (core/downtime.h); by default
// the last 30 days. At most 1000 runs are read, so the work is bounded
// however often the daemon restarted.
http::Response downtime(ApiContext &context, const http::Request &request) {
  constexpr std::size_t max_runs = 1000;
  const date::time_zone &zone = zone_of(context, request);
  const Range range = range_of(request, zone, date::days{30}, context.time->wall_now());
  const std::vector<DaemonRun> runs = context.store.runs_around(range.from, range.to, max_runs);
  nlohmann::json body = nlohmann::json::array();
  for (const Downtime &down : downtimes_between(runs, range.from, range.to)) {
    body.push_back({{"from", format_utc(down.from)},
                    {"to", format_utc(down.to)},
                    {"seconds", std::llround(to_seconds(down.to - down.from))},
                    {"exact", down.exact}});
  }
  return http::json_response(200, http::json_text(body));
}

http::Response power(ApiContext &context, const http::Request &request) {
  const std::int64_t id = meter_in_reach(context, request);
  const Meter meter = context.store.meter(id);
  const date::time_zone &zone = zone_of(context, request);
  const std::int64_t step = integer_query(request, "step", 1, max_power_step.count(), 60);
  const Range range = range_of(request, zone, std::chrono::hours{1}, context.time->wall_now());
  auto rows = power_series(context.store, id, range.from, range.to, std::chrono::seconds{step},
                           context.settings.max_rows);
  if (!rows.ok()) {
    throw Failure(rows.error());
  }
  const std::string unit = rate_unit(meter.unit).name;
  nlohmann::json body = nlohmann::json::array();
  for (const PowerRow &row : *rows) {
    body.push_back({{"start", format_utc(row.span.start)},
                    {"end", format_utc(row.span.end)},
                    {"pulses", row.pulses},
                    {"average", row.average},
                    {"unit", unit}});
  }
  return http::json_ok(body);
}

// Pulses as JSON (an array of UTC times) or CSV (Accept: text/csv; a header
// line, then one time per line), in pages of 10 000 so that a year of pulses
// streams without being held in memory.
http::Response pulses(ApiContext &context, const http::Request &request) {
  const std::int64_t id = meter_in_reach(context, request); // 404 before the stream starts
  const Range range =
      range_of(request, zone_of(context, request), std::chrono::hours{1}, context.time->wall_now());
  const bool csv = request.header("accept").find("text/csv") != std::string::npos;

  struct Cursor {
    UtcTime next;
    bool started = false;
    bool wrote_any = false;
    bool finished = false;
  };
  auto cursor = std::make_shared<Cursor>(Cursor{range.from});
  http::Response response;
  response.content_type = csv ? "text/csv" : "application/json; charset=utf-8";
  response.next_chunk = [&context, id, to = range.to, csv, cursor]() -> std::optional<std::string> {
    if (cursor->finished) {
      return std::nullopt;
    }
    constexpr std::size_t page_size = 10'000;
    const std::vector<UtcTime> page = context.store.pulses_page(id, cursor->next, to, page_size);
    std::string chunk;
    if (!cursor->started) {
      chunk = csv ? "time\n" : "[";
      cursor->started = true;
    }
    for (const UtcTime t : page) {
      if (csv) {
        chunk += format_utc(t);
        chunk += '\n';
        continue;
      }
      if (cursor->wrote_any) {
        chunk += ',';
      }
      chunk += '"' + format_utc(t) + '"';
      cursor->wrote_any = true;
    }
    if (page.size() < page_size) {
      cursor->finished = true;
      if (!csv) {
        chunk += "]";
      }
    } else {
      cursor->next = page.back() + Micros{1};
    }
    return chunk;
  };
  return response;
}

// The meter as the API shows it, with how finely its energy is known: from
// pulses, or only from power reports ([[mqtt_power]], lower resolution).
nlohmann::json api_meter_view(ApiContext &context, const MeterFacts &facts,
                              const MovingFigures &moving) {
  nlohmann::json view = meter_view(facts, moving);
  view["resolution"] =
      context.power_report_meters.contains(facts.meter.id) ? "power reports" : "pulses";
  return view;
}

// The total held at what was published, while the store is behind it.
MovingFigures moving_at(ApiContext &context, const MeterFacts &facts, UtcTime now,
                        const LivePowers &live) {
  MovingFigures moving = moving_figures(facts, context.reads.register_state(facts, now), now,
                                        live_power(live, facts.meter.id));
  if (context.totals != nullptr) {
    moving.state.total = context.totals->shown(facts.meter.id, MarkedFigure::total,
                                               moving.state.total, now, half_a_pulse(facts.meter));
  }
  return moving;
}

// GET /api/meters, which dashboards and scripts poll far more often than
// the database or the figures that move with the clock change: while
// neither has (the same cache generation, the same moving figures), the
// answer is the bytes made last time for the same sites. A caller sees
// the meters of the sites it sees (api/site_access.h), and only those are
// read: a household in a co-operative of a thousand costs its own meters.
class MeterList {
public:
  http::Response answer(ApiContext &context, const http::Principal &caller) {
    const UtcTime now = context.time->wall_now();
    const std::set<std::int64_t> sites = visible_sites(context, caller);
    const auto live = live_powers(context);
    std::vector<const MeterFacts *> shown;
    for (const Meter &meter : context.reads.catalogue()) {
      if (sites.contains(meter.site_id) && shows_meter(caller, meter.id)) {
        shown.push_back(&context.reads.meter(meter.id, now));
      }
    }
    std::vector<MovingFigures> moving;
    moving.reserve(shown.size());
    for (const MeterFacts *facts : shown) {
      moving.push_back(moving_at(context, *facts, now, live));
    }
    if (generation_ != context.reads.generation()) {
      kept_.clear();
      generation_ = context.reads.generation();
    }
    Kept &kept = kept_[{sites, caller.display_meters}];
    if (!kept.body.empty() && moving == kept.moving) {
      return http::json_response(200, kept.body);
    }
    nlohmann::json body = nlohmann::json::array();
    for (std::size_t i = 0; i < shown.size(); ++i) {
      body.push_back(api_meter_view(context, *shown[i], moving[i]));
    }
    kept.body = http::json_text(body);
    kept.moving = std::move(moving);
    const std::string answer = kept.body;
    if (kept_.size() > max_kept) {
      kept_.clear(); // bounded: a thousand households each with its own list
    }
    return http::json_response(200, answer);
  }

private:
  static constexpr std::size_t max_kept = 4096;
  struct Kept {
    std::vector<MovingFigures> moving;
    std::string body;
  };
  std::uint64_t generation_ = 0;
  // By the sites seen (and a display link's meters).
  std::map<std::pair<std::set<std::int64_t>, std::vector<std::int64_t>>, Kept> kept_;
};

// Every meter's alerts and base load, worked out again when the data
// changed or an hour began (both read whole hours), else answered from the
// last time; each caller gets those of the sites it sees.
class InsightsAnswer {
public:
  http::Response alerts(ApiContext &context, const http::Principal &caller) {
    refresh(context);
    return answer_for(context, caller, alerts_);
  }
  http::Response base_loads(ApiContext &context, const http::Principal &caller) {
    refresh(context);
    return answer_for(context, caller, base_loads_);
  }

private:
  struct Item {
    std::int64_t site_id = 0;
    std::int64_t meter_id = 0;
    nlohmann::json body;
  };

  static http::Response answer_for(ApiContext &context, const http::Principal &caller,
                                   const std::vector<Item> &items) {
    const std::set<std::int64_t> sites = visible_sites(context, caller);
    nlohmann::json body = nlohmann::json::array();
    for (const Item &item : items) {
      if (sites.contains(item.site_id) && shows_meter(caller, item.meter_id)) {
        body.push_back(item.body);
      }
    }
    return http::json_response(200, http::json_text(body));
  }

  void refresh(ApiContext &context) {
    const UtcTime now = context.time->wall_now();
    const std::int64_t hour = to_epoch_us(now) / 3'600'000'000;
    const std::uint64_t generation = context.reads.generation();
    if (refreshed_ && generation == generation_ && hour == hour_) {
      return;
    }
    const date::time_zone &zone = *date::locate_zone(context.settings.zone);
    const Calendar calendar(zone, context.settings.billing_day);
    const auto snapshot = context.store.read_scope();
    alerts_.clear();
    base_loads_.clear();
    for (const Meter &meter : context.store.meters()) {
      const MeterInsights insights =
          meter_insights(context.store, meter, calendar, now, context.settings.alerts);
      for (const Alert &alert : insights.alerts) {
        alerts_.push_back({meter.site_id,
                           meter.id,
                           {{"meter", meter.id},
                            {"name", meter.name},
                            {"kind", to_string(alert.kind)},
                            {"since", since_text(alert)},
                            {"message", alert.message}}});
      }
      if (insights.base_load_w) {
        const auto cost = yearly_cost_of_load(meter, *insights.base_load_w);
        base_loads_.push_back(
            {meter.site_id,
             meter.id,
             {{"meter", meter.id},
              {"name", meter.name},
              {"watts", *insights.base_load_w},
              {"cost_per_year", cost ? nlohmann::json(*cost) : nlohmann::json()}}});
      }
    }
    refreshed_ = true;
    generation_ = generation;
    hour_ = hour;
  }

  bool refreshed_ = false;
  std::uint64_t generation_ = 0;
  std::int64_t hour_ = 0;
  std::vector<Item> alerts_;
  std::vector<Item> base_loads_;
};

} // namespace

void add_meter_routes(http::Router &router, ApiContext &context) {
  const auto insights = std::make_shared<InsightsAnswer>();
  router.add({"GET",
              "/api/alerts",
              http::Access::viewer,
              [&context, insights](http::Request &request) {
                return insights->alerts(context, caller_of(request));
              },
              {},
              false,
              true});
  router.add({"GET",
              "/api/downtime",
              http::Access::viewer,
              [&context](http::Request &request) { return downtime(context, request); },
              {},
              false,
              true});
  router.add({"GET",
              "/api/base-load",
              http::Access::viewer,
              [&context, insights](http::Request &request) {
                return insights->base_loads(context, caller_of(request));
              },
              {},
              false,
              true});
  router.add({"GET",
              "/api/meters",
              http::Access::viewer,
              [&context, list = std::make_shared<MeterList>()](http::Request &request) {
                return list->answer(context, caller_of(request));
              },
              {},
              false,
              true});
  router.add({"GET",
              "/api/meters/{id}",
              http::Access::viewer,
              [&context](http::Request &request) {
                const std::int64_t id = meter_in_reach(context, request);
                const UtcTime now = context.time->wall_now();
                const MeterFacts &facts = context.reads.meter(id, now);
                return http::json_ok(api_meter_view(
                    context, facts, moving_at(context, facts, now, live_powers(context))));
              },
              {},
              false,
              true});
  router.add({"GET",
              "/api/meters/{id}/energy",
              http::Access::viewer,
              [&context, answers = std::make_shared<EnergyAnswers>()](http::Request &request) {
                return energy(context, *answers, request);
              },
              {},
              false,
              true});
  router.add({"GET",
              "/api/meters/{id}/pulses",
              http::Access::viewer,
              [&context](http::Request &request) { return pulses(context, request); },
              {}});
  router.add({"GET",
              "/api/meters/{id}/power",
              http::Access::viewer,
              [&context](http::Request &request) { return power(context, request); },
              {},
              false,
              true});
}

} // namespace pulsemon
