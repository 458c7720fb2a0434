-- wrk script for bench/http.sh: GET /search over the queries of the file
-- named by the environment variable QUERIES, cycled, with the options of
-- OPTIONS ("limit=10&snippet=200"). Each of wrk's threads starts at its
-- own place in the file.
local queries = {}
local pos = 0

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

init = function(args)
  for line in io.lines(os.getenv("QUERIES")) do
    if line ~= "" then
      queries[#queries + 1] = encode(line)
    end
  end
  pos = math.random(#queries)
end

request = function()
  pos = pos % #queries + 1
  return wrk.format("GET", "/search?" .. os.getenv("OPTIONS") .. "&q=" .. queries[pos])
end
