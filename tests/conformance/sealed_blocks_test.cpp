// Pulses read the same whether they wait in the tail or were sealed into
// blocks (store/pulse_blocks.h), on every backend: random pulse sets,
// shuffled, duplicated and split across batches, sealed at random moments
// and across restarts, read back as a plain set of them says.
#include "conformance/conformance_fixture.h"
#include "core/pulse_block.h"
#include "domain/series.h"

#include <algorithm>
#include <random>
#include <set>

namespace pulsemon {
namespace {

constexpr std::int64_t meter_id = 7;

UtcTime at_us(std::int64_t us) {
  return utc_from_epoch_us(us);
}

class SealedBlocks : public StoreConformance {
protected:
  std::set<std::int64_t> model; // every pulse the store holds
  std::mt19937_64 random{36};
  std::size_t sealed_blocks = 0;

  void restart() {
    if (!GetParam().reopen) {
      return; // a store in memory only has no restart to survive
    }
    store.reset();
    store = GetParam().reopen(dir.path(), where);
  }

  void seal_all() {
    while (const std::size_t written = store->seal_pulses(5)) {
      sealed_blocks += written;
    }
  }

  // A household's pulses: runs of steady load (one interval each, with a
  // few milliseconds of jitter), bursts and outages, from `first` on.
  std::vector<std::int64_t> household(std::int64_t first, std::size_t count) {
    std::vector<std::int64_t> times;
    std::int64_t t = first;
    std::int64_t interval = 4'000'000;
    std::uniform_int_distribution<std::int64_t> jitter(-3'000, 3'000);
    std::uniform_int_distribution<int> change(0, 99);
    std::uniform_int_distribution<std::int64_t> load(300'000, 30'000'000);
    std::uniform_int_distribution<std::int64_t> outage(60'000'000, 20'000'000'000);
    while (times.size() < count) {
      const int what = change(random);
      if (what < 3) {
        interval = load(random);
      } else if (what == 3) {
        t += outage(random);
      }
      t += std::max<std::int64_t>(1, interval + jitter(random));
      times.push_back(t);
    }
    return times;
  }

  void commit_and_check(const std::vector<std::int64_t> &batch) {
    std::vector<UtcTime> pulses;
    std::set<std::int64_t> new_ones;
    for (const std::int64_t us : batch) {
      pulses.push_back(at_us(us));
      if (!model.contains(us)) {
        new_ones.insert(us);
      }
    }
    const BatchOutcome outcome = commit(meter_id, pulses);
    ASSERT_FALSE(outcome.error) << outcome.error->message;
    EXPECT_EQ(outcome.stored, static_cast<std::int64_t>(new_ones.size()));
    EXPECT_EQ(outcome.duplicates, static_cast<std::int64_t>(batch.size() - new_ones.size()));
    model.insert(new_ones.begin(), new_ones.end());
  }

  void expect_reads_match(const std::string &when) {
    SCOPED_TRACE(when);
    const std::vector<std::int64_t> expected(model.begin(), model.end());
    const UtcTime from = at_us(0);
    const UtcTime to = at_us(expected.back() + 1);
    std::vector<std::int64_t> visited;
    store->for_each_pulse(meter_id, from, to,
                          [&](UtcTime t) { visited.push_back(to_epoch_us(t)); });
    ASSERT_EQ(visited, expected);

    std::vector<std::int64_t> paged;
    for (UtcTime next = from;;) {
      const std::vector<UtcTime> page = store->pulses_page(meter_id, next, to, 997);
      for (const UtcTime t : page) {
        paged.push_back(to_epoch_us(t));
      }
      if (page.size() < 997) {
        break;
      }
      next = page.back() + Micros{1};
    }
    EXPECT_EQ(paged, expected);

    for (const std::size_t limit : {std::size_t{1}, std::size_t{2}, std::size_t{100},
                                    std::size_t{5000}, expected.size() + 3}) {
      std::vector<std::int64_t> last;
      for (const UtcTime t : store->last_pulses(meter_id, limit)) {
        last.push_back(to_epoch_us(t));
      }
      const std::size_t n = std::min(limit, expected.size());
      EXPECT_EQ(last, std::vector<std::int64_t>(expected.end() - static_cast<std::ptrdiff_t>(n),
                                                expected.end()))
          << "the last " << limit;
    }

    // Ranges cut anywhere: at a pulse, just after one, and long ones that
    // take rollups with ragged edges; all in one call too.
    std::uniform_int_distribution<std::size_t> pick(0, expected.size() - 1);
    std::uniform_int_distribution<std::int64_t> nudge(-1, 1);
    std::vector<RawRange> ranges;
    std::vector<std::int64_t> brute;
    for (int i = 0; i < 60; ++i) {
      std::int64_t a = expected[pick(random)] + nudge(random);
      std::int64_t b = expected[pick(random)] + nudge(random);
      if (a > b) {
        std::swap(a, b);
      }
      ranges.push_back({at_us(a), at_us(b)});
      brute.push_back(
          static_cast<std::int64_t>(std::distance(model.lower_bound(a), model.lower_bound(b))));
      EXPECT_EQ(store->count_pulses(meter_id, at_us(a), at_us(b)), brute.back())
          << a << " to " << b;
    }
    EXPECT_EQ(store->count_pulses_in(meter_id, ranges), brute);

    const MeterStats stats = store->stats(meter_id);
    EXPECT_EQ(stats.pulses, static_cast<std::int64_t>(expected.size()));
    EXPECT_EQ(stats.first_pulse, at_us(expected.front()));
    EXPECT_EQ(stats.last_pulse, at_us(expected.back()));
  }
};

TEST_P(SealedBlocks, RandomPulsesShuffledDuplicatedAndSplitReadBackAsTheyWereStored) {
  add_meter(meter_id);
  add_meter(meter_id + 1); // a neighbour whose pulses stay its own
  commit(meter_id + 1, {utc("2026-05-02T00:00:01Z"), utc("2026-05-02T00:00:02Z")});
  const std::int64_t start = to_epoch_us(utc("2026-04-01T00:00:00Z"));
  for (int round = 0; round < 3; ++round) {
    // Most pulses in order, some held back and sent late, some twice.
    std::vector<std::int64_t> pulses = household(start, 5'000 + 1'500 * round);
    std::vector<std::int64_t> late;
    std::vector<std::int64_t> in_order;
    std::uniform_int_distribution<int> percent(0, 99);
    for (const std::int64_t us : pulses) {
      (percent(random) < 8 ? late : in_order).push_back(us);
    }
    std::shuffle(late.begin(), late.end(), random);
    std::vector<std::int64_t> sent = in_order;
    sent.insert(sent.begin() + static_cast<std::ptrdiff_t>(sent.size() * 3 / 4), late.begin(),
                late.end());
    std::uniform_int_distribution<std::size_t> batch_size(1, 1'500);
    std::uniform_int_distribution<std::size_t> blocks(1, 4);
    for (std::size_t at = 0; at < sent.size();) {
      const std::size_t end = std::min(sent.size(), at + batch_size(random));
      std::vector<std::int64_t> batch(sent.begin() + static_cast<std::ptrdiff_t>(at),
                                      sent.begin() + static_cast<std::ptrdiff_t>(end));
      // Resent pulses: some of this batch twice, some of the stored ones.
      for (std::size_t i = 0; i < batch.size() / 10; ++i) {
        batch.push_back(batch[i * 7 % batch.size()]);
        if (!model.empty()) {
          batch.push_back(
              *std::next(model.begin(), static_cast<std::ptrdiff_t>((i * 7919) % model.size())));
        }
      }
      std::shuffle(batch.begin(), batch.end(), random);
      commit_and_check(batch);
      if (percent(random) < 30) {
        sealed_blocks += store->seal_pulses(blocks(random));
      }
      if (percent(random) < 4) {
        restart();
      }
      at = end;
    }
    expect_reads_match("round " + std::to_string(round) + ", as stored");
    seal_all();
    expect_reads_match("round " + std::to_string(round) + ", sealed");
  }
  restart();
  expect_reads_match("after a restart");

  // Rollups rebuilt from blocks and tail equal the ones kept as pulses came.
  const Calendar calendar(*date::locate_zone("Europe/Amsterdam"));
  const auto hours = [&] {
    const auto rows = energy_series(*store, meter_id, utc("2026-03-31T00:00:00Z"),
                                    utc("2026-06-01T00:00:00Z"), BucketSize::hour, calendar, 5000);
    std::vector<std::int64_t> counts;
    for (const EnergyRow &row : rows.value()) {
      counts.push_back(row.pulses);
    }
    return counts;
  };
  const std::vector<std::int64_t> before = hours();
  store->rebuild_rollups();
  EXPECT_EQ(hours(), before);
  expect_reads_match("after the rollups were rebuilt");
  EXPECT_EQ(store->stats(meter_id + 1).pulses, 2);
  if (GetParam().name != "memory") {
    EXPECT_GE(sealed_blocks, model.size() / max_pulses_per_block)
        << "this backend keeps its pulses in sealed blocks";
  }
}

TEST_P(SealedBlocks, APulseAlreadySealedIsADuplicateAndALateOneMergesIntoItsBlock) {
  add_meter(meter_id);
  const std::int64_t start = to_epoch_us(utc("2026-04-01T00:00:00Z"));
  // Three blocks' worth 2 s apart, sealed; odd seconds left out.
  std::vector<std::int64_t> even;
  for (std::size_t i = 0; i < 3 * max_pulses_per_block + 10; ++i) {
    even.push_back(start + static_cast<std::int64_t>(i) * 2'000'000);
  }
  commit_and_check(even);
  seal_all();
  // Sealed pulses again: every one a duplicate.
  commit_and_check({even[0], even[1500], even[2500], even.back()});
  // Late pulses: before the first block, inside each block, between them.
  std::vector<std::int64_t> late{start - 1'000'000, start + 1'000'000,
                                 even[max_pulses_per_block - 1] + 1'000'000,
                                 even[max_pulses_per_block] - 1, even[2000] + 1};
  const std::size_t after = 2 * max_pulses_per_block + 300;
  for (std::size_t i = 0; i < max_pulses_per_block; ++i) {
    late.push_back(even[after] + 1 + static_cast<std::int64_t>(i)); // a block's worth at once
  }
  commit_and_check(late);
  expect_reads_match("late pulses in the tail");
  commit_and_check(late);
  seal_all();
  expect_reads_match("late pulses sealed");
  commit_and_check(late); // once sealed, still duplicates
  expect_reads_match("after the duplicates");
}

} // namespace

INSTANTIATE_TEST_SUITE_P(Backends, SealedBlocks, ::testing::ValuesIn(backends()),
                         [](const ::testing::TestParamInfo<Backend> &backend) {
                           return backend.param.name;
                         });

} // namespace pulsemon
