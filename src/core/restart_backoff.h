#pragma once
// How long to wait before restarting a source that died: 1 s after the
// first death, doubling with each death that follows soon after, at most a
// minute; a source that had run steadily for a while starts again at 1 s.
// So a loose wire that comes and goes is retried quickly, and a chip that
// is gone for good costs one attempt a minute and one log line each.

#include "core/time.h"

#include <chrono>

namespace pulsemon {

struct BackoffSettings {
  Micros first{std::chrono::seconds{1}};
  Micros longest{std::chrono::minutes{1}};
  Micros steady_after{std::chrono::minutes{1}}; // a run this long forgets the deaths before it
};

class RestartBackoff {
public:
  explicit RestartBackoff(BackoffSettings settings = {}) : settings_(settings) {}

  // The source died after running for `ran_for` (zero when it could not
  // even start); returns how long to wait before starting it again.
  [[nodiscard]] Micros after_death(Micros ran_for);

  // Deaths in a row, counting only those that came soon after a start.
  [[nodiscard]] unsigned deaths_in_a_row() const { return deaths_in_a_row_; }

private:
  BackoffSettings settings_;
  unsigned deaths_in_a_row_ = 0;
};

} // namespace pulsemon
