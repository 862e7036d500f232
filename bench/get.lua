-- wrk script: GET the URL; prints the summary as one JSON line with percentiles.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  other = 0
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local good, bad = 0, 0
  for _, thread in ipairs(threads) do
    good = good + thread:get("ok")
    bad = bad + thread:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"ok":%d,"other":%d,"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,' ..
    '"p99_us":%d,"errors":%d}\n',
    good, bad, summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout))
end
