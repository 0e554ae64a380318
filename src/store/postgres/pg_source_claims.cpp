#include "store/postgres/pg_source_claims.h"

#include "store/postgres/pg_connection.h"

#include <utility>

namespace pulsemon::pg {

namespace {

// The two-key form of advisory locks, a space apart from the one-key locks
// the writers and migrations take: the first key marks a source claim and
// carries the meter id's high bits (ids stay below 2^53), the second its
// low 32 bits.
constexpr std::int64_t claim_mark = 0x50000000;

std::vector<Param> lock_keys(std::int64_t meter_id) {
  const auto high = claim_mark | (meter_id >> 32);
  const auto low = static_cast<std::int32_t>(static_cast<std::uint32_t>(meter_id & 0xffffffff));
  return {param(high), param(std::int64_t{low})};
}

// Meter ids start at 1: "meter 0" is the claim on publishing.
constexpr std::int64_t publishing = 0;

class PostgresSourceClaims final : public SourceClaims {
public:
  explicit PostgresSourceClaims(const std::string &url) : db_(url) { check_session(); }

  bool claim(std::int64_t meter_id) override {
    if (!try_lock(meter_id)) {
      return false;
    }
    claimed_.push_back(meter_id);
    return true;
  }

  std::vector<std::int64_t> keep() override {
    check_session();
    return std::exchange(lost_, {});
  }

  bool claim_publishing() override {
    check_session();
    if (!publishing_) {
      publishing_ = try_lock(publishing);
    }
    return publishing_;
  }

private:
  // A connection made again after a loss is a new session, and the old
  // session's locks went with it: the meters are claimed again (those
  // another instance took meanwhile are noted as lost) and publishing is
  // to be claimed again.
  void check_session() {
    const std::int64_t now = db_.run("SELECT pg_backend_pid()").integer(0, 0);
    if (now == session_) {
      return;
    }
    session_ = now;
    publishing_ = false;
    for (const std::int64_t meter_id : claimed_) {
      if (!try_lock(meter_id)) {
        lost_.push_back(meter_id);
      }
    }
  }
  bool try_lock(std::int64_t meter_id) {
    return db_.run("SELECT pg_try_advisory_lock($1::int, $2::int)", lock_keys(meter_id))
        .boolean(0, 0);
  }

  Connection db_;
  std::int64_t session_ = 0;
  std::vector<std::int64_t> claimed_;
  std::vector<std::int64_t> lost_; // claimed by another instance while this one was away
  bool publishing_ = false;
};

} // namespace

std::unique_ptr<SourceClaims> open_source_claims(const std::string &url) {
  return std::make_unique<PostgresSourceClaims>(url);
}

} // namespace pulsemon::pg
