-- wrk script for bench/sites_bench: each request is a resident's, picked
-- at random among the lines of PULSEMON_BENCH_RESIDENTS ("Bearer TOKEN
-- METER"), asking for the URL's path with {id} as that resident's meter.
local residents = {}
local template = nil

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  for line in io.lines(os.getenv("PULSEMON_BENCH_RESIDENTS")) do
    local bearer, meter = string.match(line, "^(Bearer %S+) (%d+)$")
    table.insert(residents, {bearer = bearer, meter = meter})
  end
end

function request()
  if template == nil then
    template = wrk.path
  end
  local resident = residents[math.random(1, #residents)]
  local path = string.gsub(template, "{id}", resident.meter)
  return wrk.format(nil, path, {["Authorization"] = resident.bearer})
end
