#pragma once
// Sending the outbox to the server one batch at a time, whatever carries it.
//
// A batch is numbered (boot, seq) and its pulses stay in the outbox until
// the server says it committed them. Over HTTP that answer is the response
// (call acknowledged() on a 200); over MQTT it is a message on
// pulsemon/<node>/ack, read with read_ack(), which may never come: then the
// batch is sent again after ack_timeout_ms. A batch is always resent with
// the same number and the same pulses, so the server stores it once.
//
//   loop():  if (uploader.ready(now_ms)) {
//              length = uploader.write(text, …);
//              send it; on a definite failure call uploader.failed(now_ms)
//            }
//            on an acknowledgement: uploader.acknowledged(boot, seq, now_ms)

#include "node_core.h"

namespace pulsenode {

struct UploadSettings {
  uint32_t batch_pulses = 200;       // at most this many pulses in one batch
  uint32_t send_interval_ms = 10000; // a batch this often; back to back while a backlog lasts
  uint32_t ack_timeout_ms = 10000;   // no acknowledgement by then: send the batch again
  uint32_t first_retry_ms = 1000;    // then doubling up to max_retry_ms
  uint32_t max_retry_ms = 60000;
};

template <uint32_t Capacity> class Uploader {
public:
  Uploader(Outbox<Capacity> &outbox, const UploadSettings &settings, uint32_t boot)
      : outbox_(outbox), settings_(settings),
        backoff_(settings.first_retry_ms, settings.max_retry_ms), boot_(boot) {}

  // Whether to write and send a batch now. Also notices an acknowledgement
  // that did not come in time, which counts as a failure. Call it on every
  // pass of loop(), connected or not: it compares elapsed times, which
  // millis() gives right across its wrap (49.7 days) only when they are
  // looked at more often than that.
  bool ready(uint32_t now_ms) {
    if (waiting_) {
      if (now_ms - sent_ms_ < settings_.ack_timeout_ms) {
        return false;
      }
      ++ack_timeouts_;
      failed(now_ms);
    }
    if (!due_ && now_ms - pause_from_ms_ >= pause_ms_) {
      due_ = true; // stays due however long the outbox then stays empty
    }
    // A full batch goes out without waiting for the send interval (a meter
    // at 50 pulses a second would otherwise overflow a long interval), but
    // never inside the backoff after a failure.
    if (!due_ && !backing_off_ && outbox_.size() >= settings_.batch_pulses) {
      due_ = true;
    }
    return due_ && outbox_.size() > 0;
  }

  // Writes the batch to send (the same one again after a failure) and
  // starts waiting for its acknowledgement. Returns the length, or 0 when
  // `capacity` is too small (call failed()).
  size_t write(char *out, size_t capacity, const NodeIdentity &identity, uint64_t now_us,
               const Health &health, uint32_t now_ms) {
    if (in_flight_ == 0) {
      in_flight_ =
          outbox_.size() < settings_.batch_pulses ? outbox_.size() : settings_.batch_pulses;
    }
    waiting_ = true;
    sent_ms_ = now_ms;
    return write_batch(out, capacity, identity, boot_, seq_, now_us, outbox_, in_flight_, health);
  }

  // The server committed batch `seq` of `boot`. Returns false (and changes
  // nothing) for any other batch, such as an old retained acknowledgement.
  bool acknowledged(uint32_t boot, uint32_t seq, uint32_t now_ms) {
    if (in_flight_ == 0 || boot != boot_ || seq != seq_) {
      return false;
    }
    outbox_.drop_front(in_flight_);
    in_flight_ = 0;
    ++seq_;
    waiting_ = false;
    backing_off_ = false;
    backoff_.after_success();
    pause(now_ms, outbox_.size() >= settings_.batch_pulses ? 0 : settings_.send_interval_ms);
    return true;
  }

  // The batch did not reach the server (no connection, an error answer).
  void failed(uint32_t now_ms) {
    waiting_ = false;
    backing_off_ = true;
    pause(now_ms, backoff_.after_failure());
  }

  uint32_t boot() const { return boot_; }
  uint32_t seq() const { return seq_; }             // the batch being sent
  uint32_t in_flight() const { return in_flight_; } // its pulses (0: none yet)
  bool waiting() const { return waiting_; }
  uint32_t ack_timeouts() const { return ack_timeouts_; } // acknowledgements that never came

private:
  // No batch before pause_ms after now_ms.
  void pause(uint32_t now_ms, uint32_t pause_ms) {
    pause_from_ms_ = now_ms;
    pause_ms_ = pause_ms;
    due_ = pause_ms == 0;
  }

  Outbox<Capacity> &outbox_;
  UploadSettings settings_;
  Backoff backoff_;
  uint32_t boot_;
  uint32_t seq_ = 1;
  uint32_t in_flight_ = 0;
  bool waiting_ = false;
  bool backing_off_ = false; // the pause is a failure's backoff, not the send interval
  uint32_t sent_ms_ = 0;
  uint32_t ack_timeouts_ = 0;
  bool due_ = true; // the first pulses go out at once
  uint32_t pause_from_ms_ = 0;
  uint32_t pause_ms_ = 0;
};

// Keeps an MQTT node subscribed to its acknowledgements. Subscribe when
// due() says so and report the outcome with subscribed(): after every
// (re)connection; again every retry_ms while subscribing fails on a
// connection that stays up; and again when an acknowledgement did not come
// (the broker may have refused the subscription: PubSubClient's
// subscribe() only says the request went out). Without it no ack would
// ever arrive and every batch would be resent for ever.
class AckSubscription {
public:
  explicit AckSubscription(uint32_t retry_ms = 5000) : retry_ms_(retry_ms) {}

  bool due(bool connected, uint32_t ack_timeouts, uint32_t now_ms) {
    if (!connected) {
      state_ = State::unsubscribed; // a new connection starts without subscriptions
      return false;
    }
    if (state_ == State::subscribed && ack_timeouts != timeouts_at_subscribe_) {
      state_ = State::unsubscribed;
    }
    timeouts_now_ = ack_timeouts;
    return state_ == State::unsubscribed ||
           (state_ == State::refused && now_ms - tried_ms_ >= retry_ms_);
  }

  void subscribed(bool sent, uint32_t now_ms) {
    tried_ms_ = now_ms;
    timeouts_at_subscribe_ = timeouts_now_;
    state_ = sent ? State::subscribed : State::refused;
  }

  bool active() const { return state_ == State::subscribed; }

private:
  enum class State : uint8_t { unsubscribed, subscribed, refused };
  uint32_t retry_ms_;
  State state_ = State::unsubscribed;
  uint32_t tried_ms_ = 0;
  uint32_t timeouts_now_ = 0;
  uint32_t timeouts_at_subscribe_ = 0;
};

// Reads "boot" and "seq" from the server's acknowledgement
// ({"accepted":3,"boot":7,…,"seq":12}); false when either is missing.
bool read_ack(const char *text, size_t length, uint32_t &boot, uint32_t &seq);

} // namespace pulsenode
