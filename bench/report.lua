-- wrk script for bench/http.sh: the request (method, body and headers from the environment)
-- and, when the run ends, one JSON line with the figures the benchmark keeps.
--   WRK_METHOD (GET), WRK_BODY, WRK_CTYPE, WRK_COOKIE
--   WRK_MIX: a file of tab-separated lines "weight<TAB>method<TAB>path<TAB>cookie<TAB>body";
--            each request is drawn from it by weight (the mixed deadline workload); the
--            method SAVE stands for the next request of WRK_SAVES, ONCE for the next of
--            WRK_ONCE
--   WRK_SAVES: a file of "cookie<TAB>path<TAB>body" lines (POSTed forms), one per person and
--            application, sent in turn, so that no two connections change the same
--            application at once (which the version guard would rightly refuse); alone,
--            the requests are these
--   WRK_ONCE: the same for one-shot steps (确定申报, 通过) in the mixed workload
-- Each wrk thread takes its own share of a list (thread `tid` of WRK_THREADS).
local function load(path)
  local list = {}
  if path then
    for line in io.lines(path) do
      local cookie, p, body = line:match("^([^\t]*)\t([^\t]+)\t(.*)$")
      if p then
        list[#list + 1] = wrk.format("POST", p, { Cookie = cookie, ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
      end
    end
  end
  return list
end
local saves_path = os.getenv("WRK_SAVES")
local lists = { save = load(saves_path), once = load(os.getenv("WRK_ONCE")) }
local next_of = { save = 0, once = 0 }
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
init = function()
  local n = tonumber(os.getenv("WRK_THREADS") or "1")
  for name, list in pairs(lists) do
    local mine = {}
    for i, r in ipairs(list) do
      if (i - 1) % n == (tid or 0) then mine[#mine + 1] = r end
    end
    lists[name] = mine
  end
end
local function take(name)
  local list = lists[name]
  -- An empty list (every one-shot step taken): the run's own URL, not a request of nothing,
  -- which would leave the connection waiting for an answer to the end of the run.
  if #list == 0 then return wrk.format() end
  next_of[name] = next_of[name] % #list + 1
  return list[next_of[name]]
end
local function save()
  return take("save")
end

local mix = {}
local total = 0
local path = os.getenv("WRK_MIX")
if path then
  for line in io.lines(path) do
    local w, method, p, cookie, body = line:match("^(%d+)\t(%u+)\t([^\t]+)\t([^\t]*)\t?(.*)$")
    if w then
      local headers = { Cookie = cookie }
      if method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
      total = total + tonumber(w)
      if method == "SAVE" or method == "ONCE" then
        mix[#mix + 1] = { upto = total, list = method:lower() }
      else
        mix[#mix + 1] = { upto = total, req = wrk.format(method, p, headers, body ~= "" and body or nil) }
      end
    end
  end
elseif not saves_path then
  wrk.method = os.getenv("WRK_METHOD") or "GET"
  wrk.body = os.getenv("WRK_BODY")
  if os.getenv("WRK_CTYPE") then wrk.headers["Content-Type"] = os.getenv("WRK_CTYPE") end
  if os.getenv("WRK_COOKIE") then wrk.headers["Cookie"] = os.getenv("WRK_COOKIE") end
end

if #mix > 0 then
  request = function()
    local r = math.random(total)
    for _, m in ipairs(mix) do
      if r <= m.upto then
        if m.list then return take(m.list) end
        return m.req
      end
    end
  end
elseif #lists.save > 0 then
  request = save
end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"rps":%.1f,"p50":%.3f,"p95":%.3f,"p99":%.3f,"requests":%d,"socket_errors":%d,"http_errors":%d}\n',
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests, e.connect + e.read + e.write + e.timeout, e.status))
end
