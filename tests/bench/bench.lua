-- bench.lua: wrk script for reifegrad's authenticated reads. They run as
-- the ceilings do (-t2 -c N), each thread taking its respondents in turn.
-- The writes (autosaves, submits) are driven by wload.c instead, which
-- keeps one respondent per connection on few threads.
--   BENCH_PATH  the request path, "{wave}" replaced
--   BENCH_TOKENS  file with one session token per line
--   BENCH_THREADS  wrk's -t (default: BENCH_CONNS)
local path = os.getenv("BENCH_PATH")
local conns = tonumber(os.getenv("BENCH_CONNS") or "64")
local threads = tonumber(os.getenv("BENCH_THREADS") or tostring(conns))
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
	if #line > 0 then tokens[#tokens + 1] = line end
end

local next_id = 0
function setup(thread)
	thread:set("id", next_id)
	next_id = next_id + 1
end

local function hdr(tok)
	return { ["Authorization"] = "Bearer " .. tok,
		["Content-Type"] = "application/json" }
end

local mine, pos, gets = {}, 1, {}
function init(args)
	-- Thread i takes tokens i, i + threads, i + 2 threads, ...
	for i = id + 1, #tokens, threads do mine[#mine + 1] = tokens[i] end
	-- Fewer tokens than threads (one coordinator): share them.
	if #mine == 0 then mine = tokens end
	-- The same few requests again and again: formatted once, so that
	-- wrk spends no more on a request than on the ceilings' plain ones.
	-- No response function either: with one, wrk would hand every
	-- answer's body to Lua, which would cost it more than the ceilings.
	for i, tok in ipairs(mine) do
		gets[i] = wrk.format("GET", path, hdr(tok))
	end
end

function request()
	local r = gets[pos]
	pos = pos % #gets + 1
	return r
end
