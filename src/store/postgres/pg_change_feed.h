#pragma once
// The change feed on PostgreSQL: the pulse_feed table that commits with a
// feed origin fill (postgres_pulses.cpp), read on a connection of its own
// that LISTENs for the NOTIFY those commits send. Private to the
// PostgreSQL store.

#include "store/change_feed.h"

#include <memory>
#include <string>

namespace pulsemon::pg {

// Throws Failure(unavailable) when the server cannot be reached.
[[nodiscard]] std::unique_ptr<ChangeFeed> open_change_feed(const std::string &url);

} // namespace pulsemon::pg
