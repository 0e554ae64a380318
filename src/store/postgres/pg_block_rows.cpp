#include "store/postgres/pg_block_rows.h"

#include <limits>

namespace pulsemon {

using pg::param;

namespace {

PulseBlockSummary read_summary(const pg::Rows &rows, int i) {
  return PulseBlockSummary{utc_from_epoch_us(rows.integer(i, 0)),
                           utc_from_epoch_us(rows.integer(i, 1)), rows.integer(i, 2)};
}

std::optional<PulseBlockSummary> first_summary(const pg::Rows &rows) {
  if (rows.empty()) {
    return std::nullopt;
  }
  return read_summary(rows, 0);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  throw Failure(ErrorCode::internal, "a block's bytes came back as other than hex");
}

} // namespace

std::string bytes_from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    throw Failure(ErrorCode::internal, "a block's bytes came back cut short");
  }
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(hex_digit(hex[i]) * 16 + hex_digit(hex[i + 1])));
  }
  return bytes;
}

std::string hex_from_bytes(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    hex.push_back(digits[byte >> 4U]);
    hex.push_back(digits[byte & 0x0FU]);
  }
  return hex;
}

std::vector<PulseBlockSummary> PgBlockRows::blocks_within(std::int64_t meter_id, UtcTime from,
                                                          UtcTime to) {
  // Blocks do not overlap: those ending at or after `from` and starting at
  // or before `to` are one index range of their ends, up to the first one
  // ending after `to`.
  const pg::Rows rows = db_.run(
      "SELECT first_us, last_us, pulses FROM pulse_blocks WHERE meter_id = $1 AND last_us >= $2 "
      "AND last_us <= coalesce((SELECT last_us FROM pulse_blocks WHERE meter_id = $1 AND "
      "last_us >= $3 ORDER BY last_us LIMIT 1), $3) AND first_us <= $3 ORDER BY last_us",
      {param(meter_id), param(to_epoch_us(from)), param(to_epoch_us(to))});
  return rows.each(read_summary);
}

std::optional<PulseBlockSummary> PgBlockRows::block_before(std::int64_t meter_id,
                                                           std::optional<UtcTime> before) {
  return first_summary(db_.run(
      "SELECT first_us, last_us, pulses FROM pulse_blocks WHERE meter_id = $1 AND last_us < $2 "
      "ORDER BY last_us DESC LIMIT 1",
      {param(meter_id),
       param(before ? to_epoch_us(*before) : std::numeric_limits<std::int64_t>::max())}));
}

std::optional<PulseBlockSummary> PgBlockRows::block_from(std::int64_t meter_id, UtcTime t) {
  return first_summary(
      db_.run("SELECT first_us, last_us, pulses FROM pulse_blocks WHERE meter_id = $1 AND "
              "last_us >= $2 ORDER BY last_us LIMIT 1",
              {param(meter_id), param(to_epoch_us(t))}));
}

std::string PgBlockRows::block_bytes(std::int64_t meter_id, UtcTime last) {
  const pg::Rows rows =
      db_.run("SELECT encode(data, 'hex') FROM pulse_blocks WHERE meter_id = $1 AND last_us = $2",
              {param(meter_id), param(to_epoch_us(last))});
  if (rows.empty()) {
    throw Failure(ErrorCode::internal,
                  "meter " + std::to_string(meter_id) + ": a sealed block of pulses went missing");
  }
  return bytes_from_hex(rows.text(0, 0));
}

void PgBlockRows::insert_block(std::int64_t meter_id, const PulseBlockSummary &summary,
                               const std::string &bytes) {
  db_.run("INSERT INTO pulse_blocks (meter_id, first_us, last_us, pulses, data) "
          "VALUES ($1, $2, $3, $4, decode($5, 'hex'))",
          {param(meter_id), param(to_epoch_us(summary.first)), param(to_epoch_us(summary.last)),
           param(summary.count), param(std::string_view(hex_from_bytes(bytes)))});
}

void PgBlockRows::delete_block(std::int64_t meter_id, UtcTime last) {
  db_.run("DELETE FROM pulse_blocks WHERE meter_id = $1 AND last_us = $2",
          {param(meter_id), param(to_epoch_us(last))});
}

bool PgBlockRows::visit_tail(std::int64_t meter_id, UtcTime from, UtcTime to,
                             const std::function<bool(UtcTime)> &visit) {
  // Pages by the key, so memory stays bounded whatever the range holds.
  constexpr std::int64_t tail_page = 10'000;
  for (std::int64_t next = to_epoch_us(from);;) {
    const pg::Rows rows =
        db_.run("SELECT ts_us FROM pulses WHERE meter_id = $1 AND ts_us >= $2 AND ts_us < $3 "
                "ORDER BY ts_us LIMIT $4",
                {param(meter_id), param(next), param(to_epoch_us(to)), param(tail_page)});
    for (int i = 0; i < rows.size(); ++i) {
      if (!visit(utc_from_epoch_us(rows.integer(i, 0)))) {
        return false;
      }
    }
    if (rows.size() < tail_page) {
      return true;
    }
    next = rows.integer(rows.size() - 1, 0) + 1;
  }
}

std::vector<UtcTime> PgBlockRows::newest_tail(std::int64_t meter_id, std::size_t limit) {
  const pg::Rows rows = db_.run("SELECT ts_us FROM (SELECT ts_us FROM pulses WHERE meter_id = $1 "
                                "ORDER BY ts_us DESC LIMIT $2) AS newest ORDER BY ts_us",
                                {param(meter_id), param(static_cast<std::int64_t>(limit))});
  return rows.each([](const pg::Rows &row, int i) { return utc_from_epoch_us(row.integer(i, 0)); });
}

std::int64_t PgBlockRows::count_tail(std::int64_t meter_id, UtcTime from, UtcTime to) {
  return db_
      .run("SELECT count(*) FROM pulses WHERE meter_id = $1 AND ts_us >= $2 AND ts_us < $3",
           {param(meter_id), param(to_epoch_us(from)), param(to_epoch_us(to))})
      .integer(0, 0);
}

std::int64_t PgBlockRows::delete_tail(std::int64_t meter_id, UtcTime first, UtcTime last) {
  const std::int64_t deleted =
      db_.run("DELETE FROM pulses WHERE meter_id = $1 AND ts_us >= $2 AND ts_us <= $3",
              {param(meter_id), param(to_epoch_us(first)), param(to_epoch_us(last))})
          .affected();
  db_.run("UPDATE meter_stats SET unsealed = unsealed - $2 WHERE meter_id = $1",
          {param(meter_id), param(deleted)});
  return deleted;
}

std::vector<BlockRows::Unsealed> PgBlockRows::meters_with_tail() {
  const pg::Rows rows =
      db_.run("SELECT meter_id, unsealed FROM meter_stats WHERE unsealed > 0 ORDER BY meter_id");
  return rows.each([](const pg::Rows &row, int i) {
    return Unsealed{row.integer(i, 0), row.integer(i, 1)};
  });
}

} // namespace pulsemon
