-- PATCH /tasks/<id> without If-Match (last writer wins), on a random task of the user
-- (or of their list: BENCH_TASKS_IN).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
math.randomseed(os.time() + 1)
local n = 0

request = function()
  n = n + 1
  local body = '{"done": ' .. (n % 2 == 0 and "true" or "false") ..
               ', "title": "Patched ' .. n .. '"}'
  return wrk.format("PATCH", "/tasks/" .. common.task_id(), nil, body)
end
done = common.report
