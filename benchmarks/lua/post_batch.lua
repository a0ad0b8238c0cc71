-- POST /batch of $BENCH_BATCH_SIZE task creations (the POST /tasks body), atomic when
-- $BENCH_BATCH_ATOMIC is "true". wrk counts the batch's own status only: that each
-- creation is a 201 is the functional tests' business (tests/functional/batch).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local size = tonumber(os.getenv("BENCH_BATCH_SIZE") or "25")
local atomic = os.getenv("BENCH_BATCH_ATOMIC") == "true"
local n = 0

request = function()
  local items = {}
  for i = 1, size do
    n = n + 1
    items[i] = '{"method": "POST", "path": "/tasks", "body": {"title": "Benchmark task ' ..
               n .. '", "priority": "high", "tags": ["bench", "t3"], ' ..
               '"description": "Created under load."}}'
  end
  local body = '{"atomic": ' .. tostring(atomic) .. ', "requests": [' ..
               table.concat(items, ", ") .. ']}'
  return wrk.format("POST", "/batch", nil, body)
end

done = common.report
