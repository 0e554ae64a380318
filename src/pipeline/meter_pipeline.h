#pragma once
// The middle of the flow of a pulse: source edges → per-meter filter →
// power estimator → batches for the writer. Sources call on_edge from their
// own threads; status() may be called from any thread.

#include "core/edge.h"
#include "core/meter.h"
#include "core/power.h"
#include "core/pulse_batch.h"
#include "core/pulse_filter.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

namespace pulsemon {

struct MeterLiveStatus {
  std::int64_t meter_id = 0;
  std::string name;
  std::string rate_unit;             // "W", "m³/h", …
  std::optional<double> power;       // at the time asked; empty until known
  Micros power_latency{0};           // how late its pulses may become known (core/power.h)
  std::optional<UtcTime> last_pulse; // wall time of the last accepted pulse
  FilterCounts filter;               // since the daemon started
  std::int64_t lost_pulses = 0;      // reported lost by the source since the daemon started
};

// What follow_meters did: meters that got a lane, meters whose lane took
// new settings.
struct MeterFollowed {
  std::vector<Meter> added;
  std::vector<Meter> changed;
};

// How the lanes' power figure allows for the time pulses take to be seen.
struct LiveTiming {
  // How late a lane's own pulses reach every surface that shows them (the
  // writer's commit interval and delivery to a browser): the power holds
  // this long past the moment the next pulse was due before it decays, so
  // the API, the live stream, the dashboard, MQTT and /metrics can all show
  // the one figure. Pulses stored by other paths (a node's batch) set their
  // meter's latency to how late they came, up to the meter's timeout.
  Micros latency{0};
  // When the lanes start watching: a meter with no pulse for its timeout
  // from here reads 0. None: unknown until its first pulses.
  std::optional<MonoTime> started;
};

class MeterPipelines final : public EdgeSink {
public:
  // Receives each accepted pulse (with the filter's rejections since the
  // previous one) as a batch; in the daemon that is PulseWriter::submit.
  using BatchHandler = std::function<void(PulseBatch)>;

  MeterPipelines(const std::vector<Meter> &meters, BatchHandler handler, LiveTiming timing = {});

  void on_edge(const Edge &edge) override;
  void on_lost_pulses(std::int64_t meter_id, UtcTime at, std::int64_t pulses,
                      const std::string &reason) override;

  // A committed pulse as the live figures show it: its time and the
  // meter's power estimate at that pulse.
  struct LivePulse {
    std::int64_t meter_id = 0;
    std::int64_t site_id = 0; // the meter's (core/site.h)
    UtcTime time;
    std::optional<double> power;
  };

  // Pulses once committed, whichever path stored them (the writer for this
  // object's own pulses and power reports', the recorder for nodes'
  // batches): what the live stream shows, in order, each once. This
  // object's own pulses come with `powers` (one per pulse, as its batches
  // carried them through the writer and the bus): the power estimated when
  // each came. Another path's pulse enters the meter's power estimate and
  // last pulse here (`now_monotonic` and `now_wall`, read together, place it
  // on the estimate's clock); one not after the meter's last pulse stays
  // out of the live figures.
  [[nodiscard]] std::vector<LivePulse>
  on_committed(std::int64_t meter_id, const std::vector<UtcTime> &pulses, MonoTime now_monotonic,
               UtcTime now_wall, const std::vector<std::optional<double>> &powers = {});

  // Hands on rejections not yet carried by a pulse's batch (called at each
  // status report and at shutdown, so quiet meters' counters still land).
  void hand_on_rejections();

  // Applies a meter's changed settings (name, filter, power timeout) to its
  // running lane, from any thread; false for a meter without a lane.
  bool apply_settings(const Meter &meter);

  // Brings the lanes in line with the meters as the store now holds them
  // (changed by the API, the CLI in another process, another instance): a
  // new meter gets a lane (watched from `now`), a changed one its new
  // settings. A meter that is gone keeps its lane; nothing reaches it.
  MeterFollowed follow_meters(const std::vector<Meter> &meters, MonoTime now);

  // One meter's power at monotonic time `now`; empty until known and for a
  // meter without a lane.
  [[nodiscard]] std::optional<double> power_now(std::int64_t meter_id, MonoTime now) const;

  // Status of every meter at monotonic time `now`.
  [[nodiscard]] std::vector<MeterLiveStatus> status(MonoTime now) const;

private:
  struct Lane {
    Meter meter;
    std::string rate_unit;
    PulseFilter filter;
    PowerEstimator power;
    FilterCounts reported; // rejections already handed on in a batch
    std::optional<UtcTime> last_pulse;
    std::optional<UtcTime> last_shown; // the latest pulse on_committed handed on
    std::int64_t lost_pulses = 0;
    Micros latency{0}; // the power estimate's, see LiveTiming
    mutable std::mutex mutex;

    Lane(const Meter &m, const LiveTiming &timing);
    void set_latency(Micros value);
  };
  void accept(Lane &lane, const FilterVerdict &verdict, const Edge &edge);
  // The meter's lane, or null; a lane, once made, lives as long as this.
  [[nodiscard]] Lane *find_lane(std::int64_t meter_id) const;

  // Lanes are added while sources run (follow_meters): the map is read
  // under a shared lock, changed under an exclusive one.
  mutable std::shared_mutex lanes_mutex_;
  std::map<std::int64_t, std::unique_ptr<Lane>> lanes_;
  BatchHandler handler_;
  LiveTiming timing_;
};

} // namespace pulsemon
