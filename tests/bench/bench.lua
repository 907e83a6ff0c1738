-- bench.lua: wrk script for reifegrad's authenticated paths. Writes run
-- with one wrk thread per connection (-t N -c N), so that each connection
-- keeps its own respondent and, for autosaves, its own revision; reads run
-- as the ceilings do (-t2 -c N), each thread taking its respondents in
-- turn.
--   BENCH_MODE  get | put | submit
--   BENCH_PATH  the request path, "{wave}" replaced
--   BENCH_TOKENS  file with one session token per line
--   BENCH_THREADS  wrk's -t (default: BENCH_CONNS)
local mode = os.getenv("BENCH_MODE")
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

local mine, pos, revision, level, gets = {}, 1, 0, 0, {}
function init(args)
	-- Thread i takes tokens i, i + threads, i + 2 threads, ...
	for i = id + 1, #tokens, threads do mine[#mine + 1] = tokens[i] end
	-- Fewer tokens than threads (one coordinator): share them.
	if #mine == 0 then mine = tokens end
	-- Reads send the same few requests again: formatted once, so that
	-- wrk spends no more on a request than on the ceilings' plain ones.
	if mode == "get" then
		for i, tok in ipairs(mine) do
			gets[i] = wrk.format("GET", path, hdr(tok))
		end
	end
end

function request()
	local tok = mine[pos] or mine[1]
	if mode == "get" then
		local r = gets[pos]
		pos = pos % #gets + 1
		return r
	elseif mode == "put" then
		level = (level + 1) % 5
		local body = string.format(
			'{"revision":%d,"answers":{"D1.1":{"level":%d,"comment":"Autosave"},"D2.3":{"level":%d,"target":4}}}',
			revision, level, (level + 2) % 5)
		return wrk.format("PUT", path, hdr(tok), body)
	else
		-- Each draft is submitted once; a thread whose drafts are all
		-- submitted stops (its last request would only repeat one).
		pos = pos + 1
		if pos > #mine then wrk.thread:stop() end
		return wrk.format("POST", path, hdr(tok), '{"revision":1}')
	end
end

-- Only autosaves read the answer (for the next revision): with a response
-- function wrk hands every answer's body to Lua, which for reads would
-- cost wrk more than the ceilings it is compared with.
if mode == "put" then
	function response(status, headers, body)
		local r = body:match('"revision":(%d+)')
		if r then revision = tonumber(r) end
	end
end
