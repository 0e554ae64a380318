#include "store/open_store.h"

#include "store/memory/shared_memory_store.h"
#include "store/sqlite/sqlite_store.h"

namespace pulsemon {

std::unique_ptr<Store> open_store(const StoreUrl &url, StoreOptions options) {
  switch (url.kind) {
  case StoreKind::sqlite:
    return std::make_unique<SqliteStore>(url.target, options);
  case StoreKind::memory:
    return open_shared_memory_store(url.target);
  case StoreKind::postgresql:
    break;
  }
  throw Failure(ErrorCode::unavailable,
                "this pulsemon has no PostgreSQL backend yet; set [store] url to a sqlite: url");
}

} // namespace pulsemon
