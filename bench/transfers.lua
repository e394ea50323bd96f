-- wrk script: every request is a new single transfer with a unique id, source -> sink.
-- Usage: wrk -t2 -c64 -d10s -s bench/transfers.lua http://127.0.0.1:8080 (MARKET4_ADMIN_TOKEN set)
local counter = 0
local thread_tag = tostring(math.random(1, 1e9))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("MARKET4_ADMIN_TOKEN")

function setup(thread)
  thread:set("tag", tostring(math.random(1, 1e9)))
end

function request()
  counter = counter + 1
  local id = "w" .. (tag or thread_tag) .. "-" .. counter
  local body = '{"transfers":[{"id":"' .. id .. '","debit_account_id":"source",' ..
               '"credit_account_id":"sink","amount":"1000","code":1}]}'
  return wrk.format(nil, "/v1/transfers", nil, body)
end

function response(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
