-- POST /tasks with a small body and two tags.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local n = 0

request = function()
  n = n + 1
  local body = '{"title": "Benchmark task ' .. n .. '", "priority": "high", ' ..
               '"tags": ["bench", "t3"], "description": "Created under load."}'
  return wrk.format("POST", "/tasks", nil, body)
end
done = common.report
