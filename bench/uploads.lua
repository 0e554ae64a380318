-- wrk script for bench/run: each connection is a sensor node uploading
-- batches of 50 pulses to POST /api/ingest without a pause, its sequence
-- number rising, its pulses a second apart and never the same twice.
local key = os.getenv("PULSEMON_BENCH_KEY")
local counter = 0

function request()
  counter = counter + 1
  local node = counter % 10
  local seq = math.floor(counter / 10) + 1
  -- From 2020-01-01, nodes far apart, each batch after the last.
  local base = 1577836800000000 + node * 10000000000000 + seq * 50000000
  local pulses = {}
  for i = 0, 49 do
    pulses[#pulses + 1] = string.format("%d", base + i * 1000000)
  end
  local body = string.format('{"node":"bench%d","boot":1,"seq":%d,"meter":1,"pulses":[%s]}',
                             node, seq, table.concat(pulses, ","))
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
  }, body)
end
