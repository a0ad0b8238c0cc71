-- Shared by every scenario: the bearer header, random ids over the seeded tasks, and a
-- done() that prints the figures run.py reads (one JSON line starting with BENCH_JSON).
-- Settings come from the environment so one script serves every database size.
local M = {}

M.token = os.getenv("BENCH_TOKEN")
M.tasks = tonumber(os.getenv("BENCH_TASKS") or "1000")
M.path = os.getenv("BENCH_PATH") or "/tasks"

-- BENCH_AUTHORIZATION, when set, is the whole header (an app password in Basic).
wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION") or ("Bearer " .. (M.token or ""))
wrk.headers["Content-Type"] = "application/json"

-- A random task owned by the bench user that does not recur (benchmarks/seed.py: ids that
-- are multiples of ten belong to another, ids ending in 5 recur daily).
function M.own_task_id()
  local id = math.random(1, M.tasks)
  if id % 5 == 0 then id = id - 1 end
  return id
end

-- A random task of other's list, of which the bench user is a member (ids that are
-- multiples of ten): the tasks a token limited to that list reaches.
function M.list_task_id()
  return 10 * math.random(1, math.floor(M.tasks / 10))
end

-- The task a GET or PATCH picks: in the list when BENCH_TASKS_IN=list, else bench's own.
function M.task_id()
  if os.getenv("BENCH_TASKS_IN") == "list" then return M.list_task_id() end
  return M.own_task_id()
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

-- A random task of the bench user's among those with reminders (benchmarks/seed.py's
-- reminder block: one per ten tasks, past the steps; its every tenth is other's), as
-- (its number in the block, its id).
M.reminder_first = M.tasks + 3 * (math.floor((M.tasks - 1) / 5) + 1) + 1
M.reminder_tasks = math.max(1, math.floor(M.tasks / 10))

function M.reminded_task()
  local number = math.random(0, M.reminder_tasks - 1)
  if number % 10 == 9 then number = number - 1 end
  return number, M.reminder_first + number
end

-- Its absolute reminder as seeded: a day before 2030-01-01 + number * 25919 s modulo 30 days
-- (seed.py's reminder_due), in the API's form.
function M.seeded_reminder_at(number)
  local due = 1893456000 + (number * 25919) % (30 * 86400)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", due - 86400)
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
