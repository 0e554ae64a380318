#pragma once
// A friend's share as another pulsemon answered it (GET /api/share/TOKEN),
// checked as the untrusted input it is: the format and version, dates
// that exist, periods inside the share's window and none in the future,
// energies that are finite and not negative, at most what one share can
// hold. What is kept is rebuilt from the checked fields only, so nothing
// the share did not promise is stored. Pure.

#include "core/result.h"
#include "core/time.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string_view>

namespace pulsemon {

struct CheckedShare {
  nlohmann::json figures;         // the fields below, and nothing else
  std::optional<UtcTime> expires; // when the friend's link said it ends
};

// `today` bounds the days: none may lie after it (a friend's zone may be
// a day ahead of UTC, so `today` is tomorrow in UTC). The error says what
// is wrong in words.
[[nodiscard]] Result<CheckedShare> check_share_document(std::string_view body,
                                                        std::string_view today);

} // namespace pulsemon
