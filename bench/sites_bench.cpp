// A co-operative of 1 000 households, one meter each, in one pulsemon on
// SQLite (the 1 000-meter data set of coop_bench, each meter in a site of
// its own with a resident who sees only it), beside the same install read
// by one account that sees every meter, which is what every account saw
// before sites: in one run,
//
//   a resident's meters list  GET /api/meters, a resident at random per
//                             request (bench/any_resident.lua)
//   a resident's year by day  GET /api/meters/N/energy?bucket=day over 365
//                             days of that resident's meter; with wrk's 4
//                             connections (the daemon saturated, so the
//                             p99 is mostly waiting behind the others) and
//                             with one (one request at a time)
//   the same two for the account that sees all 1 000 meters
//   the live stream's fan-out 1 000 streams open while every meter's node
//                             uploads a pulse a round: each resident's
//                             stream carries its own meter's events; the
//                             baseline's 1 000 streams each carry every
//                             meter's. The daemon's CPU per delivered
//                             event and its memory with the streams open.
//
// Prints name=value lines (bench/run passes them on).
//   PULSEMON_BENCH_COOP_METERS   households (default 1000)
//   PULSEMON_BENCH_COOP_DAYS     days of pulses (default 30)
//   PULSEMON_BENCH_WRK_SECONDS   seconds of each wrk round (default 10)
//   PULSEMON_BENCH_FANOUT_ROUNDS rounds of one pulse per meter (default 3)
#include "auth/secrets.h"
#include "bench_data.h"
#include "coop_data.h"
#include "core/time_text.h"
#include "store/sqlite/sqlite_store.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "wrk_load.h"

#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace pulsemon::bench {
namespace {

constexpr const char *resident_password = "a long resident password";

struct Household {
  std::int64_t meter = 0;
  std::string resident;
  std::string key; // the meter's node's device key
};

// The 1 000 households into `store`: a site, a meter with its pulses (the
// co-operative data set's, bench_data.h), a resident (viewer) and a device
// key each; and "everyone", a member of every site.
std::vector<Household> load(Store &store, int meters, int days) {
  const std::string hash = auth::hash_password(resident_password);
  std::vector<Household> households;
  User everyone{0, "everyone", Role::viewer, hash, 0, false, {}};
  for (std::int64_t id = 1; id <= meters; ++id) {
    const Site site = store.add_site("Flat " + std::to_string(id), simulation_start);
    CoopMeter coop = coop_meter(id);
    coop.meter.site_id = site.id;
    store.add_meter(coop.meter, simulation_start);
    (void)store.commit_or_throw(PulseBatch{id, coop_pulses(coop, days), {}, {}});
    Household household{id, "resident-" + std::to_string(id), ""};
    store.add_user(User{0,
                        household.resident,
                        Role::viewer,
                        hash,
                        0,
                        false,
                        simulation_start,
                        {SiteMembership{site.id, Role::viewer}}},
                   simulation_start);
    (void)store.add_device_key("node-" + std::to_string(id), {id}, simulation_start,
                               [&](std::int64_t key_id) {
                                 household.key = auth::make_device_key(key_id);
                                 return auth::hash_device_key(household.key);
                               });
    everyone.sites.push_back(SiteMembership{site.id, Role::viewer});
    households.push_back(std::move(household));
  }
  store.add_user(everyone, simulation_start);
  return households;
}

// The daemon's CPU time (user + system) so far, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0.0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14 || index == 15) {
      ticks += std::stod(field);
    }
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The daemon's resident memory, in MiB.
double rss_mib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) {
      return std::stod(line.substr(6)) / 1024.0;
    }
  }
  return 0.0;
}

// Live streams read together with poll(): each counts the pulse events it
// was sent.
class Streams {
public:
  void open(unsigned short port, const std::string &token) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot connect a live stream");
    }
    const std::string request = "GET /api/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                                "Bearer " +
                                token + "\r\nAccept: text/event-stream\r\n\r\n";
    if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
      throw std::runtime_error("cannot ask for a live stream");
    }
    streams_.push_back({fd, 0, {}});
  }
  ~Streams() {
    for (const Stream &stream : streams_) {
      ::close(stream.fd);
    }
  }
  Streams() = default;
  Streams(const Streams &) = delete;
  Streams &operator=(const Streams &) = delete;

  // Reads until `events` pulse events arrived in all, or `timeout` passed.
  std::int64_t read_until(std::int64_t events, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<pollfd> fds;
    for (const Stream &stream : streams_) {
      fds.push_back({stream.fd, POLLIN, 0});
    }
    char buffer[65536];
    while (received() < events && std::chrono::steady_clock::now() < deadline) {
      if (::poll(fds.data(), fds.size(), 100) <= 0) {
        continue;
      }
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if ((fds[i].revents & POLLIN) == 0) {
          continue;
        }
        const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
        if (got <= 0) {
          fds[i].fd = -1; // the daemon dropped it: it fell too far behind
          ++dropped_;
          continue;
        }
        Stream &stream = streams_[i];
        stream.tail.append(buffer, static_cast<std::size_t>(got));
        for (auto at = stream.tail.find("event: pulse"); at != std::string::npos;
             at = stream.tail.find("event: pulse", at + 1)) {
          ++stream.events;
        }
        const auto keep = stream.tail.size() > 16 ? stream.tail.size() - 16 : 0;
        stream.tail.erase(0, std::max<std::size_t>(keep, stream.tail.rfind('\n') + 1));
      }
    }
    return received();
  }
  [[nodiscard]] std::int64_t dropped() const { return dropped_; }
  [[nodiscard]] std::int64_t received() const {
    std::int64_t all = 0;
    for (const Stream &stream : streams_) {
      all += stream.events;
    }
    return all;
  }

