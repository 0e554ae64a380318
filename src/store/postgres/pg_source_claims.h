#pragma once
// Source claims on PostgreSQL: a session advisory lock per meter, held on a
// connection of its own, so that an instance that ends (or is killed, or
// loses the server) lets go of its meters with its session. Private to the
// PostgreSQL store.

#include "store/source_claims.h"

#include <memory>
#include <string>

namespace pulsemon::pg {

// Throws Failure(unavailable) when the server cannot be reached.
[[nodiscard]] std::unique_ptr<SourceClaims> open_source_claims(const std::string &url);

} // namespace pulsemon::pg
