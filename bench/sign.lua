-- wrk script: every request signs the campaign with an email never used before.
-- Usage: wrk -s bench/sign.lua <url> -- <campaign slug> <email prefix> [<path>]
-- <path> (default: the campaign's signing URL) is another endpoint taking the same body, such
-- as the bench's own baseline, /bench/insert/<slug>/ (bench/views.py).
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  slug = args[1]
  prefix = args[2] or "b"
  counter = 0
  created = 0
  duplicate = 0
  other = 0
  path = args[3] or ("/api/v1/campaigns/" .. slug .. "/signatures/")
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"name":"Bench Signer","email":"%s-%d-%d@example.org","country":"BO","consent":true}',
    prefix, id, counter)
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 200 then
    duplicate = duplicate + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local c, d, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    d = d + thread:get("duplicate")
    o = o + thread:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"created":%d,"duplicate":%d,"other":%d,"requests":%d,"duration_us":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d,"errors":%d}\n',
    c, d, o, summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout))
end
