#pragma once
// The storage port's conformance suite (store/store.h): every backend, the
// fixture each test runs on. Tests are spread over files by subject; one
// instantiation (store_conformance_test.cpp) runs them all on each backend.
#include "core/time_text.h"
#include "store/store.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace pulsemon {

struct Backend {
  std::string name;
  // A new store; its data lives in `folder` or at the address it sets in
  // `where`, from which `reopen` (null for a store that lives in memory
  // only) opens it again, as a restarted pulsemon would.
  std::function<std::unique_ptr<Store>(const std::filesystem::path &folder, std::string &where)>
      open;
  std::function<std::unique_ptr<Store>(const std::filesystem::path &folder,
                                       const std::string &where)>
      reopen;
};

// Test names and failures show the backend's name, not its bytes.
inline void PrintTo(const Backend &backend, std::ostream *out) {
  *out << backend.name;
}

// SQLite on a file, memory, PostgreSQL (a fresh database each).
std::vector<Backend> backends();

inline UtcTime utc(const std::string &text) {
  return value_or_throw(parse_time(text, *date::locate_zone("UTC")));
}

inline const UtcTime now = utc("2026-06-01T00:00:00Z");

class StoreConformance : public ::testing::TestWithParam<Backend> {
protected:
  testing::TempDir dir;
  std::string where;
  std::unique_ptr<Store> store = GetParam().open(dir.path(), where);

  void SetUp() override {
    if (store) {
      return;
    }
    std::string why;
    (void)testing::shared_postgres(why);
    const char *required = std::getenv("PULSEMON_REQUIRE_POSTGRES");
    if (required != nullptr && std::string(required) == "1") {
      FAIL() << "PostgreSQL is required here (PULSEMON_REQUIRE_POSTGRES=1) but cannot start: "
             << why;
    }
    GTEST_SKIP() << "PostgreSQL cannot start here: " << why;
  }

  void add_meter(std::int64_t id, double ppu = 1000, MeterKind kind = MeterKind::electricity) {
    Meter meter;
    meter.id = id;
    meter.name = "meter " + std::to_string(id);
    meter.kind = kind;
    meter.unit = kind == MeterKind::gas ? "m³" : "kWh";
    meter.pulses_per_unit = ppu;
    store->add_meter(meter, now);
  }
  BatchOutcome commit(std::int64_t meter_id, std::vector<UtcTime> pulses) {
    const std::vector<PulseBatch> batches{PulseBatch{meter_id, std::move(pulses), {}, {}}};
    return store->commit(batches).front();
  }
};

} // namespace pulsemon
