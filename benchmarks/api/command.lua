-- wrk script: each thread (one connection each) records a field on its own case,
-- again and again, with a new Idempotency-Key and the If-Match of its last answer.
local counter = 0
local threads = {}

function setup(thread)
    counter = counter + 1
    thread:set("index", counter - 1)
    table.insert(threads, thread)
end

function init(args)
    token = os.getenv("API_TOKEN")
    case = "case-" .. index
    revision = os.getenv("START_REVISION_" .. index)
    sent = 0
    refused = 0
end

function request()
    sent = sent + 1
    local body = '{"values": {"supportLinked": ' .. (sent % 2 == 0 and "true" or "false") .. '}}'
    return wrk.format("POST", "/v1/cases/" .. case .. "/fields", {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = case .. "-" .. sent .. "-" .. os.time(),
        ["If-Match"] = '"' .. revision .. '"',
    }, body)
end

function response(status, headers, body)
    if status == 200 then
        revision = string.match(headers["etag"] or headers["ETag"] or "", "%d+") or revision
    else
        refused = refused + 1
    end
end

function done(summary, latency, requests)
    local failed = 0
    for _, thread in ipairs(threads) do failed = failed + thread:get("refused") end
    io.write(string.format("non-200 answers: %d\n", failed))
end
