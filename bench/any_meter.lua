-- wrk script for bench/coop_bench: each request asks for a meter picked at
-- random among PULSEMON_BENCH_METERS, so that the answers come from the
-- store rather than from the answers the daemon keeps until the data
-- changes. The path is the URL's, with {id} where the meter goes.
local meters = tonumber(os.getenv("PULSEMON_BENCH_METERS"))
local template = nil

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  if template == nil then
    template = wrk.path
  end
  local path = string.gsub(template, "{id}", tostring(math.random(1, meters)))
  return wrk.format(nil, path)
end
