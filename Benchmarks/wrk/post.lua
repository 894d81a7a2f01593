-- Single-transfer requests, each with a fresh id, between the two accounts run.sh creates.
-- ID_ORDER=random (default): version-4 ids, the worst case for the journal's id index (every insert lands on
-- a random page). ID_ORDER=time: version-7 ids (RFC 9562: 48-bit Unix milliseconds, then a counter that
-- increases within the millisecond), what TigerBeetle recommends and its benchmark uses by default
-- (`--id-order=tbid`): inserts land on the right edge of the index.
local key = io.open(os.getenv("WRK_KEY_FILE")):read("*l")
local order = os.getenv("ID_ORDER") or "random"
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
local function uuid4()
  return string.format("%08x-%04x-4%03x-%04x-%012x", math.random(0, 0xffffffff), math.random(0, 0xffff), math.random(0, 0xfff),
    0x8000 + math.random(0, 0x3fff), math.random(0, 0xffffffffffff))
end
-- wrk's Lua clock has whole seconds only: the millisecond field takes the second's first millisecond and the
-- counter (rand_a and the low 48 bits) keeps ids strictly increasing within this thread.
local last_ms, a, b, node = -1, 0, 0, 0
local function uuid7()
  local ms = math.max(os.time() * 1000, last_ms)  -- a clock stepping back does not restart the counter
  if ms ~= last_ms then
    last_ms, a, b, node = ms, math.random(0, 0x3ff), math.random(0, 0xffffffff), math.random(0, 0x3fff)
  end
  b = b + 1  -- integers stay exact: Lua numbers are doubles, b stays below 2^48
  if b >= 0x1000000000000 then a, b = a + 1, 0 end
  return string.format("%08x-%04x-7%03x-%04x-%012x", math.floor(ms / 0x10000), ms % 0x10000, a, 0x8000 + node, b)
end
local uuid = order == "time" and uuid7 or uuid4
function request()
  local body = '{"transfers":[{"id":"' .. uuid() .. '","debit_account_id":"11111111-1111-4111-8111-111111111111","credit_account_id":"22222222-2222-4222-8222-222222222222","amount":7000,"code":"bus_fare","reference":"wrk"}]}'
  return wrk.format(nil, "/v1/ledger/transfers", nil, body)
end
