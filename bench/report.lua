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
--   WRK_ONESHOT: set with WRK_SAVES alone for a run of one-shot steps: the JSON line then
--            also holds `steps_rps`, the steps answered over the time they took
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

if #mix == 0 and #lists.save > 0 and os.getenv("WRK_ONESHOT") then
  -- A one-shot run (each request a step that can be taken once) may do its list before the
  -- run ends, and what follows is refused: its rate is the steps answered over the time from
  -- its first request to the last answer that was not a refusal, on a clock every thread
  -- shares (each thread's figures read back in `done`).
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock, bench_timespec *ts);
  ]]
  local ts = ffi.new("bench_timespec")
  local function now_us()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
  end
  request = function()
    if not started then started = now_us() end
    return save()
  end
  response = function(status)
    if status < 400 then
      answered = (answered or 0) + 1
      last_ok = now_us()
    end
  end
end

local all_threads = {}
local setup_thread = setup
setup = function(thread)
  setup_thread(thread)
  all_threads[#all_threads + 1] = thread
end

-- The steps answered per second from the first request to the last answer that was not
-- refused, over every thread; 0 where no thread kept them.
local function steps_rate()
  local first, last, n = nil, nil, 0
  for _, t in ipairs(all_threads) do
    local s, l, a = t:get("started"), t:get("last_ok"), t:get("answered")
    if s and l and a then
      first = first and math.min(first, s) or s
      last = last and math.max(last, l) or l
      n = n + a
    end
  end
  if not first or last <= first then return 0 end
  return n / ((last - first) / 1e6)
end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"rps":%.1f,"p50":%.3f,"p95":%.3f,"p99":%.3f,"requests":%d,"socket_errors":%d,"http_errors":%d,"steps_rps":%.1f}\n',
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
    steps_rate()))
end
