#pragma once
// The one place a backend is chosen: from `[store] url` (core/store_url.h).
// The daemon, every command and the tests open their handles here.

#include "core/store_url.h"
#include "store/durability.h"
#include "store/store.h"

#include <memory>

namespace pulsemon {

// A SQLite url's path must be absolute by now (the config anchors it).
// Throws Failure naming what is wrong: a missing file without `create`,
// a backend this build lacks, a database that cannot be reached.
[[nodiscard]] std::unique_ptr<Store> open_store(const StoreUrl &url, StoreOptions options);

} // namespace pulsemon
