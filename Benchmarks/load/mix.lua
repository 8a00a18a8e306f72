-- wrk script for one class of the load mix (issue 16). One wrk runs per class, all at once,
-- so each class gets its own latency percentiles while they share the server.
-- Arguments (after --): the class, then the tile list file (z/x/y per line).
--   tiles-cached    20 tiles of the list, over and over: answered from the tile cache
--   tiles-uncached  random z12-z14 tiles inside the tileset's bounds (Viet Nam): almost never asked twice
--   items           OGC API items pages at random offsets, some with a bbox
--   downloads       the districts as GeoJSON and CSV, a checksum, the download counters
--   catalogue       catalogue JSON, one dataset, DCAT, CKAN search, /api/datasets, OGC collections
local class, paths = "", {}

local function tile_of(lon, lat, z)
  local n = 2 ^ z
  local x = math.floor((lon + 180) / 360 * n)
  local r = math.rad(lat)
  local y = math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
  return x, y
end

init = function(args)
  class = args[1]
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
  if class == "tiles-cached" then
    for line in io.lines(args[2]) do
      local z, x, y = line:match("(%d+)/(%d+)/(%d+)")
      if z and #paths < 20 then paths[#paths + 1] = "/tiles/xa/" .. z .. "/" .. x .. "/" .. y .. ".mvt" end
    end
  elseif class == "downloads" then
    paths = { "/downloads/huyen/latest.geojson", "/downloads/huyen/v1.csv", "/downloads/xa/latest.csv.sha256",
              "/api/datasets/huyen/downloads" }
  elseif class == "catalogue" then
    paths = { "/api/catalog", "/api/catalog/xa", "/catalog.jsonld", "/api/3/action/package_search?q=xa",
              "/api/datasets", "/ogc/collections" }
  end
end

request = function()
  if class == "tiles-uncached" then
    -- Within the communes' bounds (102.14..109.47, 8.41..23.39) and the tileset's zooms (to 14):
    -- a tile outside either is a 404 by design, not a measure of rendering.
    local z = math.random(12, 14)
    local x, y = tile_of(102.2 + math.random() * 7.2, 8.5 + math.random() * 14.8, z)
    return wrk.format("GET", "/tiles/xa/" .. z .. "/" .. x .. "/" .. y .. ".mvt")
  elseif class == "items" then
    local offset = math.random(0, 11000)
    if math.random() < 0.3 then
      local lon, lat = 102.2 + math.random() * 7, 8.6 + math.random() * 14
      return wrk.format("GET", string.format("/ogc/collections/xa/items?limit=20&bbox=%.3f,%.3f,%.3f,%.3f", lon, lat, lon + 0.2, lat + 0.2))
    end
    return wrk.format("GET", "/ogc/collections/xa/items?limit=20&offset=" .. offset)
  end
  return wrk.format("GET", paths[math.random(#paths)])
end

done = function(summary, latency, requests)
  -- done() runs in wrk's main Lua state, where init() never ran: run.sh knows the class.
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.1f errors=%d non2xx=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests))
end
