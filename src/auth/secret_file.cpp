#include "auth/secret_file.h"

#include "core/result.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace pulsemon::auth {

namespace {

// Closes the descriptor when the read is done or refused.
class OpenFile {
public:
  explicit OpenFile(int fd) : fd_(fd) {}
  ~OpenFile() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  OpenFile(const OpenFile &) = delete;
  OpenFile &operator=(const OpenFile &) = delete;
  [[nodiscard]] int get() const { return fd_; }

private:
  int fd_;
};

} // namespace

std::string read_secret_file(const std::filesystem::path &file, const std::string &what,
                             std::size_t max_bytes) {
  const std::string named = what + " " + file.string();
  const auto refused = [&](const std::string &why) {
    return Failure(ErrorCode::invalid_argument, named + " " + why);
  };
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  const OpenFile opened(::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (opened.get() < 0) {
    throw refused("cannot be opened: " + std::system_category().message(errno));
  }
  struct stat info {};
  if (::fstat(opened.get(), &info) != 0) {
    throw refused("cannot be read: " + std::system_category().message(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    throw refused("is not a regular file");
  }
  if ((info.st_mode & 077) != 0) {
    throw refused("is readable or writable by other users; run 'chmod 600 " + file.string() + "'");
  }
  if (static_cast<std::size_t>(info.st_size) > max_bytes) {
    throw refused("holds more than " + std::to_string(max_bytes) + " bytes; is it the right file?");
  }
  std::string text(max_bytes + 1, '\0');
  std::size_t filled = 0;
  while (filled < text.size()) {
    const ssize_t n = ::read(opened.get(), text.data() + filled, text.size() - filled);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw refused("cannot be read: " + std::system_category().message(errno));
    }
    if (n == 0) {
      break;
    }
    filled += static_cast<std::size_t>(n);
  }
  if (filled > max_bytes) { // it grew since fstat
    throw refused("holds more than " + std::to_string(max_bytes) + " bytes; is it the right file?");
  }
  text.resize(filled);
  return text;
}

} // namespace pulsemon::auth
