#include "core/store_url.h"

#include "core/quoted_input.h"

#include <algorithm>

namespace pulsemon {

namespace {

Error bad(std::string_view field, std::string_view text, std::string_view why) {
  return invalid_argument("config key '" + std::string(field) + "': " + quoted_input(text) + " " +
                          std::string(why));
}

// The user-info part of a postgresql:// URL ("user:secret@" before the
// host list) holds a password when it has a colon.
bool carries_password(std::string_view url, std::string_view scheme) {
  std::string_view rest = url.substr(scheme.size());
  rest = rest.substr(0, rest.find_first_of("/?"));
  const std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos && rest.substr(0, at).find(':') != std::string_view::npos) {
    return true;
  }
  const std::size_t query = url.find('?');
  if (query == std::string_view::npos) {
    return false;
  }
  std::string_view parameters = url.substr(query + 1);
  while (!parameters.empty()) {
    const std::size_t end = parameters.find('&');
    if (parameters.substr(0, end).starts_with("password=")) {
      return true;
    }
    parameters = end == std::string_view::npos ? std::string_view{} : parameters.substr(end + 1);
  }
  return false;
}

} // namespace

Result<StoreUrl> parse_store_url(std::string_view text, std::string_view field) {
  if (text.size() > 4096) {
    return bad(field, text.substr(0, 40), "is longer than 4096 characters");
  }
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return bad(field, text, "holds a control character");
  }
  if (text.starts_with("sqlite:")) {
    std::string_view path = text.substr(7);
    if (path.starts_with("//")) {
      path.remove_prefix(2);
      if (!path.starts_with('/')) {
        return bad(field, text,
                   "names a host; write sqlite:///absolute/path.db or sqlite:relative/path.db");
      }
    }
    if (path.empty() || path.ends_with('/')) {
      return bad(field, text, "names no file (e.g. sqlite:///var/lib/pulsemon/pulsemon.db)");
    }
    return StoreUrl{StoreKind::sqlite, std::string(path)};
  }
  if (text.starts_with("memory:")) {
    return StoreUrl{StoreKind::memory, std::string(text.substr(7))};
  }
  for (const std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (text.starts_with(scheme)) {
      if (carries_password(text, scheme)) {
        return bad(field, "postgresql://…",
                   "carries a password; keep it out of the config: in PGPASSWORD, in a file "
                   "named by passfile= in the url, or in ~/.pgpass (docs/scaling.md)");
      }
      return StoreUrl{StoreKind::postgresql, std::string(text)};
    }
  }
  return bad(field, text,
             "is not a store url: sqlite:///path/pulsemon.db, sqlite:relative.db, "
             "postgresql://host/database or memory:");
}

std::string describe(const StoreUrl &url) {
  switch (url.kind) {
  case StoreKind::sqlite:
    return "SQLite " + url.target;
  case StoreKind::postgresql:
    return "PostgreSQL " + url.target;
  case StoreKind::memory:
    return "memory" + (url.target.empty() ? std::string() : " '" + url.target + "'");
  }
  return {};
}

} // namespace pulsemon
