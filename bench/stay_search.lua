-- wrk script: GET stay searches (/api/stays/) or one hotel's availability for the same stays.
-- Environment: BENCH_STAYS_MODE ("search" or "availability"), BENCH_STAYS_FIRST_NIGHT
-- (YYYY-MM-DD), BENCH_STAYS_NIGHTS (nights open from it), BENCH_STAYS_HOTELS (first-last id),
-- BENCH_STAYS_CITIES (comma-separated). Both modes draw the same stays: a check-in in the open
-- range, 1-3 nights, 1-4 guests (2 most often). A search names a city half the time (else
-- asks for the second page one time in five), and one time in five another order.
local mode = os.getenv("BENCH_STAYS_MODE")
local threads = {}
local first, nights, low, high, cities

function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

function init(args)
  local y, m, d = os.getenv("BENCH_STAYS_FIRST_NIGHT"):match("(%d+)-(%d+)-(%d+)")
  first = os.time({ year = y, month = m, day = d, hour = 12 })
  nights = tonumber(os.getenv("BENCH_STAYS_NIGHTS"))
  low, high = os.getenv("BENCH_STAYS_HOTELS"):match("(%d+)-(%d+)")
  low, high = tonumber(low), tonumber(high)
  cities = {}
  for city in os.getenv("BENCH_STAYS_CITIES"):gmatch("[^,]+") do cities[#cities + 1] = city end
  math.randomseed(os.time() * 1000 + id)
  statuses = {}
end

local function date_after(days)
  return os.date("%Y-%m-%d", first + days * 86400)
end

local GUESTS = { 1, 2, 2, 2, 3, 4 }
local ORDERINGS = { "-price", "name", "-name" }

function request()
  local length = math.random(1, 3)
  local start = math.random(0, nights - length - 1)
  local query = string.format("check_in=%s&check_out=%s&guests=%d", date_after(start),
    date_after(start + length), GUESTS[math.random(#GUESTS)])
  if mode == "availability" then
    return wrk.format("GET", string.format("/api/hotels/%d/availability/?%s",
      math.random(low, high), query))
  end
  if math.random() < 0.5 then
    query = query .. "&city=" .. cities[math.random(#cities)]
  elseif math.random() < 0.2 then
    query = query .. "&page=2"
  end
  if math.random() < 0.2 then query = query .. "&ordering=" .. ORDERINGS[math.random(#ORDERINGS)] end
  return wrk.format("GET", "/api/stays/?" .. query)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(totals) do parts[#parts + 1] = string.format('"%d": %d', status, count) end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"duration_us": %d, "requests": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, ' ..
    '"mean_ms": %.2f, "statuses": {%s}}\n',
    summary.duration, summary.requests, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, table.concat(parts, ", ")))
end
