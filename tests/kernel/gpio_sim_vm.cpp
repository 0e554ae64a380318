// The first process of the kernel GPIO test's virtual machine
// (tests/kernel/run boots Debian's kernel in QEMU with this as /init).
//
// It loads the kernel's gpio-sim module, makes a simulated chip through
// configfs, starts the real pulsemon daemon on three of its lines through
// /dev/gpiochipN, and drives the lines by writing pull-up / pull-down into
// sysfs, as a sensor would pull a pin. Then it checks with pulsemon's own
// commands (meter list, export csv) that:
//   - every one of more than 10 000 pulses was stored, none twice, and each
//     at a time between the moments just before and just after the write
//     that made its edge;
//   - bounces closer than the meter's minimum interval were filtered;
//   - while pulsemon was stopped (SIGSTOP) the kernel's queue overflowed,
//     and the lost events were stored as a gap of exactly their number;
//   - after the daemon stopped the line was free, and once it started
//     again it held the line and counted on.
// Each check prints "CHECK <name> ok" or "CHECK <name> FAILED: ..."; the
// last line is "GPIO-SIM-DONE failed=N". Then it powers the machine off.

#include <fcntl.h>
#include <linux/gpio.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::system_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr const char *home = "/tmp/pm";
constexpr const char *config = "/tmp/pm/pulsemon.toml";
constexpr const char *serve_log = "/tmp/pm/serve.log";
constexpr const char *command_errors = "/tmp/command-errors.txt";

int failures = 0;

void check(const std::string &name, bool ok, const std::string &detail) {
  std::cout << "CHECK " << name << (ok ? " ok" : " FAILED: ") << (ok ? "" : detail) << "\n"
            << std::flush;
  if (!ok) {
    ++failures;
  }
}

[[noreturn]] void fail(const std::string &what) {
  const int error = errno;
  throw std::runtime_error(
      what + (error != 0 ? ": " + std::error_code(error, std::system_category()).message() : ""));
}

void write_file(const std::string &path, const std::string &text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    fail("writing '" + text + "' to " + path);
  }
  ::close(fd);
}

std::string read_file(const std::string &path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string result = text.str();
  while (!result.empty() && (result.back() == '\n' || result.back() == ' ')) {
    result.pop_back();
  }
  return result;
}

void mount_or_fail(const char *type, const char *where) {
  ::mkdir(where, 0755);
  if (::mount(type, where, type, 0, nullptr) != 0 && errno != EBUSY) {
    fail(std::string("mounting ") + type + " on " + where);
  }
}

void load_module(const std::string &path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::syscall(SYS_finit_module, fd, "", 0) != 0) {
    fail("loading " + path);
  }
  ::close(fd);
}

// The daemon's API listens on loopback, which nobody has brought up here.
void bring_up_loopback() {
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (s < 0 || ::ioctl(s, SIOCGIFFLAGS, &request) != 0) {
    fail("reading lo's flags");
  }
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  if (::ioctl(s, SIOCSIFFLAGS, &request) != 0) {
    fail("bringing lo up");
  }
  ::close(s);
}

struct Ran {
  int exit_code = -1;
  std::string out;
};

// Runs args[0] with its standard output (and, unless -1, error) on these.
pid_t spawn(const std::vector<std::string> &args, int out_fd, int err_fd = -1) {
  const pid_t child = ::fork();
  if (child == 0) {
    std::vector<char *> argv;
    argv.reserve(args.size() + 1);
    for (const std::string &arg : args) {
      argv.push_back(const_cast<char *>(arg.c_str()));
    }
    argv.push_back(nullptr);
    ::dup2(out_fd, STDOUT_FILENO);
    if (err_fd >= 0) {
      ::dup2(err_fd, STDERR_FILENO);
    }
    std::array<char *, 4> environment{const_cast<char *>("PATH=/bin"),
                                      const_cast<char *>("HOME=/tmp"), const_cast<char *>("TZ=UTC"),
                                      nullptr};
    ::execve(argv[0], argv.data(), environment.data());
    ::_exit(127);
  }
  return child;
}

// Runs a command to its end; its standard error goes to a file, not to the
// console, where a progress line would mix with the checks' lines.
Ran run(std::vector<std::string> args) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    fail("pipe");
  }
  const int errors = ::open(command_errors, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const pid_t child = spawn(args, pipe_fds[1], errors);
  ::close(pipe_fds[1]);
  ::close(errors);
  Ran ran;
  char buffer[65536];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) {
    ran.out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return ran;
}

