-- PATCH /tasks/<id> that re-arms one reminder: a random task of the user's among those
-- with reminders (seed.py's reminder block) gets its three reminders back with the first
-- one's offset changed (15 to 65 minutes before the due, never the seeded 15) and the
-- other two as seeded, and a new title, as the plain PATCH's body has. The write moves
-- one row of task_reminders and keeps the other two armed as they were.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
math.randomseed(os.time() + 5)
local n = 0

request = function()
  n = n + 1
  local number, id = common.reminded_task()
  local body = '{"title": "Patched ' .. n .. '", "reminders": [{"offset": ' ..
               -60 * (n % 50 + 16) .. '}, {"offset": 32400}, {"at": ' ..
               common.json_string(common.seeded_reminder_at(number)) .. '}]}'
  return wrk.format("PATCH", "/tasks/" .. id, nil, body)
end
done = common.report
