-- wrk script: each request asks for a random tile of the workload list.
-- Arguments (after --): path prefix, path suffix, the list file, and "zxy", "zyx" (OGC row/col
-- order) or "xyz+" (MapServer's `tile=x+y+z`).
local paths = {}
init = function(args)
  local prefix, suffix, file, order = args[1], args[2] or "", args[3], args[4] or "zxy"
  for line in io.lines(file) do
    local z, x, y = line:match("(%d+)/(%d+)/(%d+)")
    if z then
      if order == "xyz+" then paths[#paths + 1] = prefix .. x .. "+" .. y .. "+" .. z .. suffix
      elseif order == "zyx" then paths[#paths + 1] = prefix .. z .. "/" .. y .. "/" .. x .. suffix
      else paths[#paths + 1] = prefix .. z .. "/" .. x .. "/" .. y .. suffix end
    end
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests))
end
