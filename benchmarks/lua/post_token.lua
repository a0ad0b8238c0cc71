-- POST /tokens: a login (argon2id verification, slow by design).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local body = '{"username": "' .. os.getenv("BENCH_USERNAME") .. '", "password": "' ..
             os.getenv("BENCH_PASSWORD") .. '"}'

request = function()
  return wrk.format("POST", "/tokens", {["Content-Type"] = "application/json"}, body)
end
done = common.report
