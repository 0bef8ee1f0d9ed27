-- wrk script for Benchmarks/jobs.py: POST /api/v1/jobs with a no-op job, each request with an
-- Idempotency-Key of its own (the run's prefix, the wrk thread, a counter).
-- Environment: ATELIER_BENCH_TOKEN (bearer token), ATELIER_BENCH_PREFIX (unique per run).
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local counter = 0
local prefix
local headers = {}
local body = '{"processor":"dev.sleep","params":{"ms":0}}'

function init(args)
  headers["Authorization"] = "Bearer " .. os.getenv("ATELIER_BENCH_TOKEN")
  headers["Content-Type"] = "application/json"
  prefix = os.getenv("ATELIER_BENCH_PREFIX") .. "-" .. thread_id .. "-"
end

function request()
  counter = counter + 1
  headers["Idempotency-Key"] = prefix .. counter
  return wrk.format("POST", "/api/v1/jobs", headers, body)
end
