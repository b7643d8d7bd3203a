-- wrk script: a worker's task list, read again and again.
function init(args)
    wrk.headers["Authorization"] = "Bearer " .. os.getenv("API_TOKEN")
end
