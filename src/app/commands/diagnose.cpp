// pulsemon diagnose --gpio CHIP:LINE [--seconds S] [--record FILE] | --from-file FILE [--json]
//
// Records both edges of a sensor's line (or reads a recording) and says what
// they show: pulse widths and intervals, contact bounce, other lights, and
// the edge and debounce settings to use. The recording format is a header
// line `t_ns,edge` and one `nanoseconds,rising|falling` line per edge.
#include "app/cli_context.h"
#include "core/edge_analysis.h"
#include "sources/gpio/chip.h"

#include <nlohmann/json.hpp>
#include <poll.h>

#include <charconv>
#include <fstream>
#include <iostream>

namespace pulsemon {

namespace {

struct DiagnoseOptions {
  std::string gpio;
  std::string from_file;
  std::string record;
  std::string bias = "pull-up";
  int seconds = 60;
  bool json = false;
};

Failure bad_line(const std::string &path, std::size_t number, std::string_view what) {
  std::string message = path;
  message += " line ";
  message += std::to_string(number);
  message += ": ";
  message += what;
  return Failure(ErrorCode::invalid_argument, message);
}

std::vector<RecordedEdge> read_recording(const std::string &path) {
  std::ifstream in(path);
  if (!in) {
    throw Failure(ErrorCode::invalid_argument, "--from-file: cannot read " + path);
  }
  std::vector<RecordedEdge> edges;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (number == 1) {
      if (line != "t_ns,edge") {
        throw bad_line(path, number, "expected the header 't_ns,edge', found '" + line + "'");
      }
      continue;
    }
    if (line.empty()) {
      continue;
    }
    const auto comma = line.find(',');
    RecordedEdge edge;
    const char *end = line.data() + (comma == std::string::npos ? line.size() : comma);
    const auto [parsed_end, ec] = std::from_chars(line.data(), end, edge.t_ns);
    const std::string kind = comma == std::string::npos ? "" : line.substr(comma + 1);
    if (ec != std::errc{} || parsed_end != end || (kind != "rising" && kind != "falling")) {
      throw bad_line(path, number,
                     "'" + line + "' is not 'nanoseconds,rising' or 'nanoseconds,falling'");
    }
    if (!edges.empty() && edge.t_ns < edges.back().t_ns) {
      throw bad_line(path, number, "time goes backwards");
    }
    edge.rising = kind == "rising";
    edges.push_back(edge);
  }
  return edges;
}

void write_recording(const std::string &path, const std::vector<RecordedEdge> &edges) {
  std::ofstream out(path);
  if (!out) {
    throw Failure(ErrorCode::invalid_argument, "--record: cannot write " + path);
  }
  out << "t_ns,edge\n";
  for (const RecordedEdge &edge : edges) {
    out << edge.t_ns << ',' << (edge.rising ? "rising" : "falling") << '\n';
  }
}

std::vector<RecordedEdge> record_gpio(const DiagnoseOptions &options) {
  const auto colon = options.gpio.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == options.gpio.size()) {
    throw Failure(ErrorCode::invalid_argument,
                  "--gpio: '" + options.gpio + "' is not CHIP:LINE (e.g. gpiochip0:GPIO17)");
  }
  gpio::LineSettings settings;
  settings.chip = options.gpio.substr(0, colon);
  settings.line = options.gpio.substr(colon + 1);
  settings.edge = gpio::EdgeChoice::both;
  settings.bias = value_or_throw(gpio::parse_bias(options.bias));
  gpio::RequestedLine line = gpio::request_line(settings, "pulsemon diagnose");
  std::cerr << "Recording both edges of " << line.chip_path << " line " << line.offset << " for "
            << options.seconds << " s; switch on a large load (a kettle) part of the time...\n";