private:
  struct Stream {
    int fd = -1;
    std::int64_t events = 0;
    std::string tail; // what may hold the start of an event's first line
  };
  std::vector<Stream> streams_;
  std::int64_t dropped_ = 0;
};

struct Fanout {
  double cpu_seconds = 0.0; // the daemon's, for the uploads and the events
  double cpu_us_per_event = 0.0;
  double delivered = 0.0;
  double expected = 0.0;
  double dropped = 0.0; // streams the daemon closed because they fell behind
  double rss_mib = 0.0;
};

// `tokens`' streams open, then `rounds` rounds of one pulse per meter from
// its node; what the daemon spent per event delivered. Reads for at most
// `wait`; a stream that falls behind is the daemon's to drop.
Fanout fan_out(const testing::RunningDaemon &daemon, const std::vector<std::string> &tokens,
               const std::vector<Household> &households, int rounds, std::int64_t per_pulse,
               std::int64_t first_seq, std::chrono::seconds wait) {
  Streams streams;
  for (const std::string &token : tokens) {
    streams.open(daemon.port, token);
  }
  std::this_thread::sleep_for(std::chrono::seconds{2}); // every stream adopted
  Fanout fanout;
  fanout.rss_mib = rss_mib(daemon.process->pid());
  const double cpu_before = cpu_seconds(daemon.process->pid());
  const std::int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  for (int round = 0; round < rounds; ++round) {
    for (const Household &household : households) {
      const nlohmann::json batch{{"node", "node-" + std::to_string(household.meter)},
                                 {"boot", 1},
                                 {"seq", first_seq + round},
                                 {"meter", household.meter},
                                 {"pulses", {now_us + round * 1'000'000}}};
      const auto answer = testing::http_request(
          daemon.port, "POST", "/api/ingest", batch.dump(),
          {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + household.key}});
      if (answer.status != 200) {
        throw std::runtime_error("an upload answered " + std::to_string(answer.status) + ": " +
                                 answer.body);
      }
    }
  }
  const std::int64_t expected = per_pulse * rounds * static_cast<std::int64_t>(households.size());
  fanout.expected = static_cast<double>(expected);
  fanout.delivered = static_cast<double>(streams.read_until(expected, wait));
  fanout.dropped = static_cast<double>(streams.dropped());
  const double cpu = cpu_seconds(daemon.process->pid()) - cpu_before;
  fanout.cpu_seconds = cpu;
  fanout.cpu_us_per_event = fanout.delivered > 0 ? cpu / fanout.delivered * 1e6 : 0.0;
  return fanout;
}

