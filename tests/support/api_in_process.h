#pragma once
// The real API over a real SQLite file in a temporary folder, set up once
// per process (the request-level fuzz targets, the route walk): one electricity meter (id 1) with
// pulses, an admin token and a device key for meter 1, so that fuzzed requests get past the access
// checks into the handlers.

#include "api/api.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

#include <string>

namespace pulsemon::testing {

class ApiInProcess {
public:
  ApiInProcess();

  [[nodiscard]] const http::Router &router() const { return router_; }
  [[nodiscard]] const std::string &admin_token() const { return admin_token_; }
  [[nodiscard]] const std::string &device_key() const { return device_key_; }

private:
  testing::TempDir dir_;
  SqliteStore store_;
  ApiContext context_;
  http::Router router_;
  std::string admin_token_;
  std::string device_key_;
};

// The one instance of this process, made on first use.
[[nodiscard]] ApiInProcess &api_in_process();

// A response that a fuzzed request must never get: a 5xx, which the error
// policy keeps for failures of the machine, never for what a client sent.
[[nodiscard]] inline bool is_server_failure(unsigned status) {
  return status >= 500;
}

} // namespace pulsemon::testing
