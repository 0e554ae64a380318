#include "auth/hash_pool.h"

#include <algorithm>

namespace pulsemon::auth {

HashPool::HashPool(std::size_t workers, std::size_t max_waiting) : max_waiting_(max_waiting) {
  workers = std::max<std::size_t>(1, workers);
  workers_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    workers_.emplace_back([this] { work(); });
  }
}

HashPool::~HashPool() {
  stop();
}

bool HashPool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || waiting_.size() >= max_waiting_) {
      return false;
    }
    waiting_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void HashPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
    waiting_.clear();
  }
  wake_.notify_all();
  for (std::thread &worker : workers_) {
    worker.join();
  }
}

void HashPool::work() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) {
        return; // stopping
      }
      job = std::move(waiting_.front());
      waiting_.pop_front();
    }
    job();
  }
}

} // namespace pulsemon::auth
