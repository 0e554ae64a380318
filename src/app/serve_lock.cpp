#include "app/serve_lock.h"

#include "core/result.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace pulsemon {

std::optional<ServeLock> ServeLock::take(const std::filesystem::path &database, Mode mode) {
  const std::filesystem::path file = database.string() + ".serve-lock";
  // Read-only and readable by all: a lock file that root made (a restore
  // run as root) must not keep the daemon's own user from taking it.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Failure(ErrorCode::unavailable,
                  "cannot open " + file.string() + ": " + std::generic_category().message(errno));
  }
  const int operation = (mode == Mode::serving ? LOCK_SH : LOCK_EX) | LOCK_NB;
  if (::flock(fd, operation) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  return ServeLock(fd);
}

ServeLock::ServeLock(ServeLock &&other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

ServeLock::~ServeLock() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

} // namespace pulsemon
