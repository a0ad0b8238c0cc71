-- POST /tasks/<id>/move {"after": <id>}: one of a parent's three steps put right after
-- another of them, both picked at random. Valid however often it is repeated: the steps
-- never leave their parent, and "after" is never the moving step itself. About a third of
-- the requests find the step there already (no change, no new version).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
math.randomseed(os.time() + 4)

request = function()
  local steps = common.random_steps()
  local moving = math.random(1, 3)
  local after = (moving + math.random(0, 1)) % 3 + 1  -- one of the other two
  return wrk.format("POST", "/tasks/" .. steps[moving] .. "/move", nil,
                    '{"after": ' .. common.json_string(tostring(steps[after])) .. '}')
end
done = common.report
