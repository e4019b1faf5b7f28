-- wrk script: guests read their own bookings, each request as a random guest of the file.
-- BENCH_SEED names a file of "<token> <order id>" lines (one of the guest's orders per line);
-- BENCH_READ_PATHS lists the paths to read, comma-separated, "%d" standing for the order id
-- (e.g. "/api/mypage/,/api/mypage/%d/"): each request takes one of them at random.
local reads_file = os.getenv("BENCH_SEED")
local read_paths = os.getenv("BENCH_READ_PATHS")
local guests, paths
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "wrk_report.lua")

function init(args)
  guests, paths = {}, {}
  for line in io.lines(reads_file) do
    local token, order_id = line:match("^(%w+) (%d+)$")
    if token then guests[#guests + 1] = { token, tonumber(order_id) } end
  end
  for path in read_paths:gmatch("[^,]+") do paths[#paths + 1] = path end
  math.randomseed(os.time() * 1000 + id)
  statuses = {}
end

function request()
  local guest = guests[math.random(#guests)]
  local path = paths[math.random(#paths)]
  if path:find("%%d") then path = string.format(path, guest[2]) end
  return wrk.format("GET", path, { ["Authorization"] = "Token " .. guest[1] })
end
