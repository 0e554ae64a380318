#pragma once
// The start of every test that needs a real PostgreSQL: the test process's
// server, or a skip that says why it cannot start here, which is a failure
// where PULSEMON_REQUIRE_POSTGRES=1 (CI sets it, so CI never skips them).

#include "support/postgres_server.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace pulsemon::testing {

// Whether a test must fail rather than skip when PostgreSQL cannot start.
inline bool postgres_required() {
  const char *required = std::getenv("PULSEMON_REQUIRE_POSTGRES");
  return required != nullptr && std::string(required) == "1";
}

} // namespace pulsemon::testing

// Sets `server` (a PostgresServer *) to the shared server, or fails or
// skips the test. A macro, since GTEST_SKIP and FAIL return from the test.
#define PULSEMON_POSTGRES_OR_SKIP(server)                                                          \
  do {                                                                                             \
    std::string postgres_why;                                                                      \
    (server) = ::pulsemon::testing::shared_postgres(postgres_why);                                 \
    if ((server) == nullptr) {                                                                     \
      if (::pulsemon::testing::postgres_required()) {                                              \
        FAIL() << "PostgreSQL is required here but cannot start: " << postgres_why;                \
      }                                                                                            \
      GTEST_SKIP() << "PostgreSQL cannot start here: " << postgres_why;                            \
    }                                                                                              \
  } while (false)
