#include "ingest/node_batches.h"

#include "core/boot_anchor.h"
#include "core/quoted_input.h"
#include "core/spaced_pulses.h"

#include <algorithm>
#include <span>
#include <string>

namespace pulsemon {

namespace {

constexpr std::size_t max_missing_listed = 100;
// Only this many numbers below the newest are looked through for holes, so
// an upload's work does not grow with every batch a node ever sent (a node
// up for a year has sent tens of thousands); a node holds far fewer
// batches waiting than this, so an older hole could not be resent anyway.
constexpr std::int64_t missing_window = 1000;

// Which numbers of this boot below its newest are still missing (the node
// resends them).
std::vector<std::int64_t> missing_numbers(Store &store, const std::string &node, std::int64_t boot,
                                          std::int64_t newest) {
  std::vector<std::int64_t> missing;
  std::int64_t expected = std::max<std::int64_t>(1, newest - missing_window + 1);
  store.visit_batch_numbers(node, boot, expected, [&](std::int64_t seq) {
    for (; expected < seq && missing.size() < max_missing_listed; ++expected) {
      missing.push_back(expected);
    }
    expected = std::max(expected, seq + 1);
    return missing.size() < max_missing_listed;
  });
  return missing;
}

// The stored pulses that can decide keep_spaced's verdicts. A pulse's
// verdict depends only on whether a stored pulse sits at its time and
// whether one lies within a minimum interval before or after it, so when
// the batch's span holds many stored pulses (a node resending a day, into
// a meter that another source also feeds), one of each per arriving pulse
// gives the same verdicts as all of them, and the work stays in proportion
// to the batch rather than to what is stored.
std::vector<UtcTime> stored_neighbours(Store &store, std::int64_t meter_id,
                                       std::span<const UtcTime> arriving, Micros min_interval) {
  const auto [first, last] = std::minmax_element(arriving.begin(), arriving.end());
  const UtcTime from = *first - min_interval;
  const UtcTime to = *last + min_interval + Micros{1};
  std::vector<UtcTime> stored;
  const auto read_all_up_to = static_cast<std::int64_t>(4 * arriving.size() + 64);
  if (store.count_pulses(meter_id, from, to) <= read_all_up_to) {
    store.for_each_pulse(meter_id, from, to, [&](UtcTime t) { stored.push_back(t); });
    return stored;
  }
  const auto take_first = [&](UtcTime begin, UtcTime end) {
    if (begin < end) {
      const std::vector<UtcTime> page = store.pulses_page(meter_id, begin, end, 1);
      stored.insert(stored.end(), page.begin(), page.end());
    }
  };
  for (const UtcTime t : arriving) {
    take_first(t - min_interval + Micros{1}, t); // one too soon before it
    take_first(t, t + Micros{1});                // the same pulse, stored already
    take_first(t + Micros{1}, t + min_interval); // one too soon after it
  }
  std::sort(stored.begin(), stored.end());
  stored.erase(std::unique(stored.begin(), stored.end()), stored.end());
  return stored;
}

// The meter's minimum interval over the batch and the stored pulses around
// it (core/spaced_pulses.h); returns how many it filtered.
std::int64_t filter_too_close(Store &store, PulseBatch &pulses) {
  if (pulses.pulses.empty()) {
    return 0;
  }
  const Micros min_interval = store.meter(pulses.meter_id).filter.min_interval;
  const std::vector<UtcTime> stored =
      min_interval > Micros{0}
          ? stored_neighbours(store, pulses.meter_id, pulses.pulses, min_interval)
          : std::vector<UtcTime>{};
  SpacedPulses spaced = keep_spaced(std::move(pulses.pulses), stored, min_interval);
  pulses.pulses = std::move(spaced.kept);
  pulses.rejected.too_close += static_cast<std::uint64_t>(spaced.too_close);
  return spaced.too_close;
}

// How far below a batch its boot's numbers must all be stored for it to
// lower the estimate. Nodes resend every batch until it is acknowledged,
// so a number missing this close is on its way (taken by another instance,
// redelivered by a broker); one missing from further back is taken for
// lost and holds nothing up.
constexpr std::int64_t overtaken_window = 16;

// Whether every number of the boot in [seq - overtaken_window, seq) is
// stored. A batch that overtook an earlier one must not lower the
// estimate: the earlier batch's pulses still have to fit between the
// stored ones before them (placed by the higher estimate) and this
// batch's, and placed by the lower one they would fall onto or just after
// the pulses before them (tests/integration/store_test.cpp, "a batch taken
// after a later one"). The earlier batch lowers it when it comes, with
// the stored pulses before it in view (fall_without_overtaking).
bool follows_every_recent_batch(Store &store, const IngestBatch &batch) {
  const std::int64_t first = std::max<std::int64_t>(1, batch.seq - overtaken_window);
  std::int64_t expected = first;
  store.visit_batch_numbers(batch.node, batch.boot, first, [&](std::int64_t seq) {
    if (seq != expected || seq >= batch.seq) {
      return false;
    }
    ++expected;
    return true;
  });
  return expected >= batch.seq;
}

// The estimate a batch's pulses are placed by when it falls below the one
// the boot's stored pulses were placed by (core/boot_anchor.h,
// boot_without_overtaking). `pulses` are stamped by the batch's own sample.
UtcTime fall_without_overtaking(Store &store, const PulseBatch &pulses, UtcTime sample,
                                UtcTime previous_boot, UtcTime lowered_boot) {
  const UtcTime first = *std::min_element(pulses.pulses.begin(), pulses.pulses.end());
  const UtcTime first_at_previous = first - sample + previous_boot;
  const Micros min_interval = store.meter(pulses.meter_id).filter.min_interval;
  std::optional<UtcTime> in_the_way;
  store.for_each_pulse(
      pulses.meter_id,
      fall_window_start(previous_boot, lowered_boot, first_at_previous, min_interval),
      first_at_previous, [&](UtcTime t) { in_the_way = t; });
  return boot_without_overtaking(previous_boot, lowered_boot, first_at_previous, in_the_way,
                                 min_interval);
}

IngestOutcome store_in_transaction(Store &store, const IngestBatch &batch) {
  IngestOutcome outcome;
  const std::optional<NodeRecord> stored = store.node(batch.node);
  std::optional<NodeRecord> before = stored;
  if (before && before->status.key_id != batch.key_id) {
    const auto owner = store.find_device_key(before->status.key_id);
    if (owner && !owner->revoked) {
      throw Failure(ErrorCode::permission_denied,
                    "node: " + quoted_input(batch.node) +
                        " uploads with another device key; give each node a name of its own");
    }
    store.forget_batches(batch.node);
    before.reset();
  }
  const bool same_boot = before && before->status.boot == batch.boot;

  PulseBatch pulses = batch.pulses;
  std::optional<BootAnchor> anchor;
  if (batch.boot_clock_now) {
    const std::optional<BootAnchor> previous = same_boot ? before->anchor : std::nullopt;
    const UtcTime sample = batch.received - *batch.boot_clock_now;
    anchor = next_boot_anchor(previous, batch.received, *batch.boot_clock_now);
    if (previous && anchor->boot < previous->boot && !follows_every_recent_batch(store, batch)) {
      anchor = previous; // it overtook an earlier batch: placed as the batches before it
    }
    if (previous && anchor->boot < previous->boot && !pulses.pulses.empty()) {
      anchor->boot = fall_without_overtaking(store, pulses, sample, previous->boot, anchor->boot);
    }
    // The parser anchored on this batch's own sample; move to the estimate.
    const Micros shift = anchor->boot - sample;
    for (UtcTime &t : pulses.pulses) {
      t += shift;
    }
  }

  outcome.duplicate_batch = store.batch_seen(batch.node, batch.boot, batch.seq);
  std::int64_t filtered = 0;
  if (!outcome.duplicate_batch) {
    filtered = filter_too_close(store, pulses);
    const BatchOutcome committed = store.commit(std::span<const PulseBatch>(&pulses, 1)).front();
    if (committed.error) {
      throw Failure(*committed.error); // the transaction rolls back: no partial write
    }
    outcome.stored = committed.stored;
    outcome.duplicates = committed.duplicates;
    outcome.pulses = pulses.pulses;
    store.record_batch(batch.node, batch.boot, batch.seq, batch.received,
                       static_cast<std::int64_t>(batch.pulses.pulses.size()));
  }

  // Pulses the node had to drop since its last report are a gap in the
  // meter's record (a resent batch may carry a higher count too).
  const std::int64_t dropped_before = same_boot ? before->overflows : 0;
  if (batch.overflows && *batch.overflows > dropped_before) {
    const std::int64_t dropped = *batch.overflows - dropped_before;
    store.record_gap(batch.pulses.meter_id,
                     Gap{pulses.pulses.empty() ? batch.received : pulses.pulses.front(), dropped,
                         "node " + batch.node + " dropped " + std::to_string(dropped) +
                             " pulses: its buffer was full"});
  }

  NodeRecord record;
  record.status = NodeStatus{batch.node,
                             batch.key_id,
                             batch.pulses.meter_id,
                             batch.received,
                             batch.boot,
                             batch.seq,
                             batch.health_json,
                             (before ? before->status.filtered_too_close : 0) + filtered};
  if (stored && stored->status.boot == batch.boot) {
    record.status.last_seq = std::max(stored->status.last_seq, batch.seq);
  }
  record.anchor = anchor;
  record.overflows = batch.overflows.value_or(0);
  store.save_node(record);
  outcome.missing = missing_numbers(store, batch.node, batch.boot, record.status.last_seq);
  return outcome;
}

} // namespace

IngestOutcome store_node_batch(Recorder &recorder, const IngestBatch &batch) {
  IngestOutcome outcome;
  recorder.record_atomically([&] {
    outcome = store_in_transaction(recorder.store(), batch);
    return std::vector<CommittedPulses>{{batch.pulses.meter_id, outcome.pulses}};
  });
  return outcome;
}

IngestOutcome store_node_batch(Store &store, const IngestBatch &batch) {
  Recorder recorder(store, nullptr);
  return store_node_batch(recorder, batch);
}

} // namespace pulsemon
