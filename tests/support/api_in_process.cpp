#include "support/api_in_process.h"

#include "auth/jwt.h"
#include "auth/secrets.h"

#include <chrono>

namespace pulsemon::testing {

namespace {

constexpr std::int64_t meter_id = 1;

Meter electricity_meter() {
  Meter meter;
  meter.id = meter_id;
  meter.name = "fuzzed";
  meter.pulses_per_unit = 1000.0;
  return meter;
}

} // namespace

ApiInProcess::ApiInProcess()
    // Durability::normal: no fsync per commit, so the fuzzer is not bound
    // by the disk; what is checked does not depend on it.
    : store_(dir_ / "pulsemon.db", StoreOptions{Durability::normal, true}),
      context_{store_, auth::random_hex(32), ApiSettings{}, {}, {}},
      router_(make_router(context_)) {
  const UtcTime now = real_time().wall_now();
  store_.add_meter(electricity_meter(), now);
  std::vector<UtcTime> pulses;
  for (int second = 3600; second > 0; second -= 7) {
    pulses.push_back(now - std::chrono::seconds{second});
  }
  const std::vector<PulseBatch> batches{PulseBatch{meter_id, pulses, {}, {}}};
  store_.commit(batches);

  User admin;
  admin.name = "admin";
  admin.role = Role::admin;
  admin.password_hash = auth::hash_password(auth::random_password());
  store_.add_user(admin, now);
  const std::int64_t issued =
      std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count();
  // Valid for a year: a long fuzzing run must not see its token expire.
  admin_token_ = auth::sign_token({"admin", "admin", issued, issued + 366 * 24 * 3600,
                                   store_.find_user("admin")->token_generation, std::nullopt},
                                  context_.secret);

  (void)store_.add_device_key("fuzz node", {meter_id}, now, [&](std::int64_t id) {
    device_key_ = auth::make_device_key(id);
    return auth::hash_device_key(device_key_);
  });
}

ApiInProcess &api_in_process() {
  static ApiInProcess api;
  return api;
}

} // namespace pulsemon::testing
