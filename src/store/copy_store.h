#pragma once
// Copies everything one store keeps into another through the port
// (`pulsemon migrate --to URL`): the household, meters, register readings,
// calorific values, pulses (their rollups and statistics made by the
// target's commits), the filter's rejection counts, gaps, users with their
// password hashes, device keys with their ids and hashes, sensor nodes with
// their boot anchors and the current boot's batch numbers, and the daemon's
// runs.
//
// Resumable: run again after an interruption (or after more pulses came),
// it copies what the target lacks and nothing twice. A meter's pulses are
// copied in time order, a transaction per batch, so the target's last
// pulse of a meter says where to go on. Conflicts stop the copy with what
// differs (a meter with the same id but other settings in the target).
//
// What is not carried over: the duplicates counter (pulses that arrived
// twice, a diagnostic that starts again from 0) and the times and sizes of
// earlier batches of a node (their numbers are copied, so a node's resent
// batch is still recognised).

#include "store/store.h"

#include <cstdint>
#include <functional>
#include <string>

namespace pulsemon {

struct CopyCounts {
  std::int64_t meters = 0;
  std::int64_t pulses = 0; // copied now (not those the target had)
  std::int64_t readings = 0;
  std::int64_t calorific_values = 0;
  std::int64_t gaps = 0;
  std::int64_t sites = 0; // besides the home site, which every store has
  std::int64_t users = 0;
  std::int64_t device_keys = 0;
  std::int64_t nodes = 0;
  std::int64_t runs = 0;
};

// Called as a meter's pulses are copied: the meter, pulses copied so far.
using CopyProgress = std::function<void(std::int64_t meter_id, std::int64_t pulses)>;

CopyCounts copy_store(Store &from, Store &to, const CopyProgress &progress = {});

} // namespace pulsemon
