-- GET $BENCH_PATH: list pages (first page, a deep cursor, filters).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

request = function()
  return wrk.format("GET", common.path)
end
done = common.report
