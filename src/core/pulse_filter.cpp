#include "core/pulse_filter.h"

#include "pulsenode/pulse_rule.h"

namespace pulsemon {

FilterVerdict PulseFilter::judge(MonoTime leading, std::optional<Micros> width) {
  const pulserule::Settings rule{settings_.min_interval.count(), settings_.min_width.count()};
  const std::int64_t since_last = last_accepted_ ? (leading - *last_accepted_).count() : 0;
  const pulserule::Verdict verdict =
      pulserule::judge(rule, last_accepted_.has_value(), since_last,
                       width ? width->count() : pulserule::width_unknown);
  switch (verdict) {
  case pulserule::Verdict::accepted:
    last_accepted_ = leading;
    ++counts_.accepted;
    return FilterVerdict{leading, std::nullopt};
  case pulserule::Verdict::too_short:
    ++counts_.too_short;
    return FilterVerdict{leading, RejectReason::too_short};
  case pulserule::Verdict::too_close:
  case pulserule::Verdict::unpaired: // judge() never returns it: on_edge() decides that one
    ++counts_.too_close;
    return FilterVerdict{leading, RejectReason::too_close};
  }
  return FilterVerdict{leading, RejectReason::too_close};
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
