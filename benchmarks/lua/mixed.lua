-- The memory check: reads, a list page, creates and patches in turn.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
math.randomseed(os.time() + 2)
local n = 0

request = function()
  n = n + 1
  local kind = n % 4
  if kind == 0 then
    return wrk.format("GET", "/tasks/" .. common.own_task_id())
  elseif kind == 1 then
    return wrk.format("GET", "/tasks?limit=20")
  elseif kind == 2 then
    return wrk.format("POST", "/tasks", nil, '{"title": "Memory check ' .. n .. '", "tags": ["m"]}')
  end
  return wrk.format("PATCH", "/tasks/" .. common.own_task_id(), nil, '{"title": "Patched ' .. n .. '"}')
end
done = common.report
