#include "store/published_totals.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

namespace pulsemon {

namespace {

// One line per meter and figure, "METER FIGURE VALUE", so that a person can
// read it and nothing but this class needs to.
constexpr const char *file_heading =
    "# pulsemon: the highest figures published per meter (meter, figure, value; the total is\n"
    "# in the meter's unit). Delete this file, with pulsemon stopped, to let them go down.\n";
constexpr std::size_t max_file_bytes = std::size_t{4} * 1024 * 1024;

std::string number_text(double value) {
  std::ostringstream text;
  text.precision(17);
  text << value;
  return text.str();
}

void write_all(int fd, const std::string &text) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw std::system_error(errno, std::system_category(), "write");
    }
    written += static_cast<std::size_t>(n);
  }
}

} // namespace

PublishedTotals::PublishedTotals(std::filesystem::path file) : file_(std::move(file)) {
  std::error_code error;
  const auto size = std::filesystem::file_size(file_, error);
  if (error) {
    return; // none published yet
  }
  if (size > max_file_bytes) {
    spdlog::warn("{} is larger than {} bytes; not using it", file_.string(), max_file_bytes);
    return;
  }
  std::ifstream in(file_);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.starts_with('#')) {
      continue;
    }
    std::istringstream fields(line);
    std::int64_t meter = 0;
    std::string name;
    double value = 0;
    std::string rest;
    const auto figure = (fields >> meter >> name >> value) && !(fields >> rest)
                            ? marked_figure_named(name)
                            : std::nullopt;
    if (!figure || !marks_.raise(meter, *figure, value)) {
      spdlog::warn("{} line {}: not 'meter figure value'; skipped", file_.string(), number);
    }
  }
}

PublishedTotals::~PublishedTotals() {
  save();
}

double PublishedTotals::shown(std::int64_t meter_id, MarkedFigure figure, double stored,
                              UtcTime now, double resolution) {
  const std::lock_guard lock(mutex_);
  return marks_.hold(meter_id, figure, stored, now, resolution);
}

double PublishedTotals::publish(std::int64_t meter_id, MarkedFigure figure, double stored,
                                UtcTime now, bool save, double resolution) {
  const std::lock_guard lock(mutex_);
  const double figure_shown = marks_.hold(meter_id, figure, stored, now, resolution);
  if (marks_.raise(meter_id, figure, figure_shown)) {
    unsaved_ = true;
    if (save) {
      save_locked();
    }
  }
  return figure_shown;
}

void PublishedTotals::raise(std::int64_t meter_id, MarkedFigure figure, double seen) {
  const std::lock_guard lock(mutex_);
  if (marks_.raise(meter_id, figure, seen)) {
    unsaved_ = true;
  }
}

std::vector<TotalHole> PublishedTotals::holes() const {
  const std::lock_guard lock(mutex_);
  return marks_.holes();
}

void PublishedTotals::keep_only(const std::vector<std::int64_t> &meter_ids) {
  const std::lock_guard lock(mutex_);
  const std::size_t before = marks_.marks().size();
  marks_.keep_only(meter_ids);
  if (marks_.marks().size() != before) {
    unsaved_ = true;
  }
}

void PublishedTotals::save() {
  const std::lock_guard lock(mutex_);
  if (unsaved_) {
    save_locked();
  }
}

// Written whole to a temporary file, flushed to the disk, then renamed over
// the old one: a crash leaves the old marks or the new, never half.
void PublishedTotals::save_locked() {
  std::string text = file_heading;
  for (const auto &[key, value] : marks_.marks()) {
    text += std::to_string(key.first) + " " + std::string(to_string(key.second)) + " " +
            number_text(value) + "\n";
  }
  const std::filesystem::path temporary = file_.string() + ".new";
  try {
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      throw std::system_error(errno, std::system_category(), "open");
    }
    try {
      write_all(fd, text);
      if (::fsync(fd) != 0) {
        throw std::system_error(errno, std::system_category(), "fsync");
      }
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    std::filesystem::rename(temporary, file_);
    unsaved_ = false;
    last_failure_.clear();
  } catch (const std::exception &failure) {
    if (last_failure_ != failure.what()) {
      last_failure_ = failure.what();
      spdlog::warn("cannot save the published totals to {}: {}", file_.string(), failure.what());
    }
  }
}

} // namespace pulsemon
