#include "sources/source_supervisor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace pulsemon {

namespace {

double seconds_of(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

UtcTime wall_clock_now() {
  return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
}

} // namespace

SourceSupervisor::SourceSupervisor(BackoffSettings backoff, Changed changed)
    : backoff_settings_(backoff), changed_(std::move(changed)) {}

SourceSupervisor::~SourceSupervisor() {
  stop();
}

void SourceSupervisor::add(std::string name, std::int64_t meter_id, std::unique_ptr<Source> first,
                           Make make_again) {
  auto watched = std::make_unique<Watched>();
  watched->name = std::move(name);
  watched->meter_id = meter_id;
  watched->make_again = std::move(make_again);
  watched->backoff = RestartBackoff(backoff_settings_);
  watched->health.name = watched->name;
  watched->health.meter_id = meter_id;
  const std::lock_guard lock(mutex_);
  Watched &added = *watched_.emplace_back(std::move(watched));
  start_locked(added, std::move(first));
  if (!thread_.joinable()) {
    thread_ = std::thread([this] { supervise(); });
  }
}

void SourceSupervisor::start_locked(Watched &watched, std::unique_ptr<Source> source) {
  watched.source = std::move(source);
  watched.died = false;
  watched.started_at = Clock::now();
  watched.health.running = true;
  watched.health.restart_at.reset();
  watched.source->start([this, &watched](const std::string &why) {
    {
      const std::lock_guard lock(mutex_);
      watched.died = true;
      watched.why = why;
    }
    wake_.notify_all();
  });
}

std::vector<SourceHealth> SourceSupervisor::health() const {
  const std::lock_guard lock(mutex_);
  std::vector<SourceHealth> result;
  result.reserve(watched_.size());
  for (const auto &watched : watched_) {
    SourceHealth health = watched->health;
    health.running = watched->source != nullptr && !watched->died;
    health.condition = health.running ? watched->source->condition() : "";
    result.push_back(std::move(health));
  }
  return result;
}

void SourceSupervisor::supervise() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const Clock::time_point now = Clock::now();
    const auto dead = std::find_if(watched_.begin(), watched_.end(),
                                   [](const auto &w) { return w->died && w->source; });
    if (dead != watched_.end()) {
      std::unique_ptr<Source> source = bury(**dead, now);
      lock.unlock();
      source->stop_and_join(); // its thread has ended, or is about to
      source.reset();
      tell_changed();
      lock.lock();
      continue;
    }
    const auto due = std::find_if(watched_.begin(), watched_.end(), [now](const auto &w) {
      return !w->source && w->restart_at <= now;
    });
    if (due != watched_.end()) {
      restart(**due, lock);
      continue;
    }
    std::optional<Clock::time_point> next;
    for (const auto &watched : watched_) {
      if (!watched->source && (!next || watched->restart_at < *next)) {
        next = watched->restart_at;
      }
    }
    if (next) {
      wake_.wait_until(lock, *next);
    } else {
      wake_.wait(lock);
    }
  }
}

std::unique_ptr<Source> SourceSupervisor::bury(Watched &watched, Clock::time_point now) {
  std::unique_ptr<Source> source = std::move(watched.source);
  watched.died = false;
  const auto ran_for = std::chrono::duration_cast<Micros>(now - watched.started_at);
  schedule_restart(watched, now, ran_for, watched.why);
  return source;
}

void SourceSupervisor::schedule_restart(Watched &watched, Clock::time_point now, Micros ran_for,
                                        const std::string &why) {
  const Micros delay = watched.backoff.after_death(ran_for);
  watched.restart_at = now + delay;
  watched.health.running = false;
  watched.health.last_failure = why;
  watched.health.last_failure_at = wall_clock_now();
  watched.health.restart_at = wall_clock_now() + delay;
  spdlog::warn("{} (meter {}) is down: {}; trying again in {:g} s", watched.name, watched.meter_id,
               why, seconds_of(delay));
}

void SourceSupervisor::restart(Watched &watched, std::unique_lock<std::mutex> &lock) {
  lock.unlock();
  std::unique_ptr<Source> fresh;
  std::string failure;
  try {
    fresh = watched.make_again();
  } catch (const std::exception &error) {
    failure = error.what();
  }
  lock.lock();
  if (stopping_) {
    return; // `fresh` never started; it goes with this frame
  }
  if (fresh) {
    start_locked(watched, std::move(fresh));
    watched.health.restarts += 1;
    spdlog::info("{} (meter {}): running again (restart {})", watched.name, watched.meter_id,
                 watched.health.restarts);
  } else {
    schedule_restart(watched, Clock::now(), Micros{0}, "cannot start: " + failure);
  }
  lock.unlock();
  tell_changed();
  lock.lock();
}

void SourceSupervisor::tell_changed() {
  if (changed_) {
    changed_();
  }
}

void SourceSupervisor::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  // The supervisor's thread has ended: nothing else touches the sources now.
  for (const auto &watched : watched_) {
    if (watched->source) {
      watched->source->stop_and_join();
      watched->source.reset();
    }
  }
}

} // namespace pulsemon