Ran pulsemon(std::vector<std::string> args) {
  args.insert(args.begin(), {"/bin/pulsemon", "-c", config});
  Ran ran = run(args);
  if (ran.exit_code != 0) {
    fail("pulsemon " + args[3] + " exited with " + std::to_string(ran.exit_code) + ": " +
         read_file(command_errors));
  }
  return ran;
}

pid_t start_daemon() {
  const int log = ::open(serve_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const pid_t daemon = spawn({"/bin/pulsemon", "-c", config, "serve"}, log, log);
  ::close(log);
  return daemon;
}

int stop_daemon(pid_t daemon) {
  ::kill(daemon, SIGTERM);
  int status = 0;
  ::waitpid(daemon, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The simulated chip: its character device and each line's pull attribute.
struct SimChip {
  std::string device;      // /dev/gpiochipN
  std::string sysfs_lines; // …/gpiochipN, holding sim_gpio<offset>/pull

  void pull(unsigned offset, bool up) const {
    write_file(sysfs_lines + "/sim_gpio" + std::to_string(offset) + "/pull",
               up ? "pull-up" : "pull-down");
  }

  [[nodiscard]] gpio_v2_line_info line(unsigned offset) const {
    const int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
    gpio_v2_line_info info{};
    info.offset = offset;
    if (fd < 0 || ::ioctl(fd, GPIO_V2_GET_LINEINFO_IOCTL, &info) != 0) {
      fail("reading line " + std::to_string(offset) + " of " + device);
    }
    ::close(fd);
    return info;
  }
  [[nodiscard]] bool held(unsigned offset) const {
    return (line(offset).flags & GPIO_V2_LINE_FLAG_USED) != 0;
  }
};

SimChip make_chip(unsigned lines) {
  const std::string device = "/sys/kernel/config/gpio-sim/meters";
  const std::string bank = device + "/bank0";
  ::mkdir(device.c_str(), 0755);
  ::mkdir(bank.c_str(), 0755);
  write_file(bank + "/num_lines", std::to_string(lines));
  write_file(bank + "/label", "pulsemon-sim");
  ::mkdir((bank + "/line0").c_str(), 0755);
  write_file(bank + "/line0/name", "LED-METER");
  write_file(device + "/live", "1");
  const std::string chip = read_file(bank + "/chip_name");
  return SimChip{"/dev/" + chip,
                 "/sys/devices/platform/" + read_file(device + "/dev_name") + "/" + chip};
}

void sleep_for(microseconds span) {
  std::this_thread::sleep_for(span);
}

template <typename Done> bool wait_until(Done done, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) {
      return true;
    }
    sleep_for(milliseconds{50});
  }
  return done();
}

// When the write that made an edge began and ended.
struct Window {
  Clock::time_point before;
  Clock::time_point after;
};

// Pulls the line down (the pulse's falling edge) and up again.
Window pulse(const SimChip &chip, unsigned offset, microseconds low, microseconds high) {
  Window window{Clock::now(), {}};
  chip.pull(offset, false);
  window.after = Clock::now();
  sleep_for(low);
  chip.pull(offset, true);
  sleep_for(high);
  return window;
}

nlohmann::json meter(int id) {
  for (const auto &m : nlohmann::json::parse(pulsemon({"meter", "list", "--json"}).out)) {
    if (m["id"] == id) {
      return m;
    }
  }
  fail("no meter " + std::to_string(id));
}

std::int64_t pulses_of(int id) {
  return meter(id)["pulses"].get<std::int64_t>();
}

std::int64_t gap_pulses_of(int id) {
  std::int64_t missing = 0;
  const nlohmann::json m = meter(id);
  for (const auto &gap : m["gaps"]) {
    missing += gap["missing_pulses"].is_number() ? gap["missing_pulses"].get<std::int64_t>() : 0;
  }
  return missing;
}

// "2026-12-05T08:30:00.123456Z" (export csv's form) as a time point.
Clock::time_point parse_utc(const std::string &text) {
  std::tm parts{};
  const char *rest = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
  if (rest == nullptr) {
    fail("export gave '" + text + "'");
  }
  auto time = Clock::from_time_t(::timegm(&parts));
  if (*rest == '.') {
    std::string digits;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest) {
      digits += *rest;
    }
    digits.resize(6, '0');
    time += microseconds{std::stoll(digits)};
  }
  return time;
}

std::vector<Clock::time_point> exported(int id) {
  std::vector<Clock::time_point> times;
  std::istringstream lines(pulsemon({"export", "csv", "--meter", std::to_string(id)}).out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] >= '0' && line[0] <= '9') {
      times.push_back(parse_utc(line.substr(0, line.find(','))));
    }
  }
  return times;
}

