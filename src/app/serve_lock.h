#pragma once
// Who serves a data folder. `serve` holds a shared lock on a file beside the
// database (DATABASE.serve-lock) for as long as it runs; `restore` takes it
// exclusively, so it refuses while a daemon serves the same data instead of
// swapping the database under it. A lock, not a pid file: it goes with the
// process, however that ends (kill -9, a power cut).

#include <filesystem>
#include <optional>

namespace pulsemon {

class ServeLock {
public:
  enum class Mode { serving, replacing };

  // The lock for `database`, or nothing when another process holds it in a
  // way that conflicts (a daemon serves while restore asks, or restore runs
  // while a daemon starts). Throws Failure(unavailable) when the lock file
  // cannot be made.
  [[nodiscard]] static std::optional<ServeLock> take(const std::filesystem::path &database,
                                                     Mode mode);

  ServeLock(ServeLock &&other) noexcept;
  ServeLock &operator=(ServeLock &&) = delete;
  ServeLock(const ServeLock &) = delete;
  ServeLock &operator=(const ServeLock &) = delete;
  ~ServeLock();

private:
  explicit ServeLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

} // namespace pulsemon
