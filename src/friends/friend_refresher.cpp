#include "friends/friend_refresher.h"

#include "core/time_text.h"
#include "friends/share_document.h"

#include <date/tz.h>
#include <spdlog/spdlog.h>

namespace pulsemon {

namespace {

// How often the thread looks for friends that are due.
constexpr std::chrono::seconds look_every{30};

// The latest day a share may hold: tomorrow in UTC, for a friend whose
// zone is ahead.
std::string latest_day(UtcTime now) {
  return date::format("%F", date::floor<date::days>(now) + date::days{1});
}

std::optional<UtcTime> kept_expiry(const FriendLink &link) {
  if (link.figures.empty()) {
    return std::nullopt;
  }
  const auto figures = nlohmann::json::parse(link.figures, nullptr, false);
  if (!figures.is_object() || !figures.contains("expires") || !figures["expires"].is_string()) {
    return std::nullopt;
  }
  auto when = parse_time(figures["expires"].get<std::string>(), *date::locate_zone("UTC"));
  return when.ok() ? std::optional<UtcTime>(*when) : std::nullopt;
}

} // namespace

FriendLink after_fetch(FriendLink link, const FetchAnswer &answer, UtcTime now) {
  const FriendState before = link.state;
  link.checked = now;
  switch (answer.outcome) {
  case FetchAnswer::Outcome::body: {
    auto checked = check_share_document(answer.body, latest_day(now));
    if (checked.ok()) {
      link.state = FriendState::fine;
      link.reason.clear();
      link.figures = checked->figures.dump();
      link.etag = answer.etag;
      link.fetched = now;
    } else {
      link.state = FriendState::refused;
      link.reason = checked.error().message;
    }
    break;
  }
  case FetchAnswer::Outcome::not_modified:
    link.state = link.figures.empty() ? FriendState::refused : FriendState::fine;
    link.reason = link.figures.empty() ? "answered 304 to a fetch without a copy" : "";
    if (!link.figures.empty()) {
      link.fetched = now;
    }
    break;
  case FetchAnswer::Outcome::gone: {
    const std::optional<UtcTime> expires = kept_expiry(link);
    const bool expired = expires && *expires <= now;
    link.state = expired ? FriendState::expired : FriendState::revoked;
    link.reason = expired ? "the link expired at " + format_utc(*expires)
                          : "the friend's pulsemon says the link opens nothing any more";
    link.figures.clear();
    link.etag.clear();
    link.fetched.reset();
    break;
  }
  case FetchAnswer::Outcome::unreachable:
    link.state = FriendState::unreachable;
    link.reason = answer.reason;
    break;
  case FetchAnswer::Outcome::refused:
    link.state = FriendState::refused;
    link.reason = answer.reason;
    break;
  }
  if (link.state != before || !link.since) {
    link.since = now;
  }
  return link;
}

FriendRefresher::FriendRefresher(std::unique_ptr<Store> store, FetchLimits limits,
                                 std::chrono::minutes every, TimeSource &time)
    : store_(std::move(store)), limits_(std::move(limits)), every_(every), time_(time),
      thread_([this] { run(); }) {}

FriendRefresher::~FriendRefresher() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void FriendRefresher::refresh_soon(std::int64_t friend_id) {
  {
    const std::lock_guard lock(mutex_);
    asked_.insert(friend_id);
  }
  wake_.notify_all();
}

void FriendRefresher::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      refresh_due();
    } catch (const std::exception &error) {
      spdlog::warn("friends' shares: {}", error.what());
    }
    lock.lock();
    time_.wait_for(wake_, lock, look_every, [this] { return stopping_ || !asked_.empty(); });
  }
}

void FriendRefresher::refresh_due() {
  std::set<std::int64_t> asked;
  {
    const std::lock_guard lock(mutex_);
    asked.swap(asked_);
  }
  for (const FriendLink &link : store_->friends(std::nullopt)) {
    const UtcTime now = time_.wall_now();
    const bool due = asked.contains(link.id) || !link.checked || *link.checked + every_ <= now;
    if (!due) {
      continue;
    }
    {
      const std::lock_guard lock(mutex_);
      if (stopping_) {
        return;
      }
    }
    const FetchAnswer answer = fetch_share(link.url, link.etag, limits_);
    const FriendLink after = after_fetch(link, answer, time_.wall_now());
    if (after.state != link.state) {
      spdlog::info("friend {} of site {} ({}): {}{}{}", link.id, link.site_id, link.label,
                   to_string(after.state), after.reason.empty() ? "" : ": ", after.reason);
    }
    store_->save_friend_fetch(after);
  }
}

} // namespace pulsemon