  std::vector<RecordedEdge> edges;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{options.seconds};
  std::array<gpio_v2_line_event, 64> events{};
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      break;
    }
    pollfd fd{line.events.get(), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) {
      continue;
    }
    const ssize_t n = ::read(line.events.get(), events.data(), sizeof events);
    if (n <= 0) {
      break;
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(n) / sizeof(gpio_v2_line_event); ++i) {
      edges.push_back({static_cast<std::int64_t>(events[i].timestamp_ns),
                       events[i].id == GPIO_V2_LINE_EVENT_RISING_EDGE});
    }
  }
  return edges;
}

nlohmann::json spread_json(const std::optional<Spread> &spread) {
  if (!spread) {
    return nullptr;
  }
  return {{"min", spread->min}, {"median", spread->median}, {"max", spread->max}};
}

void print_report(const EdgeReport &report, bool as_json) {
  if (as_json) {
    const nlohmann::json out{{"edges", report.edges},
                             {"pulses", report.pulses},
                             {"bounces", report.bounces},
                             {"longest_bounce_ns", report.longest_bounce_ns},
                             {"width_ns", spread_json(report.width_ns)},
                             {"interval_ns", spread_json(report.interval_ns)},
                             {"pulse_is_low", report.pulse_is_low},
                             {"foreign_pulses", report.foreign_pulses},
                             {"foreign_period_ns", report.foreign_period_ns
                                                       ? nlohmann::json(*report.foreign_period_ns)
                                                       : nullptr},
                             {"steady_rate", report.steady_rate},
                             {"recommended_edge", report.recommended_edge},
                             {"recommended_debounce_us", report.recommended_debounce_us},
                             {"advice", report.advice}};
    std::cout << out.dump(2) << '\n';
    return;
  }
  std::cout << report.edges << " edges, " << report.pulses << " pulses, " << report.bounces
            << " bounces\n";
  const auto ms = [](std::int64_t ns) { return static_cast<double>(ns) / 1e6; };
  if (report.width_ns) {
    std::cout << "pulse width: min " << ms(report.width_ns->min) << " ms, median "
              << ms(report.width_ns->median) << " ms, max " << ms(report.width_ns->max) << " ms\n";
  }
  if (report.interval_ns) {
    std::cout << "interval:    min " << ms(report.interval_ns->min) << " ms, median "
              << ms(report.interval_ns->median) << " ms, max " << ms(report.interval_ns->max)
              << " ms\n";
  }
  std::cout << "settings:    edge = \"" << report.recommended_edge
            << "\", debounce_period_us = " << report.recommended_debounce_us << "\n\n";
  for (const std::string &line : report.advice) {
    std::cout << "- " << line << '\n';
  }
}

void run_diagnose(const DiagnoseOptions &options) {
  if (options.gpio.empty() == options.from_file.empty()) {
    throw Failure(ErrorCode::invalid_argument,
                  "diagnose: give either --gpio CHIP:LINE (record now) or --from-file FILE "
                  "(a recording)");
  }
  const std::vector<RecordedEdge> edges =
      options.gpio.empty() ? read_recording(options.from_file) : record_gpio(options);
  if (!options.record.empty()) {
    write_recording(options.record, edges);
  }
  print_report(analyse_edges(edges), options.json);
}

} // namespace

void add_diagnose_command(CLI::App &app) {
  auto options = std::make_shared<DiagnoseOptions>();
  CLI::App *diagnose = app.add_subcommand(
      "diagnose", "Record a sensor's edges (or read a recording) and say how to adjust it");
  diagnose->add_option("--gpio", options->gpio, "CHIP:LINE to record, e.g. gpiochip0:GPIO17");
  diagnose->add_option("--seconds", options->seconds, "how long to record")
      ->capture_default_str()
      ->check(CLI::Range(1, 86'400));
  diagnose->add_option("--bias", options->bias, "pull-up | pull-down | disabled | as-is")
      ->capture_default_str();
  diagnose->add_option("--from-file", options->from_file,
                       "analyse a recording (header t_ns,edge) instead of a live line");
  diagnose->add_option("--record", options->record, "also write the edges to this file");
  diagnose->add_flag("--json", options->json, "print the report as JSON");
  diagnose->callback([options] { run_diagnose(*options); });
}

} // namespace pulsemon