std::string to_text(std::int64_t n) {
  return std::to_string(n);
}

// Meter 1 on the line named LED-METER: every pulse counted, at its time.
constexpr int counted_pulses = 10'000;
// Meter 2 on line 1: a pulse every 100 ms, each with a bounce right after.
constexpr int bounced_pulses = 50;
constexpr auto bounce_filter = milliseconds{30};
// Meter 3 on line 2: pulses while the daemon is stopped, far more than the
// kernel's queue (1024 events) holds.
constexpr int overflow_pulses = 3000;
// How far a stored time may lie outside its write's window: the stamp is
// the kernel's, converted from its monotonic clock by pulsemon.
constexpr auto stamp_slack = milliseconds{2};

void configure() {
  if (run({"/bin/pulsemon", "init", "--dir", home, "--zone", "UTC"}).exit_code != 0) {
    fail("pulsemon init: " + read_file(command_errors));
  }
  pulsemon({"meter", "add", "--id", "1", "--name", "counted", "--kind", "electricity", "--ppu",
            "1000", "--min-interval-ms", "1"});
  pulsemon({"meter", "add", "--id", "2", "--name", "bouncing", "--kind", "electricity", "--ppu",
            "1000", "--min-interval-ms", std::to_string(bounce_filter.count())});
  pulsemon({"meter", "add", "--id", "3", "--name", "overflowing", "--kind", "electricity", "--ppu",
            "1000", "--min-interval-ms", "0"});
  std::string text = read_file(config);
  const std::string waiting = "wait_for_clock_sync = \"auto\"";
  const auto at = text.find(waiting);
  if (at == std::string::npos) {
    fail("the config from init has no " + waiting);
  }
  // No NTP in here: the clock is the host's and never reports synchronised.
  text.replace(at, waiting.size(), "wait_for_clock_sync = \"never\"");
  text += "\n[[gpio]]\nmeter = 1\nchip = \"pulsemon-sim\"\nline = \"LED-METER\"\n"
          "\n[[gpio]]\nmeter = 2\nchip = \"pulsemon-sim\"\nline = \"1\"\n"
          "\n[[gpio]]\nmeter = 3\nchip = \"pulsemon-sim\"\nline = \"2\"\n";
  std::ofstream(config) << text;
}

