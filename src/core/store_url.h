#pragma once
// Where the store lives, as `[store] url` names it:
//   sqlite:///var/lib/pulsemon/pulsemon.db   an absolute path (file URI style)
//   sqlite:pulsemon.db                       a path from the config's folder
//   postgresql://host/db?sslmode=...         handed to libpq as it stands
//   memory: or memory:NAME                   held in this process (tests)
// A PostgreSQL URL may not carry a password: config files are read by
// more than the database's owner and URLs end up in logs. libpq finds it
// in PGPASSWORD, a passfile= parameter or ~/.pgpass instead.

#include "core/result.h"

#include <string>
#include <string_view>

namespace pulsemon {

enum class StoreKind { sqlite, postgresql, memory };

struct StoreUrl {
  StoreKind kind = StoreKind::sqlite;
  // sqlite: the file (relative as written, for the caller to anchor);
  // postgresql: the whole URL; memory: the name ("" for the default).
  std::string target;
  [[nodiscard]] bool relative_path() const {
    return kind == StoreKind::sqlite && !target.starts_with('/');
  }
};

// Names `field` (e.g. "store.url") in every error.
[[nodiscard]] Result<StoreUrl> parse_store_url(std::string_view text, std::string_view field);

// The URL as a log line may show it.
[[nodiscard]] std::string describe(const StoreUrl &url);

} // namespace pulsemon
