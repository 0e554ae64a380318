#include "store/legacy/emon_import.h"

#include "core/second_spreader.h"
#include "core/time_text.h"
#include "store/recorder.h"

#include <algorithm>
#include <iterator>

namespace pulsemon {

namespace {

constexpr std::size_t page_size = 10'000;

// One meter's stored pulses in time order, read a page at a time from a
// given time on; for merging with a time-ordered walk through the file.
class StoredPulses {
public:
  StoredPulses(Store &store, std::int64_t meter_id, UtcTime from, UtcTime to)
      : store_(store), meter_id_(meter_id), next_from_(from), to_(to) {}

  // The next stored pulse at or after `at` (asked in ascending order), or
  // none; consumes the pulses before it.
  std::optional<UtcTime> first_from(UtcTime at) {
    while (true) {
      while (position_ < page_.size() && page_[position_] < at) {
        ++position_;
      }
      if (position_ < page_.size()) {
        return page_[position_];
      }
      if (exhausted_) {
        return std::nullopt;
      }
      page_ = store_.pulses_page(meter_id_, std::max(next_from_, at), to_, page_size);
      position_ = 0;
      exhausted_ = page_.size() < page_size;
      if (!page_.empty()) {
        next_from_ = page_.back() + Micros{1};
      }
    }
  }

