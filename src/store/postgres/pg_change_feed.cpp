#include "store/postgres/pg_change_feed.h"

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_schema.h"

#include <charconv>

namespace pulsemon::pg {

namespace {

// A bigint[] in PostgreSQL's array text form, {1,2,3}, as microseconds.
std::vector<UtcTime> read_times(const std::string &text) {
  std::vector<UtcTime> times;
  const char *at = text.data();
  const char *const end = text.data() + text.size();
  if (at != end && *at == '{') {
    ++at;
  }
  while (at < end && *at != '}') {
    std::int64_t us = 0;
    const auto [next, error] = std::from_chars(at, end, us);
    if (error != std::errc{}) {
      throw Failure(ErrorCode::internal, "PostgreSQL answered '" + text +
                                             "' where the change feed's pulse times belong");
    }
    times.push_back(utc_from_epoch_us(us));
    at = next;
    if (at < end && *at == ',') {
      ++at;
    }
  }
  return times;
}

class PostgresChangeFeed final : public ChangeFeed {
public:
  explicit PostgresChangeFeed(const std::string &url)
      : db_(url, "LISTEN " + std::string(feed_channel)) {}

  std::int64_t head() override {
    return db_.run("SELECT coalesce(max(seq), 0) FROM pulse_feed").integer(0, 0);
  }

  std::vector<FeedEntry> after(std::int64_t position, std::size_t limit) override {
    const Rows rows = db_.run("SELECT seq, origin, meter_id, times FROM pulse_feed "
                              "WHERE seq > $1 ORDER BY seq LIMIT $2",
                              {param(position), param(static_cast<std::int64_t>(limit))});
    return rows.each([](const Rows &row, int i) {
      return FeedEntry{row.integer(i, 0), row.text(i, 1), row.integer(i, 2),
                       read_times(row.text(i, 3))};
    });
  }

  void wait(std::chrono::milliseconds timeout) override { (void)db_.await_notification(timeout); }

  void forget_older_than(std::chrono::seconds age) override {
    db_.run("DELETE FROM pulse_feed WHERE committed_at < now() - make_interval(secs => $1)",
            {param(static_cast<std::int64_t>(age.count()))});
  }

private:
  Connection db_;
};

} // namespace

std::unique_ptr<ChangeFeed> open_change_feed(const std::string &url) {
  return std::make_unique<PostgresChangeFeed>(url);
}

} // namespace pulsemon::pg
