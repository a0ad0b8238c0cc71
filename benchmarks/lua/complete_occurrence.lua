-- PATCH /tasks/<id> {"done": true} on one of the user's daily recurring tasks: each
-- request completes the task's current occurrence, and its due moves to the next one.
-- The series have no COUNT nor UNTIL, so no request ever finishes one.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
math.randomseed(os.time() + 3)

request = function()
  return wrk.format("PATCH", "/tasks/" .. common.recurring_task_id(), nil, '{"done": true}')
end
done = common.report
