#include "store/feed_follower.h"

#include <spdlog/spdlog.h>

namespace pulsemon {

namespace {

// Long enough for a restarted instance's followers to catch up; short
// enough that the feed stays a few thousand rows at most.
constexpr std::chrono::minutes feed_kept{10};
constexpr std::chrono::minutes forget_every{1};
// How long a wait lasts before the follower looks for a stop again.
constexpr std::chrono::milliseconds wait_at_most{250};
constexpr std::size_t entries_per_read = 500;

} // namespace

FeedFollower::FeedFollower(std::unique_ptr<ChangeFeed> feed, std::string own_origin, PulseBus &bus)
    : feed_(std::move(feed)), own_origin_(std::move(own_origin)), bus_(bus),
      position_(feed_->head()) {}

void FeedFollower::start() {
  thread_ = std::jthread([this](const std::stop_token &stop) { follow(stop); });
}

void FeedFollower::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void FeedFollower::follow(const std::stop_token &stop) {
  bool failing = false;
  auto next_forget = std::chrono::steady_clock::now() + forget_every;
  while (!stop.stop_requested()) {
    try {
      read_new_entries();
      if (std::chrono::steady_clock::now() >= next_forget) {
        next_forget += forget_every;
        feed_->forget_older_than(feed_kept);
      }
      if (failing) {
        spdlog::info("change feed: following the other instances' commits again");
        failing = false;
      }
    } catch (const std::exception &failure) {
      if (!failing) {
        spdlog::warn("change feed: cannot follow the other instances' commits ({}); their "
                     "pulses are stored but not shown live here until the store answers",
                     failure.what());
        failing = true;
      }
    }
    feed_->wait(wait_at_most);
  }
}

void FeedFollower::read_new_entries() {
  while (true) {
    const std::vector<FeedEntry> entries = feed_->after(position_, entries_per_read);
    for (const FeedEntry &entry : entries) {
      position_ = entry.position;
      if (entry.origin == own_origin_) {
        continue;
      }
      bus_.publish(CommittedPulses{entry.meter_id, entry.pulses});
      ++followed_;
    }
    if (entries.size() < entries_per_read) {
      return;
    }
  }
}

} // namespace pulsemon
