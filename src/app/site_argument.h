#pragma once
// A site named on the command line: its id, or its name.

#include "store/store.h"

#include <string>

namespace pulsemon {

// The site `text` names (an id, or a name, which is never all digits);
// Failure(not_found) naming it otherwise.
[[nodiscard]] Site site_argument(Store &store, const std::string &text);

} // namespace pulsemon