int run() {
  const int meters = static_cast<int>(env_number("PULSEMON_BENCH_COOP_METERS", 1000));
  const int days = static_cast<int>(env_number("PULSEMON_BENCH_COOP_DAYS", 30));
  const int seconds = static_cast<int>(env_number("PULSEMON_BENCH_WRK_SECONDS", 10));
  const int rounds = static_cast<int>(env_number("PULSEMON_BENCH_FANOUT_ROUNDS", 3));
  if (meters < 7 || days < 1 || seconds < 1 || rounds < 1) {
    throw std::runtime_error("PULSEMON_BENCH_COOP_METERS must be at least 7, the days, seconds "
                             "and rounds at least 1");
  }
  // Two thousand streams and the daemon's own files.
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = std::min<rlim_t>(files.rlim_max, 8192);
  ::setrlimit(RLIMIT_NOFILE, &files);

  testing::TempDir dir;
  (void)testing::init_data_folder(dir / "sqlite", false);
  const auto config = dir / "sqlite" / "pulsemon.toml";
  testing::edit_file(config, "max_live_streams = 256", "max_live_streams = 4000");
  testing::edit_file(config, "max_live_streams_per_user = 16", "max_live_streams_per_user = 2000");
  std::vector<Household> households;
  {
    SqliteStore store(dir / "sqlite" / "pulsemon.db", StoreOptions{Durability::normal, true});
    households = load(store, meters, days);
  }
  figure("sites", meters);

  // The residents, and their meters, for wrk's script.
  testing::RunningDaemon daemon = testing::start_daemon(config);
  std::vector<std::string> resident_tokens;
  {
    std::ofstream residents(dir / "residents.txt");
    for (const Household &household : households) {
      const std::string bearer =
          testing::login_bearer(daemon.port, household.resident, resident_password);
      resident_tokens.push_back(bearer.substr(7));
      residents << bearer << ' ' << household.meter << '\n';
    }
  }
  ::setenv("PULSEMON_BENCH_RESIDENTS", (dir / "residents.txt").c_str(), 1);
  ::setenv("PULSEMON_BENCH_METERS", std::to_string(meters).c_str(), 1);
  const std::string everyone = testing::login_bearer(daemon.port, "everyone", resident_password);
  const auto all =
      testing::http_request(daemon.port, "GET", "/api/meters", "", {{"Authorization", everyone}});
  const auto own = testing::http_request(daemon.port, "GET", "/api/meters", "",
                                         {{"Authorization", "Bearer " + resident_tokens[0]}});
  if (nlohmann::json::parse(all.body).size() != households.size() ||
      nlohmann::json::parse(own.body).size() != 1) {
    throw std::runtime_error("the meters lists are not what the sites say");
  }

  const UtcTime end = simulation_start + std::chrono::hours{24 * days};
  const std::string year =
      "/api/meters/{id}/energy?bucket=day&from=" + format_day(end - std::chrono::hours{24 * 365}) +
      "&to=" + format_day(end);
  const std::string residents_script = PULSEMON_SOURCE_DIR "/bench/any_resident.lua";
  const std::string any_meter_script = PULSEMON_SOURCE_DIR "/bench/any_meter.lua";
  const Load resident_list =
      wrk(daemon.port, "/api/meters", seconds, {"", residents_script, false});
  const Load resident_year = wrk(daemon.port, year, seconds, {"", residents_script, false});
  const Load resident_year_alone = wrk(daemon.port, year, seconds, {"", residents_script, true});
  const Load all_list =
      wrk(daemon.port, "/api/meters", seconds, {everyone, any_meter_script, false});
  const Load all_year = wrk(daemon.port, year, seconds, {everyone, any_meter_script, false});
  figure("sites_resident_meters_p99_ms", resident_list.p99_ms, "%.3f");
  figure("sites_resident_meters_rps", resident_list.rps);
  figure("sites_resident_year_by_day_p99_ms", resident_year.p99_ms, "%.3f");
  figure("sites_resident_year_by_day_rps", resident_year.rps);
  figure("sites_resident_year_by_day_alone_p99_ms", resident_year_alone.p99_ms, "%.3f");
  figure("sites_all_meters_p99_ms", all_list.p99_ms, "%.3f");
  figure("sites_all_meters_rps", all_list.rps);
  figure("sites_all_year_by_day_p99_ms", all_year.p99_ms, "%.3f");
  figure("sites_all_year_by_day_rps", all_year.rps);

  // Each resident's stream gets its meter's pulses; each of the baseline's
  // as many streams gets every meter's.
  const double idle_rss = rss_mib(daemon.process->pid());
  const Fanout filtered = fan_out(daemon, resident_tokens, households, rounds, 1,
                                  /*first_seq=*/1, std::chrono::seconds{120});
  if (filtered.delivered < filtered.expected) {
    throw std::runtime_error("the residents' streams got " + std::to_string(filtered.delivered) +
                             " of " + std::to_string(filtered.expected) + " events");
  }
  const std::vector<std::string> everyone_tokens(households.size(), everyone.substr(7));
  const Fanout unfiltered =
      fan_out(daemon, everyone_tokens, households, rounds,
              static_cast<std::int64_t>(households.size()), 1 + rounds, std::chrono::seconds{60});
  figure("sites_daemon_rss_idle_mib", idle_rss, "%.1f");
  figure("sites_fanout_streams", static_cast<double>(households.size()));
  figure("sites_fanout_events", filtered.delivered);
  figure("sites_fanout_cpu_s", filtered.cpu_seconds, "%.2f");
  figure("sites_fanout_cpu_us_per_event", filtered.cpu_us_per_event, "%.2f");
  figure("sites_fanout_rss_mib", filtered.rss_mib, "%.1f");
  figure("sites_unfiltered_fanout_events", unfiltered.delivered);
  figure("sites_unfiltered_fanout_events_sent", unfiltered.expected);
  figure("sites_unfiltered_fanout_streams_dropped", unfiltered.dropped);
  figure("sites_unfiltered_fanout_cpu_s", unfiltered.cpu_seconds, "%.2f");
  figure("sites_unfiltered_fanout_cpu_us_per_event", unfiltered.cpu_us_per_event, "%.2f");
  figure("sites_unfiltered_fanout_rss_mib", unfiltered.rss_mib, "%.1f");
  daemon.process->signal(SIGTERM);
  (void)daemon.process->wait(std::chrono::seconds{30});
  return 0;
}

} // namespace
} // namespace pulsemon::bench

int main() {
  try {
    return pulsemon::bench::run();
  } catch (const std::exception &error) {
    std::fprintf(stderr, "sites_bench: %s\n", error.what());
    return 1;
  }
}
