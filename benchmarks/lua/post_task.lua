-- POST /tasks with a small body and two tags, and the members of $BENCH_TASK_FIELDS
-- when it is set (a due and a recurrence: run.py's "POST /tasks (recurring)").
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local extra = os.getenv("BENCH_TASK_FIELDS")
local tail = extra and (", " .. extra .. "}") or "}"
local n = 0

request = function()
  n = n + 1
  local body = '{"title": "Benchmark task ' .. n .. '", "priority": "high", ' ..
               '"tags": ["bench", "t3"], "description": "Created under load."' .. tail
  return wrk.format("POST", "/tasks", nil, body)
end
done = common.report
