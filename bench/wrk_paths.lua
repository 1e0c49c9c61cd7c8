-- wrk script (bench/wrk.py): GET the request paths listed in the file named by KC_WRK_PATHS,
-- one per line, in turn (each wrk thread from its own place in the list), with the headers a
-- Python requests client sends; at the end one line of JSON with what wrk counted.
local paths = {}
for line in io.lines(os.getenv("KC_WRK_PATHS")) do
  paths[#paths + 1] = line
end

local threads = {}
function setup(thread)
  thread:set("start", #threads * 7919)
  threads[#threads + 1] = thread
end

local i = 0
function init(args)
  i = start or 0
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip, deflate", ["Accept"] = "*/*"})
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'KC_WRK {"requests": %d, "seconds": %.6f, "status_errors": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.3f, "p95_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
