#pragma once
// The dashboard's files, built from web/ by web/build.mjs at build time
// and compiled into the binary (no files beside it to install or lose).

#include <span>
#include <string_view>

namespace pulsemon::web {

struct Asset {
  std::string_view path;          // "/" or "/assets/app.<hash>.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view etag;          // a quoted content hash
  std::string_view cache_control; // a year for hashed names, "no-cache" for the page
  std::string_view body;
  std::string_view gzip_body; // the same, gzip-compressed
};

[[nodiscard]] std::span<const Asset> assets();

} // namespace pulsemon::web
