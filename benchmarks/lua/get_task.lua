-- GET /tasks/<id>: one of the bench user's tasks (or of their list: BENCH_TASKS_IN), at random.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
math.randomseed(os.time())

request = function()
  return wrk.format("GET", "/tasks/" .. common.task_id())
end
done = common.report
