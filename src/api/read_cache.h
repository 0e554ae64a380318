#pragma once
// The API's reads of data that changes far less often than it is asked for:
// the meters with their counts, register, nodes and gaps, and the users
// that tokens name. What was read is kept until the database changes — a
// commit by any connection or process, or a write through the API's own
// connection (Store::change_token) — so an answer is never staler
// than the database, and a poll of GET /api/meters between two commits
// costs one PRAGMA instead of seven queries per meter.
//
// refresh() runs at the start of every request (the router's hook), so the
// reads of one request all see the same state of the database. It only
// marks the cache for a check: the check itself (a PRAGMA, which races
// with the commits of the writer and the ingest worker for SQLite's WAL
// index) runs at the request's first read, so a request that reads nothing
// (/healthz, the dashboard's files) never touches the database.
//
// Thread safety: none; the API thread owns it. References it returns stay
// valid until the next refresh() or call.

#include "api/meter_view.h"
#include "store/store.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pulsemon {

class ReadCache {
public:
  explicit ReadCache(Store &store) : store_(store) {}

  // From the next read on, what the database changed since it was read is
  // forgotten and read again inside a read snapshot.
  void refresh() { checked_ = false; }

  // Every meter, in id order, as the database holds it now.
  [[nodiscard]] const std::vector<MeterFacts> &meters(UtcTime now);
  // One meter; throws Failure(not_found) when there is none with that id.
  [[nodiscard]] const MeterFacts &meter(std::int64_t id, UtcTime now);
  // The register of a meter at `now`: kept, or read when the clock has
  // moved past a record or pulse since.
  [[nodiscard]] RegisterState register_state(const MeterFacts &facts, UtcTime now);

  [[nodiscard]] std::optional<User> find_user(std::string_view name);

  // The meters' settings alone (which site owns each), without the figures
  // meters() reads for every one; one query per change of the database.
  [[nodiscard]] const std::vector<Meter> &catalogue();
  // The site that owns a meter; nullopt when there is no such meter.
  [[nodiscard]] std::optional<std::int64_t> meter_site(std::int64_t id);
  [[nodiscard]] const std::vector<Site> &sites();

  // Counts the times the cache forgot what it had read: an answer made from
  // it stays right while this stays the same (and so does the clock's part).
  [[nodiscard]] std::uint64_t generation() {
    catch_up();
    return generation_;
  }

private:
  // Forgets everything when the database changed since it was read (once
  // per refresh()).
  void catch_up();
  // Keeps the version that the snapshot a reload reads from sees.
  void record_version_of_snapshot();

  Store &store_;
  bool checked_ = false;
  ChangeToken version_;
  std::uint64_t generation_ = 0;
  std::optional<std::vector<MeterFacts>> all_;
  std::map<std::int64_t, MeterFacts> one_by_one_;
  std::map<std::string, User, std::less<>> users_;
  std::optional<std::vector<Meter>> catalogue_;
  std::map<std::int64_t, std::optional<std::int64_t>> meter_sites_;
  std::optional<std::vector<Site>> sites_;
};

} // namespace pulsemon
