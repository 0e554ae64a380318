#include "store/open_store.h"

#include "store/memory/shared_memory_store.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace pulsemon {

std::unique_ptr<Store> open_store(const StoreUrl &url, StoreOptions options) {
  switch (url.kind) {
  case StoreKind::sqlite:
    return std::make_unique<SqliteStore>(url.target, options);
  case StoreKind::memory:
    return open_shared_memory_store(url.target);
  case StoreKind::postgresql:
    return std::make_unique<PostgresStore>(url.target, options);
  }
  throw Failure(ErrorCode::internal, "a store url of no known kind");
}

} // namespace pulsemon