  // The stored pulses in [from, until), consumed, written over `taken`.
  void take_until(UtcTime from, UtcTime until, std::vector<UtcTime> &taken) {
    taken.clear();
    for (auto t = first_from(from); t && *t < until; t = first_from(*t + Micros{1})) {
      taken.push_back(*t);
    }
  }

private:
  Store &store_;
  std::int64_t meter_id_;
  UtcTime next_from_;
  UtcTime to_;
  std::vector<UtcTime> page_;
  std::size_t position_ = 0;
  bool exhausted_ = false;
};

UtcTime end_of_time() {
  return utc_from_epoch_us(INT64_MAX);
}

} // namespace

EmonPulseTotals import_emon_pulses(EmonDb &old, const MeasurementSnapshot &snapshot, Store &store,
                                   const WorkDone &rows_done) {
  EmonPulseTotals totals;
  Recorder recorder(store, nullptr);
  BulkLoad load(recorder);
  SecondSpreader spreader;
  std::optional<std::int64_t> meter;
  std::optional<StoredPulses> stored;

  std::vector<UtcTime> here;
  std::vector<UtcTime> free;
  const auto store_second = [&](UtcTime second, const std::vector<UtcTime> &times) {
    const auto rows = static_cast<std::int64_t>(times.size());
    stored->take_until(second, second + std::chrono::seconds{1}, here);
    const auto already = static_cast<std::int64_t>(here.size());
    if (already == 0) {
      for (const UtcTime t : times) {
        load.add(*meter, t);
      }
      return;
    }
    if (already >= rows) {
      totals.already_there += rows;
      totals.fuller_seconds += already > rows ? 1 : 0;
      return;
    }
    // The spread times not taken yet; the last of them fill what is missing.
    free.clear();
    std::set_difference(times.begin(), times.end(), here.begin(), here.end(),
                        std::back_inserter(free));
    const auto missing = rows - already;
    for (auto it = free.end() - missing; it != free.end(); ++it) {
      load.add(*meter, *it);
    }
    totals.already_there += already;
    ++totals.grown_seconds;
    totals.added_to_grown_seconds += missing;
  };

  std::int64_t unreported = 0;
  old.for_each_measurement(snapshot, [&](std::int64_t meter_id, UtcTime stamp) {
    if (meter != meter_id) {
      spreader.finish(store_second);
      meter = meter_id;
      // From the start of the first row's second: a fractional first row
      // may have stored pulses before it in its second.
      stored.emplace(store, meter_id, std::chrono::floor<std::chrono::seconds>(stamp),
                     end_of_time());
      totals.spans[meter_id] = RowSpan{stamp, stamp};
    }
    totals.spans[meter_id].last = stamp;
    ++totals.rows;
    if (!spreader.add(stamp, store_second)) {
      throw Failure(ErrorCode::invalid_argument,
                    "meter " + std::to_string(meter_id) + " has more than " +
                        std::to_string(SecondSpreader::max_rows_per_second) +
                        " measurement rows in the second " + format_utc(stamp) +
                        "; they cannot be pulses");
    }
    if (++unreported == 4096) {
      rows_done(unreported);
      unreported = 0;
    }
  });
  spreader.finish(store_second);
  load.finish();
  rows_done(unreported);
  totals.stored = load.stored();
  totals.shared_rows = spreader.shared_rows();
  return totals;
}

namespace {

UtcTime floor_to(UtcTime t, std::int64_t seconds) {
  const std::int64_t s = to_epoch_us(t) / 1'000'000;
  return utc_from_epoch_us((s - (s % seconds + seconds) % seconds) * 1'000'000);
}

// One (table, meter) pair: the table's intervals walked beside the stored
// pulses, both in time order, over the table's span and the file's rows.
void check_one_meter(EmonDb &old, Store &store, CountTableCheck &check,
                     std::optional<std::int64_t> meter_in_table, std::int64_t meter_id,
                     const RowSpan &span, const WorkDone &pulses_done) {
  const std::int64_t seconds = check.table.seconds;
  const std::chrono::seconds length{seconds};
  StoredPulses stored(store, meter_id, utc_from_epoch_us(0), end_of_time());
  UtcTime from = floor_to(span.first, seconds); // the first interval not walked yet
  const auto compare = [&](UtcTime start, std::int64_t table_says, std::int64_t here) {
    if (here > 0) {
      check.stored_ends = std::max(check.stored_ends.value_or(start), start);
    }
    if (table_says == here) {
      return;
    }
    if (++check.differ == 1) {
      check.first_difference =
          (check.meters.size() > 1 ? "meter " + std::to_string(meter_id) + ", " : std::string()) +
          format_utc(start) + ": the table says " + std::to_string(table_says) + ", stored " +
          std::to_string(here);
    }
  };
  std::vector<UtcTime> taken;
  const auto count_here = [&](UtcTime start) {
    stored.take_until(start, start + length, taken);
    const auto here = static_cast<std::int64_t>(taken.size());
    pulses_done(here);
    return here;
  };
  // Intervals with pulses here that the table lacks disagree (the table
  // says 0): that is how a table the cron job has not refreshed shows.
  const auto walk_stored_until = [&](UtcTime until) {
    for (auto t = stored.first_from(from); t && *t < until; t = stored.first_from(from)) {
      const UtcTime start = floor_to(*t, seconds);
      compare(start, 0, count_here(start));
      from = start + length;
    }
  };
  old.for_each_count(check.table, meter_in_table, [&](const EmonCount &row) {
    ++check.intervals;
    check.table_ends = std::max(check.table_ends.value_or(row.start), row.start);
    from = std::min(from, row.start);
    walk_stored_until(row.start);
    compare(row.start, row.pulses, count_here(row.start));
    from = row.start + length;
  });
  walk_stored_until(std::max(floor_to(span.last, seconds) + length, from));
}

} // namespace

std::vector<CountTableCheck> check_count_tables(EmonDb &old, Store &store,
                                                const std::map<std::int64_t, RowSpan> &spans,
                                                const WorkDone &pulses_done) {
  std::vector<CountTableCheck> checks;
  for (EmonCountTable &table : old.count_tables()) {
    CountTableCheck check;
    check.table = std::move(table);
    check.meters = old.meters_in(check.table);
    if (check.meters.empty()) {
      if (spans.size() != 1) {
        check.not_checked = "it counts every meter together and the file has " +
                            std::to_string(spans.size()) + " meters";
        checks.push_back(std::move(check));
        continue;
      }
      check.meters.push_back(spans.begin()->first);
    }
    std::vector<std::int64_t> without_rows;
    for (const std::int64_t meter_id : check.meters) {
      // Only meters the file has rows of: a table of a meter without rows
      // would otherwise be held against whatever pulses a meter of that id
      // has here from elsewhere.
      const auto span = spans.find(meter_id);
      if (span == spans.end()) {
        without_rows.push_back(meter_id);
        continue;
      }
      check_one_meter(old, store, check,
                      check.table.meter_column.empty() ? std::nullopt
                                                       : std::optional<std::int64_t>(meter_id),
                      meter_id, span->second, pulses_done);
    }
    for (const std::int64_t meter_id : without_rows) {
      check.not_checked += (check.not_checked.empty() ? "" : ", ") + std::string("meter ") +
                           std::to_string(meter_id) + " has no measurement rows in the file";
    }
    checks.push_back(std::move(check));
  }
  return checks;
}

} // namespace pulsemon
