#include "core/pulse_filter.h"

namespace pulsemon {

FilterVerdict PulseFilter::judge(MonoTime leading, std::optional<Micros> width) {
  FilterVerdict verdict{leading, std::nullopt};
  if (width && settings_.min_width > Micros{0} && *width < settings_.min_width) {
    verdict.rejected = RejectReason::too_short;
    ++counts_.too_short;
    return verdict;
  }
  // An edge at or before the last accepted pulse can only come from a clock
  // anomaly; it is treated as a bounce, never as a negative interval.
  if (last_accepted_) {
    const Micros since_last = leading - *last_accepted_;
    if (since_last <= Micros{0} || since_last < settings_.min_interval) {
      verdict.rejected = RejectReason::too_close;
      ++counts_.too_close;
      return verdict;
    }
  }
  last_accepted_ = leading;
  ++counts_.accepted;
  return verdict;
}

FilterVerdict PulseFilter::on_pulse(MonoTime leading_edge) {
  return judge(leading_edge, std::nullopt);
}

PulseFilter::EdgeVerdicts PulseFilter::on_edge(EdgeKind kind, MonoTime time) {
  EdgeVerdicts verdicts;
  if (kind == EdgeKind::leading) {
    if (pending_leading_) {
      verdicts.first = judge(*pending_leading_, std::nullopt);
    }
    pending_leading_ = time;
    return verdicts;
  }
  if (!pending_leading_) {
    ++counts_.unpaired;
    verdicts.first = FilterVerdict{time, RejectReason::unpaired};
    return verdicts;
  }
  const MonoTime leading = *pending_leading_;
  pending_leading_.reset();
  verdicts.first = judge(leading, time - leading);
  return verdicts;
}

} // namespace pulsemon
