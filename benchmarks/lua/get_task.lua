-- GET /tasks/<id>: one of the bench user's tasks, picked at random.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
math.randomseed(os.time())

request = function()
  return wrk.format("GET", "/tasks/" .. common.own_task_id())
end
done = common.report
