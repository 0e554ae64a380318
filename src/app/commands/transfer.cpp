// pulsemon import csv FILE --meter N ; pulsemon export csv --meter N [--from T] [--to T]
//
// The format is core/pulse_csv.h's, with the config's time zone for times
// without an offset. Export writes the header and ISO-8601 UTC with
// microseconds, so export → import reproduces every pulse exactly.
#include "app/cli_context.h"
#include "app/progress.h"
#include "core/pulse_csv.h"
#include "core/time_text.h"
#include "store/recorder.h"

#include <date/tz.h>

#include <fstream>
#include <iostream>

namespace pulsemon {

namespace {

// Calls `visit(time)` for each pulse; stops at the first bad line with an
// error naming the file and the line.
template <class Visit>
void read_pulse_file(const std::string &path, const date::time_zone &zone, Visit visit) {
  std::ifstream in(path);
  if (!in) {
    throw Failure(ErrorCode::invalid_argument, "FILE: cannot read " + path);
  }
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    auto pulse = read_pulse_csv_line(line, ++number, zone);
    if (!pulse.ok()) {
      throw Failure(ErrorCode::invalid_argument, path + " " + pulse.error().message);
    }
    if (*pulse) {
      visit(**pulse);
    }
  }
}

void import_csv(CliContext &context, const std::string &path, std::int64_t meter_id) {
  const date::time_zone &zone = *date::locate_zone(context.config().zone);
  auto store = context.open_store();
  (void)store->meter(meter_id);
  // First pass: check every line, so a bad file changes nothing.
  Progress progress("checking pulses");
  std::int64_t lines = 0;
  read_pulse_file(path, zone, [&](UtcTime) {
    ++lines;
    progress.add();
  });

  progress.next_step("importing pulses", lines);
  Recorder recorder(*store, nullptr);
  BulkLoad load(recorder);
  read_pulse_file(path, zone, [&](UtcTime t) {
    load.add(meter_id, t);
    progress.add();
  });
  load.finish();
  progress.finish();
  std::cout << "Imported " << lines << " pulses into meter " << meter_id << ": " << load.stored()
            << " new, " << load.duplicates() << " already there\n";
}

void export_csv(CliContext &context, std::int64_t meter_id, const std::string &from_text,
                const std::string &to_text) {
  const date::time_zone &zone = *date::locate_zone(context.config().zone);
  auto store = context.open_store();
  (void)store->meter(meter_id);
  const UtcTime from =
      from_text.empty() ? utc_from_epoch_us(0) : value_or_throw(parse_time(from_text, zone));
  const UtcTime to =
      to_text.empty() ? utc_from_epoch_us(INT64_MAX) : value_or_throw(parse_time(to_text, zone));
  Progress progress("exporting pulses", store->count_pulses(meter_id, from, to),
                    Progress::Output::data_on_stdout);
  std::cout << "time\n";
  UtcTime next = from;
  while (true) {
    const auto page = store->pulses_page(meter_id, next, to, 10'000);
    for (const UtcTime t : page) {
      std::cout << format_utc(t) << '\n';
    }
    progress.add(static_cast<std::int64_t>(page.size()));
    if (page.size() < 10'000) {
      break;
    }
    next = page.back() + Micros{1};
  }
  std::cout.flush();
}

} // namespace

void add_transfer_commands(CLI::App &app, CliContext &context) {
  CLI::App *import = app.add_subcommand("import", "Import pulses into the store");
  import->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto import_meter = std::make_shared<std::int64_t>(0);
  CLI::App *import_csv_cmd = import->add_subcommand(
      "csv", "Import one pulse time per line (ISO-8601 or epoch microseconds)");
  import_csv_cmd->add_option("file", *file, "the CSV file")->required();
  import_csv_cmd->add_option("--meter", *import_meter, "meter id to import into")->required();
  import_csv_cmd->callback(
      [&context, file, import_meter] { import_csv(context, *file, *import_meter); });
  add_import_emon_command(*import, context);

  CLI::App *export_cmd = app.add_subcommand("export", "Export pulses from the store");
  export_cmd->require_subcommand(1);
  auto export_meter = std::make_shared<std::int64_t>(0);
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  CLI::App *export_csv_cmd =
      export_cmd->add_subcommand("csv", "Print one pulse time per line (ISO-8601 UTC)");
  export_csv_cmd->add_option("--meter", *export_meter, "meter id")->required();
  export_csv_cmd->add_option("--from", *from, "first time (default: the beginning)");
  export_csv_cmd->add_option("--to", *to, "end time, exclusive (default: the end)");
  export_csv_cmd->callback(
      [&context, export_meter, from, to] { export_csv(context, *export_meter, *from, *to); });
}

} // namespace pulsemon
