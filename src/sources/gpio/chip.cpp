#include "sources/gpio/chip.h"

#include "core/quoted_input.h"
#include "core/result.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>

namespace pulsemon::gpio {

namespace {

constexpr const char *access_advice =
    "add the user that runs pulsemon to the 'gpio' group (sudo usermod -aG gpio USER, then log "
    "in again), or give it access with a udev rule (docs/hardware.md)";

std::vector<std::filesystem::path> chip_paths() {
  std::vector<std::filesystem::path> paths;
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator("/dev", ec)) {
    if (entry.path().filename().string().starts_with("gpiochip")) {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

struct OpenChip {
  FileDescriptor fd;
  gpiochip_info info{};
};

std::optional<OpenChip> open_chip(const std::filesystem::path &path) {
  FileDescriptor fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == EACCES || errno == EPERM) {
      throw Failure(ErrorCode::unavailable,
                    "gpio: permission denied opening " + path.string() + "; " + access_advice);
    }
    return std::nullopt;
  }
  OpenChip chip{std::move(fd), {}};
  if (::ioctl(chip.fd.get(), GPIO_GET_CHIPINFO_IOCTL, &chip.info) != 0) {
    return std::nullopt;
  }
  return chip;
}

std::string describe(const std::filesystem::path &path, const gpiochip_info &info) {
  return path.string() + " [" + info.label + "] " + std::to_string(info.lines) + " lines";
}

// The chip named by a path (/dev/gpiochip0), a name (gpiochip0) or a label.
std::pair<std::filesystem::path, OpenChip> find_chip(const std::string &wanted) {
  const std::filesystem::path as_path = wanted.starts_with("/")
                                            ? std::filesystem::path(wanted)
                                            : std::filesystem::path("/dev") / wanted;
  if (std::filesystem::exists(as_path)) {
    if (auto chip = open_chip(as_path)) {
      return {as_path, std::move(*chip)};
    }
  }
  for (const auto &path : chip_paths()) {
    if (auto chip = open_chip(path); chip && wanted == chip->info.label) {
      return {path, std::move(*chip)};
    }
  }
  std::string known;
  for (const std::string &line : describe_chips()) {
    known += "\n  " + line;
  }
  throw Failure(ErrorCode::unavailable,
                "gpio: no chip " + quoted_input(wanted) + "; " +
                    (known.empty() ? "this machine has no GPIO chips (/dev/gpiochip*)"
                                   : "the chips here are:" + known));
}

gpio_v2_line_info line_info(int chip_fd, std::uint32_t offset) {
  gpio_v2_line_info info{};
  info.offset = offset;
  if (::ioctl(chip_fd, GPIO_V2_GET_LINEINFO_IOCTL, &info) != 0) {
    throw Failure(ErrorCode::unavailable, "gpio: cannot read line " + std::to_string(offset) +
                                              ": " + std::system_category().message(errno));
  }
  return info;
}

std::uint32_t find_line(const OpenChip &chip, const std::string &chip_path,
                        const std::string &wanted) {
  std::uint32_t offset = 0;
  const auto [end, ec] = std::from_chars(wanted.data(), wanted.data() + wanted.size(), offset);
  if (ec == std::errc{} && end == wanted.data() + wanted.size()) {
    if (offset >= chip.info.lines) {
      throw Failure(ErrorCode::unavailable, "gpio: " + chip_path + " has lines 0 to " +
                                                std::to_string(chip.info.lines - 1) + ", not " +
                                                wanted);
    }
    return offset;
  }
  std::string named;
  for (std::uint32_t i = 0; i < chip.info.lines; ++i) {
    const gpio_v2_line_info info = line_info(chip.fd.get(), i);
    if (wanted == info.name) {
      return i;
    }
    if (info.name[0] != '\0') {
      named += std::string(named.empty() ? "" : ", ") + info.name;
    }
  }
  throw Failure(ErrorCode::unavailable,
                "gpio: " + chip_path + " has no line named " + quoted_input(wanted) + "; " +
                    (named.empty() ? "its lines have no names, so give the offset (0 to " +
                                         std::to_string(chip.info.lines - 1) + ")"
                                   : "its named lines are " + named));
}

} // namespace

std::vector<std::string> describe_chips() {
  std::vector<std::string> result;
  for (const auto &path : chip_paths()) {
    try {
      if (auto chip = open_chip(path)) {
        result.push_back(describe(path, chip->info));
      }
    } catch (const Failure &) {
      result.push_back(path.string() + " (no permission to open it)");
    }
  }
  return result;
}

RequestedLine request_line(const LineSettings &settings, std::string_view consumer) {
  auto [path, chip] = find_chip(settings.chip);
  const std::uint32_t offset = find_line(chip, path.string(), settings.line);
  gpio_v2_line_request request = make_line_request(offset, settings, consumer);
  bool kernel_debounce = settings.debounce_period_us > 0;
  int rc = ::ioctl(chip.fd.get(), GPIO_V2_GET_LINE_IOCTL, &request);
  if (rc != 0 && errno == EINVAL && kernel_debounce) {
    // Some drivers cannot debounce; the pulse filter's min_interval still can.
    LineSettings without = settings;
    without.debounce_period_us = 0;
    request = make_line_request(offset, without, consumer);
    kernel_debounce = false;
    rc = ::ioctl(chip.fd.get(), GPIO_V2_GET_LINE_IOCTL, &request);
  }
  if (rc != 0) {
    const int error = errno;
    const std::string line = path.string() + " line " + std::to_string(offset) + " (" +
                             quoted_input(settings.line) + ")";
    if (error == EBUSY) {
      const gpio_v2_line_info info = line_info(chip.fd.get(), offset);
      throw Failure(ErrorCode::unavailable,
                    "gpio: " + line + " is busy: another program holds it" +
                        (info.consumer[0] != '\0'
                             ? " (it calls itself " + quoted_input(info.consumer) + ")"
                             : std::string()) +
                        "; stop it, or pick another line");
    }
    if (error == EACCES || error == EPERM) {
      throw Failure(ErrorCode::unavailable,
                    "gpio: permission denied requesting " + line + "; " + access_advice);
    }
    throw Failure(ErrorCode::unavailable,
                  "gpio: requesting " + line + " failed: " + std::system_category().message(error));
  }
  return RequestedLine{FileDescriptor(request.fd), path.string(), offset, kernel_debounce};
}

} // namespace pulsemon::gpio
