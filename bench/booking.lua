-- wrk script: POST /api/orders/ bookings spread over hotels, room types and nights.
-- Reads the seed file named by the BENCH_SEED environment variable.
local json_file = os.getenv("BENCH_SEED")
local seed
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "wrk_report.lua")

local function read_seed()
  local f = assert(io.open(json_file, "r"))
  local text = f:read("*a")
  f:close()
  local tokens, pairs_ = {}, {}
  for token in text:match('"tokens": %[(.-)%]'):gmatch('"(%w+)"') do tokens[#tokens + 1] = token end
  for h, r in text:match('"room_types": %[(.*)%], "first_night"'):gmatch("%[(%d+), (%d+)%]") do
    pairs_[#pairs_ + 1] = { tonumber(h), tonumber(r) }
  end
  local y, m, d = text:match('"first_night": "(%d+)-(%d+)-(%d+)"')
  local nights = tonumber(text:match('"nights": (%d+)'))
  return { tokens = tokens, pairs = pairs_, first = os.time({ year = y, month = m, day = d, hour = 12 }),
           nights = nights }
end

function init(args)
  seed = read_seed()
  math.randomseed(os.time() * 1000 + id)
  statuses = {}
  counter = 0
end

local function date_after(days)
  return os.date("%Y-%m-%d", seed.first + days * 86400)
end

function request()
  counter = counter + 1
  local pair = seed.pairs[math.random(#seed.pairs)]
  local start = math.random(0, seed.nights - 1)
  local length = math.random(1, 3)
  local body = string.format(
    '{"hotel_id": %d, "room_type_id": %d, "check_in": "%s", "check_out": "%s", "guests": 2, ' ..
    '"payment_method": "card", "payment_key": "test_ok_%d_%d"}',
    pair[1], pair[2], date_after(start), date_after(start + length), id, counter)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Token " .. seed.tokens[math.random(#seed.tokens)],
    ["Idempotency-Key"] = string.format("bench-%d-%d-%d", id, counter, math.random(1e9)),
  }
  return wrk.format("POST", nil, headers, body)
end