void test(const SimChip &chip) {
  configure();
  pid_t daemon = start_daemon();
  const bool requested = wait_until([&] { return chip.held(0) && chip.held(1) && chip.held(2); },
                                    std::chrono::seconds{60});
  check("daemon-requests-lines", requested,
        "the lines were not requested; log:\n" + read_file(serve_log));
  check("consumer-named", std::string(chip.line(0).consumer).starts_with("pulsemon"),
        std::string("line 0 is held by '") + chip.line(0).consumer + "'");
  sleep_for(milliseconds{100}); // past the initial-state settle time

  std::vector<Window> windows;
  windows.reserve(counted_pulses + 100);
  for (int i = 0; i < counted_pulses; ++i) {
    windows.push_back(pulse(chip, 0, microseconds{1000}, microseconds{1000}));
  }

  // Per pulse one bounce well inside the filter's interval. A write the
  // machine stalled in could still push a bounce past it, so each
  // expectation follows the windows: sure when the whole window is on one
  // side of the interval, otherwise either verdict counts.
  std::int64_t sure_kept = 0;
  std::int64_t sure_filtered = 0;
  std::int64_t unsure = 0;
  for (int i = 0; i < bounced_pulses; ++i) {
    const Window real = pulse(chip, 1, microseconds{200}, microseconds{200});
    const Window bounce = pulse(chip, 1, microseconds{200}, milliseconds{100});
    ++sure_kept;
    if (bounce.after - real.before < bounce_filter) {
      ++sure_filtered;
    } else if (bounce.before - real.after >= bounce_filter) {
      ++sure_kept;
    } else {
      ++unsure;
    }
  }

  const auto judged = [](const nlohmann::json &m) {
    return m["pulses"].get<std::int64_t>() + m["rejected"]["too_close"].get<std::int64_t>();
  };
  const bool all_counted = wait_until(
      [&] { return pulses_of(1) >= counted_pulses && judged(meter(2)) >= 2LL * bounced_pulses; },
      std::chrono::seconds{60});
  check("all-pulses-counted", all_counted && pulses_of(1) == counted_pulses,
        "meter 1 has " + to_text(pulses_of(1)) + " of " + to_text(counted_pulses));
  const nlohmann::json bouncing = meter(2);
  const auto kept = bouncing["pulses"].get<std::int64_t>();
  const auto filtered = bouncing["rejected"]["too_close"].get<std::int64_t>();
  check("bounces-filtered",
        kept >= sure_kept && kept <= sure_kept + unsure && filtered >= sure_filtered &&
            kept + filtered == 2LL * bounced_pulses,
        "meter 2 kept " + to_text(kept) + " and filtered " + to_text(filtered) + " (sure: kept " +
            to_text(sure_kept) + ", filtered " + to_text(sure_filtered) + ", unsure " +
            to_text(unsure) + ")");

  // The reader pauses; the kernel's queue fills and drops its oldest.
  ::kill(daemon, SIGSTOP);
  for (int i = 0; i < overflow_pulses; ++i) {
    (void)pulse(chip, 2, microseconds{100}, microseconds{100});
  }
  ::kill(daemon, SIGCONT);
  const bool overflow_told = wait_until(
      [&] { return pulses_of(3) + gap_pulses_of(3) >= overflow_pulses; }, std::chrono::seconds{60});
  const std::int64_t overflow_kept = pulses_of(3);
  const std::int64_t overflow_lost = gap_pulses_of(3);
  check("overflow-is-a-gap",
        overflow_told && overflow_kept + overflow_lost == overflow_pulses && overflow_lost > 0 &&
            overflow_kept >= 1024,
        "meter 3 stored " + to_text(overflow_kept) + " and a gap of " + to_text(overflow_lost) +
            " of " + to_text(overflow_pulses) + " pulses: " + meter(3).dump() + "; log:\n" +
            read_file(serve_log));

  const int stopped = stop_daemon(daemon);
  check("daemon-stops-cleanly", stopped == 0, "serve exited with " + to_text(stopped));
  check("line-released", !chip.held(0), "line 0 is still held after the daemon stopped");
  daemon = start_daemon();
  check("line-requested-again", wait_until([&] { return chip.held(0); }, std::chrono::seconds{60}),
        "line 0 was not requested after the restart");
  sleep_for(milliseconds{100});
  constexpr int after_restart = 100;
  for (int i = 0; i < after_restart; ++i) {
    windows.push_back(pulse(chip, 0, microseconds{1000}, microseconds{1000}));
  }
  check("counts-on-after-restart",
        wait_until([&] { return pulses_of(1) == counted_pulses + after_restart; },
                   std::chrono::seconds{60}),
        "meter 1 has " + to_text(pulses_of(1)) + " of " + to_text(counted_pulses + after_restart));
  check("daemon-stops-cleanly-again", stop_daemon(daemon) == 0, read_file(serve_log));

  const std::vector<Clock::time_point> stored = exported(1);
  std::int64_t outside = 0;
  std::string first_outside;
  for (std::size_t i = 0; i < std::min(stored.size(), windows.size()); ++i) {
    if (stored[i] < windows[i].before - stamp_slack || stored[i] > windows[i].after + stamp_slack) {
      if (outside++ == 0) {
        const auto us = [&](Clock::time_point t) {
          return to_text(std::chrono::duration_cast<microseconds>(t - windows[i].before).count());
        };
        first_outside = "pulse " + to_text(static_cast<std::int64_t>(i)) + " stored at " +
                        us(stored[i]) + " µs after its write began, which ended at " +
                        us(windows[i].after) + " µs";
      }
    }
  }
  check("timestamps-are-the-kernels", stored.size() == windows.size() && outside == 0,
        to_text(static_cast<std::int64_t>(stored.size())) + " exported for " +
            to_text(static_cast<std::int64_t>(windows.size())) + " driven, " + to_text(outside) +
            " outside their write's window; first: " + first_outside);
}

} // namespace

int main() {
  try {
    mount_or_fail("proc", "/proc");
    mount_or_fail("sysfs", "/sys");
    mount_or_fail("devtmpfs", "/dev");
    mount_or_fail("tmpfs", "/tmp");
    load_module("/modules/configfs.ko");
    load_module("/modules/gpio-sim.ko");
    mount_or_fail("configfs", "/sys/kernel/config");
    bring_up_loopback();
    const SimChip chip = make_chip(3);
    std::cout << "gpio-sim chip " << chip.device << "\n" << std::flush;
    test(chip);
  } catch (const std::exception &error) {
    check("harness", false, error.what());
  }
  std::cout << "GPIO-SIM-DONE failed=" << failures << "\n" << std::flush;
  ::sync();
  ::reboot(RB_POWER_OFF);
  return 0;
}
