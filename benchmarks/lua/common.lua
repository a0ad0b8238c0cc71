-- Shared by every scenario: the bearer header, random ids over the seeded tasks, and a
-- done() that prints the figures run.py reads (one JSON line starting with BENCH_JSON).
-- Settings come from the environment so one script serves every database size.
local M = {}

M.token = os.getenv("BENCH_TOKEN")
M.tasks = tonumber(os.getenv("BENCH_TASKS") or "1000")
M.path = os.getenv("BENCH_PATH") or "/tasks"

wrk.headers["Authorization"] = "Bearer " .. (M.token or "")
wrk.headers["Content-Type"] = "application/json"

-- A random task owned by the bench user that does not recur (benchmarks/seed.py: ids that
-- are multiples of ten belong to another, ids ending in 5 recur daily).
function M.own_task_id()
  local id = math.random(1, M.tasks)
  if id % 5 == 0 then id = id - 1 end
  return id
end

-- A random one of the bench user's daily recurring tasks (ids ending in 5).
function M.recurring_task_id()
  return 10 * math.random(0, math.floor((M.tasks - 5) / 10)) + 5
end

-- The three steps of a random one of the bench user's tasks with steps (benchmarks/seed.py:
-- task 5j+1 has steps N+3j+1 .. N+3j+3, past the N tasks the other scripts pick from).
function M.random_steps()
  local j = math.random(0, math.floor((M.tasks - 1) / 5))
  local first = M.tasks + 3 * j + 1
  return {first, first + 1, first + 2}
end

function M.json_string(s)
  return '"' .. s .. '"'
end

function M.report(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "status_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write, e.status, e.timeout))
end

return M
