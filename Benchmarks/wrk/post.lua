-- Single-transfer requests, each with a fresh id, between the two accounts run.sh creates.
local key = io.open(os.getenv("WRK_KEY_FILE")):read("*l")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key
local thread_id = 0
function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end
function init(args)
  math.randomseed(os.time() + tid * 7919)
end
local function uuid()
  return string.format("%08x-%04x-4%03x-%04x-%012x", math.random(0, 0xffffffff), math.random(0, 0xffff), math.random(0, 0xfff),
    0x8000 + math.random(0, 0x3fff), math.random(0, 0xffffffffffff))
end
function request()
  local body = '{"transfers":[{"id":"' .. uuid() .. '","debit_account_id":"11111111-1111-4111-8111-111111111111","credit_account_id":"22222222-2222-4222-8222-222222222222","amount":7000,"code":"bus_fare","reference":"wrk"}]}'
  return wrk.format(nil, "/v1/ledger/transfers", nil, body)
end
