#pragma once
// Password hashing off the API's event loop. An Argon2id check takes
// 0.15 s and 64 MiB by design; run on the loop, eight clients logging in
// held every other request (/healthz at 3.4 s). A few worker threads take
// the checks from a bounded queue: the loop never waits for a hash, the
// memory in use is at most workers × 64 MiB, and a flood of logins is
// turned away (submit returns false) instead of queueing without end.
//
// Thread safety: submit() from any thread; the destructor (or stop())
// finishes the jobs that run and drops those that wait.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pulsemon::auth {

class HashPool {
public:
  static constexpr std::size_t default_workers = 2;
  static constexpr std::size_t default_max_waiting = 16;

  explicit HashPool(std::size_t workers = default_workers,
                    std::size_t max_waiting = default_max_waiting);
  ~HashPool();
  HashPool(const HashPool &) = delete;
  HashPool &operator=(const HashPool &) = delete;

  // Queues `job` for a worker; false (and `job` dropped) when `max_waiting`
  // jobs wait already or the pool has stopped.
  [[nodiscard]] bool submit(std::function<void()> job);
  void stop();

private:
  void work();

  std::size_t max_waiting_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> waiting_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

} // namespace pulsemon::auth
