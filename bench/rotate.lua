-- wrk script: every request takes the next path from the file named by KJC_BENCH_PATHS.
local paths = {}
local counter = 0

init = function(args)
  for line in io.lines(os.getenv("KJC_BENCH_PATHS")) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  counter = math.random(#paths)
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
