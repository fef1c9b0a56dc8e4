-- wrk script for squall's benchmarks.
--
--   wrk ... -s bench/random_name.lua URL -- MODE [N]
--
-- MODE:
--   squall    GET /v1/collections/people/find_one?filter={"name":"person-<r>"}
--             (the filter URL-encoded), r uniform in [0, N)
--   baseline  GET /people/find_one?name=person-<r>
--   fixed     GET the URL's own path every time (e.g. /healthz)
-- N defaults to 100000.
--
-- done() prints one machine-readable line for bench/report.py:
--   BENCH requests=.. duration_us=.. rps=.. p50_us=.. p99_us=.. non2xx=.. socket_errors=..

local mode = "fixed"
local n = 100000

function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  mode = args[1] or "fixed"
  n = tonumber(args[2] or "100000")
  -- a different sequence per thread and per run
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  if mode == "squall" then
    local r = math.random(0, n - 1)
    local filter = '{"name":"person-' .. r .. '"}'
    return wrk.format("GET", "/v1/collections/people/find_one?filter=" .. urlencode(filter))
  elseif mode == "baseline" then
    local r = math.random(0, n - 1)
    return wrk.format("GET", "/people/find_one?name=person-" .. r)
  else
    return wrk.format("GET")
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.2f p50_us=%d p99_us=%d max_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
